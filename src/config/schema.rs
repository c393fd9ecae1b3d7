//! The shape of `kubevali.yaml` and its defaults.

use std::collections::BTreeMap;
use std::time::Duration;

use super::listen::Listen;

/// The index template the original used: the ordinal suffix of the pod name.
pub const DEFAULT_INDEX_TEMPLATE: &str = r#"{{ env "HOSTNAME" | splitList "-" | mustLast }}"#;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Holds `{{ define }}` blocks that every other template can use.
    pub common_template: String,
    pub node_template: NodeTemplate,
    pub watchlog: Watchlog,
    pub node_service: NodeService,
    pub node_stdout: Stream,
    pub node_stderr: Stream,
    pub logging: Logging,
    /// Sent to the node when a config change needs a restart.
    pub stop_signal: i32,
    /// How long a stopping node may take before it is killed.
    pub stop_timeout: Duration,
    /// The probes and metrics endpoint; off when absent.
    pub http: Option<Http>,
}

/// `http:`. The address is checked when the config loads; whether it can
/// be bound is only known when kubevali starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Http {
    pub listen: Listen,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeTemplate {
    pub index: String,
    pub command: Vec<String>,
    pub args: BTreeMap<String, ArgValue>,
}

/// One `args` entry. Numbers keep the text they were written with, so that
/// `1.50` reaches the node as `1.50`, not as a reformatted float.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgValue {
    Template(String),
    Number(String),
    Switch(bool),
    List(Vec<ArgItem>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ArgItem {
    Template(String),
    Number(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Watchlog {
    pub enabled: bool,
    pub keyword: String,
    pub last_threshold: Option<Duration>,
    /// Templates, one per replica: `healthcheckIDs[.Index]` is pinged.
    pub healthcheck_ids: Vec<String>,
    /// Template: a project's ping key, for checks that create themselves
    /// (instead of healthcheckIDs).
    pub ping_key: Option<String>,
    /// Template: such a check's slug; default: the pod name.
    pub slug: Option<String>,
    pub ping_base_url: String,
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
}

impl Default for Watchlog {
    fn default() -> Watchlog {
        Watchlog {
            enabled: false,
            keyword: String::new(),
            last_threshold: None,
            healthcheck_ids: Vec::new(),
            ping_key: None,
            slug: None,
            ping_base_url: "https://hc-ping.com".to_owned(),
            ping_interval: Duration::from_secs(60),
            ping_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeService {
    pub enabled: bool,
    pub force_update: bool,
    pub node_port_template: String,
}

/// Where one of the node's output streams goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Stream {
    #[default]
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Logging {
    pub level: Option<LogLevel>,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Off,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Console,
    Json,
}

pub const DEFAULT_STOP_SIGNAL: i32 = libc::SIGTERM;
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(60);
