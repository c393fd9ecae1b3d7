//! `kubevali.yaml`: its shape, defaults and validation.
//!
//! Every mistake is reported with the file, the key's path and, where the
//! YAML gives one, line:column. serde_yaml knows positions only while it
//! parses, so checks that need the whole document (or rendered values) find
//! their position afterwards with [`Source::locate`], which walks the same
//! YAML to the key and reads the parser's own mark there.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::duration;
use crate::template;

/// The index template the original used: the ordinal suffix of the pod name.
pub const DEFAULT_INDEX_TEMPLATE: &str = r#"{{ env "HOSTNAME" | splitList "-" | mustLast }}"#;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Config {
    /// Holds `{{ define }}` blocks that every other template can use.
    #[serde(default)]
    pub common_template: String,
    pub node_template: NodeTemplate,
    #[serde(default)]
    pub watchlog: Watchlog,
    #[serde(default)]
    pub node_service: NodeService,
    #[serde(default)]
    pub node_stdout: Stream,
    #[serde(default)]
    pub node_stderr: Stream,
    #[serde(default)]
    pub logging: Logging,
    /// Sent to the node when a config change needs a restart.
    #[serde(default = "default_stop_signal", deserialize_with = "de_signal")]
    pub stop_signal: i32,
    /// How long a stopping node may take before it is killed.
    #[serde(default = "default_stop_timeout", deserialize_with = "de_duration")]
    pub stop_timeout: Duration,
    /// The probes and metrics endpoint; off when absent.
    #[serde(default)]
    pub http: Option<Http>,
}

/// `http:` (issue 14). The address is checked here, with its position;
/// whether it can be bound is only known when kubevali starts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Http {
    #[serde(deserialize_with = "de_listen")]
    pub listen: crate::health::Listen,
}

fn de_listen<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<crate::health::Listen, D::Error> {
    de_text_with(deserializer, crate::health::listen::parse)
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeTemplate {
    #[serde(default = "default_index_template")]
    pub index: String,
    pub command: Vec<String>,
    #[serde(default)]
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

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Watchlog {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub keyword: String,
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub last_threshold: Option<Duration>,
    /// Templates, one per replica: `healthcheckIDs[.Index]` is pinged.
    #[serde(default, rename = "healthcheckIDs")]
    pub healthcheck_ids: Vec<String>,
    /// Template: a project's ping key, for auto-provisioned checks (instead
    /// of healthcheckIDs).
    #[serde(default)]
    pub ping_key: Option<String>,
    /// Template: the auto-provisioned check's slug; default: the pod name.
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default = "default_ping_base_url", rename = "pingBaseURL")]
    pub ping_base_url: String,
    #[serde(default = "default_ping_interval", deserialize_with = "de_duration")]
    pub ping_interval: Duration,
    #[serde(default = "default_ping_timeout", deserialize_with = "de_duration")]
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
            ping_base_url: default_ping_base_url(),
            ping_interval: default_ping_interval(),
            ping_timeout: default_ping_timeout(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeService {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub force_update: bool,
    #[serde(default)]
    pub node_port_template: String,
}

/// Where one of the node's output streams goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    #[default]
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Logging {
    #[serde(default)]
    pub level: Option<LogLevel>,
    #[serde(default)]
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Off,
    Error,
    #[serde(alias = "warning")]
    Warn,
    Info,
    Debug,
    Trace,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Console,
    Json,
}

fn default_index_template() -> String {
    DEFAULT_INDEX_TEMPLATE.to_owned()
}
fn default_ping_base_url() -> String {
    "https://hc-ping.com".to_owned()
}
fn default_ping_interval() -> Duration {
    Duration::from_secs(60)
}
fn default_ping_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_stop_signal() -> i32 {
    libc::SIGTERM
}
fn default_stop_timeout() -> Duration {
    Duration::from_secs(60)
}

fn de_duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    de_text_with(deserializer, |text| {
        duration::parse(text).map_err(|e| e.to_string())
    })
}

fn de_opt_duration<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    de_duration(deserializer).map(Some)
}

fn de_signal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
    de_text_with(deserializer, |text| {
        crate::signal::parse(text).ok_or_else(|| {
            format!("unknown signal {text:?}; use a name such as SIGTERM, INT or HUP, or a number")
        })
    })
}

/// Deserializes a string through `parse`. The parse runs inside the visitor
/// so that serde_yaml attaches the value's path and position to its error.
fn de_text_with<'de, D, T>(
    deserializer: D,
    parse: fn(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct TextVisitor<T>(fn(&str) -> Result<T, String>);

    impl<T> Visitor<'_> for TextVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
            (self.0)(text).map_err(E::custom)
        }
        fn visit_u64<E: de::Error>(self, number: u64) -> Result<T, E> {
            self.visit_str(&number.to_string())
        }
        fn visit_i64<E: de::Error>(self, number: i64) -> Result<T, E> {
            self.visit_str(&number.to_string())
        }
    }

    deserializer.deserialize_any(TextVisitor(parse))
}

impl<'de> Deserialize<'de> for ArgValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ArgVisitor)
    }
}

struct ArgVisitor;

const ARG_EXPECTED: &str = "a string, a number, true/false or a list of strings and numbers";

impl<'de> Visitor<'de> for ArgVisitor {
    type Value = ArgValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(ARG_EXPECTED)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<ArgValue, E> {
        Ok(ArgValue::Template(v.to_owned()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<ArgValue, E> {
        Ok(ArgValue::Switch(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ArgValue, E> {
        Ok(ArgValue::Number(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ArgValue, E> {
        Ok(ArgValue::Number(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<ArgValue, E> {
        Ok(ArgValue::Number(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<ArgValue, E> {
        Err(E::custom(format!(
            "null is not a value; expected {ARG_EXPECTED} (use false or \"\" to leave the flag out)"
        )))
    }
    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<ArgValue, A::Error> {
        Err(de::Error::custom(format!(
            "a map is not a value; expected {ARG_EXPECTED}"
        )))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ArgValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<ArgItem>()? {
            items.push(item);
        }
        Ok(ArgValue::List(items))
    }
}

impl<'de> Deserialize<'de> for ArgItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_any(ArgVisitor)? {
            ArgValue::Template(text) => Ok(ArgItem::Template(text)),
            ArgValue::Number(text) => Ok(ArgItem::Number(text)),
            ArgValue::Switch(_) | ArgValue::List(_) => Err(de::Error::custom(
                "a list item must be a string or a number (true/false and nested lists are not)",
            )),
        }
    }
}

/// The config file's name and text, kept to point errors at lines.
#[derive(Debug, Clone)]
pub struct Source {
    pub file: String,
    pub text: String,
}

/// One step of a key path: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A key path such as `nodeTemplate.args.bootnodes[1]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    pub fn parse(dotted: &str) -> FieldPath {
        let mut segs = Vec::new();
        for part in dotted.split('.') {
            let (key, indexes) = part
                .split_once('[')
                .map_or((part, ""), |(k, rest)| (k, rest));
            segs.push(Seg::Key(key.to_owned()));
            for index in indexes.split('[') {
                if let Ok(i) = index.trim_end_matches(']').parse() {
                    segs.push(Seg::Index(i));
                }
            }
        }
        FieldPath(segs)
    }

    pub fn key(&self, key: &str) -> FieldPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_owned()));
        FieldPath(segs)
    }

    pub fn index(&self, index: usize) -> FieldPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        FieldPath(segs)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(key) if i == 0 => f.write_str(key)?,
                Seg::Key(key) => write!(f, ".{key}")?,
                Seg::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[derive(Debug)]
pub enum ConfigError {
    Read {
        file: String,
        error: std::io::Error,
    },
    IsDirectory {
        file: String,
    },
    Empty {
        file: String,
    },
    /// A wrong key or value; `position` is line:column in the file.
    Invalid {
        file: String,
        position: Option<(usize, usize)>,
        path: String,
        message: String,
    },
    /// A template that does not parse or does not execute; the position is
    /// inside the template text.
    Template {
        file: String,
        path: String,
        error: template::Error,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { file, error } => {
                write!(f, "{file}: cannot read the config file: {error}")?;
                if error.kind() == std::io::ErrorKind::NotFound {
                    f.write_str(" (choose another with --config or KUBEVALI_CONFIG)")?;
                }
                Ok(())
            }
            ConfigError::IsDirectory { file } => {
                write!(f, "{file}: is a directory, not a config file")
            }
            ConfigError::Empty { file } => {
                write!(
                    f,
                    "{file}: the config file is empty; it needs at least nodeTemplate.command"
                )
            }
            ConfigError::Invalid {
                file,
                position,
                path,
                message,
            } => {
                f.write_str(file)?;
                if let Some((line, column)) = position {
                    write!(f, ":{line}:{column}")?;
                }
                if path.is_empty() {
                    write!(f, ": {message}")
                } else {
                    write!(f, ": {path}: {message}")
                }
            }
            ConfigError::Template { file, path, error } if error.line == 0 => {
                write!(f, "{file}: {path}: {error}")
            }
            ConfigError::Template { file, path, error } => write!(f, "{file}: {path}:{error}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Source {
    /// Reads the file; errors name it.
    pub fn read(path: &Path) -> Result<Source, ConfigError> {
        let file = path.display().to_string();
        if path.is_dir() {
            return Err(ConfigError::IsDirectory { file });
        }
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Ok(Source { file, text }),
                Err(e) => Err(ConfigError::Invalid {
                    position: None,
                    path: String::new(),
                    message: format!(
                        "not UTF-8 text (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                    file,
                }),
            },
            Err(error) => Err(ConfigError::Read { file, error }),
        }
    }

    /// An error about the value at `path`, pointed at its line, or at the
    /// nearest enclosing key when the value itself is not written (a default).
    pub fn invalid(&self, path: &FieldPath, message: impl Into<String>) -> ConfigError {
        let position = (0..=path.0.len())
            .rev()
            .find_map(|len| self.locate(&FieldPath(path.0[..len].to_vec())));
        ConfigError::Invalid {
            file: self.file.clone(),
            position,
            path: path.to_string(),
            message: message.into(),
        }
    }

    pub fn template_error(&self, path: &FieldPath, error: template::Error) -> ConfigError {
        ConfigError::Template {
            file: self.file.clone(),
            path: path.to_string(),
            error,
        }
    }

    /// Line and column (1-based) of the value at `path`, as the YAML parser
    /// sees it.
    pub fn locate(&self, path: &FieldPath) -> Option<(usize, usize)> {
        let deserializer = serde_yaml::Deserializer::from_str(&self.text);
        match (Locator { path: &path.0 }).deserialize(deserializer) {
            Err(error) if error.to_string().contains(LOCATOR_MARK) => error
                .location()
                .map(|location| (location.line(), location.column())),
            _ => None,
        }
    }

    /// Parses and validates the config.
    pub fn parse(&self) -> Result<Config, ConfigError> {
        let config: Option<Config> =
            serde_yaml::from_str(&self.text).map_err(|error| self.yaml_error(&error))?;
        let mut config = config.ok_or_else(|| ConfigError::Empty {
            file: self.file.clone(),
        })?;
        self.restore_number_text(&mut config);
        self.validate(&config)?;
        Ok(config)
    }

    fn validate(&self, config: &Config) -> Result<(), ConfigError> {
        let node = FieldPath::parse("nodeTemplate");
        if config.node_template.command.is_empty() {
            return Err(self.invalid(
                &node.key("command"),
                "needs at least one item: the node's executable",
            ));
        }
        let watchlog = &config.watchlog;
        let at = FieldPath::parse("watchlog");
        if watchlog.enabled {
            if watchlog.keyword.is_empty() {
                return Err(self.invalid(
                    &at.key("keyword"),
                    "must be set when watchlog is enabled (for example \"Prepared block\")",
                ));
            }
            if watchlog.last_threshold.is_none() {
                return Err(self.invalid(
                    &at.key("lastThreshold"),
                    "must be set when watchlog is enabled (for example 60m)",
                ));
            }
            self.validate_checks(watchlog)?;
        }
        let at_least_a_second = [
            ("lastThreshold", watchlog.last_threshold),
            ("pingInterval", Some(watchlog.ping_interval)),
        ];
        for (key, value) in at_least_a_second {
            if let Some(value) = value.filter(|v| *v < Duration::from_secs(1)) {
                return Err(self.invalid(
                    &at.key(key),
                    format!("must be at least 1s, got {}", duration::display(value)),
                ));
            }
        }
        if watchlog.ping_timeout.is_zero() {
            return Err(self.invalid(&at.key("pingTimeout"), "must be more than 0s"));
        }
        let base = &watchlog.ping_base_url;
        if let Err(e) = crate::watchlog::url::validate_base_url(base) {
            return Err(self.invalid(&at.key("pingBaseURL"), format!("{base:?} {e}")));
        }
        if config.node_service.enabled && config.node_service.node_port_template.is_empty() {
            return Err(self.invalid(
                &FieldPath::parse("nodeService.nodePortTemplate"),
                "must be set when nodeService is enabled",
            ));
        }
        Ok(())
    }

    /// Watchlog pings either listed checks or auto-provisioned ones, never
    /// both. Values without template actions are checked here, for every
    /// replica at once; rendered ones when they are rendered.
    fn validate_checks(&self, watchlog: &Watchlog) -> Result<(), ConfigError> {
        use crate::watchlog::url;
        let at = FieldPath::parse("watchlog");
        match (&watchlog.ping_key, watchlog.healthcheck_ids.is_empty()) {
            (None, true) => {
                return Err(self.invalid(
                    &at.key("healthcheckIDs"),
                    "must list at least one check ID when watchlog is enabled (or set \
                     watchlog.pingKey for checks that create themselves)",
                ));
            }
            (Some(_), false) => {
                return Err(self.invalid(
                    &at.key("pingKey"),
                    "and healthcheckIDs are two ways to name the check: set only one",
                ));
            }
            _ => {}
        }
        if watchlog.slug.is_some() && watchlog.ping_key.is_none() {
            return Err(self.invalid(
                &at.key("slug"),
                "names an auto-provisioned check, so it needs watchlog.pingKey",
            ));
        }
        let literal = |text: &str| !text.contains("{{");
        for (i, id) in watchlog.healthcheck_ids.iter().enumerate() {
            if literal(id) {
                url::validate_check_id(id)
                    .map_err(|e| self.invalid(&at.key("healthcheckIDs").index(i), e.to_string()))?;
            }
        }
        if let Some(key) = watchlog.ping_key.as_deref().filter(|k| literal(k)) {
            url::validate_ping_key(key)
                .map_err(|e| self.invalid(&at.key("pingKey"), e.to_string()))?;
        }
        if let Some(slug) = watchlog.slug.as_deref().filter(|s| literal(s)) {
            url::validate_slug(slug).map_err(|e| self.invalid(&at.key("slug"), e.to_string()))?;
        }
        Ok(())
    }

    /// serde hands numbers over already converted; we want the text the
    /// operator wrote, which the parser's mark lets us read back.
    fn restore_number_text(&self, config: &mut Config) {
        let args = FieldPath::parse("nodeTemplate.args");
        for (name, value) in config.node_template.args.iter_mut() {
            let at = args.key(name);
            match value {
                ArgValue::Number(text) => self.number_as_written(&at, text),
                ArgValue::List(items) => {
                    for (i, item) in items.iter_mut().enumerate() {
                        if let ArgItem::Number(text) = item {
                            self.number_as_written(&at.index(i), text);
                        }
                    }
                }
                ArgValue::Template(_) | ArgValue::Switch(_) => {}
            }
        }
    }

    fn number_as_written(&self, path: &FieldPath, text: &mut String) {
        let Some((line, column)) = self.locate(path) else {
            return;
        };
        let Some(line_text) = self.text.lines().nth(line - 1) else {
            return;
        };
        let Some(rest) = line_text.get(column - 1..) else {
            return;
        };
        let token: &str = rest
            .split(|c: char| c.is_whitespace() || ",]}#".contains(c))
            .next()
            .unwrap_or("");
        // Only trust the token if it is the same number serde read.
        let written = serde_yaml::from_str::<serde_yaml::Value>(token).ok();
        let same = match (
            written.as_ref().and_then(serde_yaml::Value::as_f64),
            text.parse::<f64>(),
        ) {
            (Some(a), Ok(b)) => a == b,
            _ => false,
        };
        if same {
            *text = token.to_owned();
        }
    }

    fn yaml_error(&self, error: &serde_yaml::Error) -> ConfigError {
        let position = error.location().map(|l| (l.line(), l.column()));
        let mut text = error.to_string();
        if let Some((line, column)) = position {
            // The position leads the message already; libyaml's own text
            // repeats it, at the end or before a second clause.
            text = text.replacen(&format!(" at line {line} column {column}"), "", 1);
        }
        let (mut path, mut message) = match text.split_once(": ") {
            Some((path, message)) if !path.contains(' ') && !path.is_empty() => {
                (path.to_owned(), message.to_owned())
            }
            _ => (String::new(), text),
        };
        if let Some(field) = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(field, _)| field.to_owned())
        {
            path = if path.is_empty() {
                field.clone()
            } else {
                format!("{path}.{field}")
            };
            let expected = message
                .split_once(", expected ")
                .map(|(_, e)| e.replace('`', ""));
            message = match expected {
                Some(list) => format!("unknown field \"{field}\"; expected {list}"),
                None => format!("unknown field \"{field}\""),
            };
        } else {
            message = message.replace('`', "\"");
        }
        ConfigError::Invalid {
            file: self.file.clone(),
            position,
            path,
            message,
        }
    }
}

/// Marks the deliberate error [`Locator`] raises at its target.
const LOCATOR_MARK: &str = "kubevali-locator-reached-target";

/// Walks a YAML document to `path` and fails there on purpose: the failure
/// carries the parser's position of that value.
struct Locator<'p> {
    path: &'p [Seg],
}

impl<'de> DeserializeSeed<'de> for Locator<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Locator<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            return Err(de::Error::custom(LOCATOR_MARK));
        };
        while let Some(key) = map.next_key::<serde_yaml::Value>()? {
            let matches = matches!((first, key.as_str()), (Seg::Key(want), Some(k)) if want == k);
            if matches {
                return map.next_value_seed(Locator { path: rest });
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            return Err(de::Error::custom(LOCATOR_MARK));
        };
        let mut i = 0;
        loop {
            if *first == Seg::Index(i) {
                return seq.next_element_seed(Locator { path: rest }).map(|_| ());
            }
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }
}

impl Locator<'_> {
    fn scalar<E: de::Error>(&self) -> Result<(), E> {
        if self.path.is_empty() {
            Err(E::custom(LOCATOR_MARK))
        } else {
            Ok(())
        }
    }
}

/// Loads and validates the config at `path`.
pub fn load(path: &Path) -> Result<(Config, Source), ConfigError> {
    let source = Source::read(path)?;
    let config = source.parse()?;
    Ok((config, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Source {
        Source {
            file: "kubevali.yaml".to_owned(),
            text: text.to_owned(),
        }
    }

    fn parse(text: &str) -> Result<Config, ConfigError> {
        source(text).parse()
    }

    fn error(text: &str) -> String {
        parse(text)
            .expect_err("config should be rejected")
            .to_string()
    }

    const MINIMAL: &str = "nodeTemplate:\n  command: [darwinia]\n";

    #[test]
    fn defaults() {
        let config = parse(MINIMAL).unwrap();
        assert_eq!(config.node_template.index, DEFAULT_INDEX_TEMPLATE);
        assert_eq!(config.node_stdout, Stream::Stdout);
        assert_eq!(config.node_stderr, Stream::Stdout);
        assert_eq!(config.stop_signal, libc::SIGTERM);
        assert_eq!(config.stop_timeout, Duration::from_secs(60));
        assert!(!config.watchlog.enabled);
        assert_eq!(config.watchlog.ping_base_url, "https://hc-ping.com");
        assert_eq!(config.watchlog.ping_interval, Duration::from_secs(60));
        assert_eq!(config.watchlog.ping_timeout, Duration::from_secs(10));
        assert_eq!(config.logging.format, LogFormat::Console);
    }

    #[test]
    fn arg_shapes() {
        let config = parse(
            "nodeTemplate:\n  command: [darwinia]\n  args:\n    name: 'n{{ .Index }}'\n    \
             port: 30333\n    ratio: 1.50\n    hex: 0x1F\n    validator: true\n    \
             rpc-external: false\n    bootnodes: [a, 2, 3.0]\n",
        )
        .unwrap();
        let args = &config.node_template.args;
        assert_eq!(args["name"], ArgValue::Template("n{{ .Index }}".into()));
        assert_eq!(args["port"], ArgValue::Number("30333".into()));
        assert_eq!(args["ratio"], ArgValue::Number("1.50".into()));
        assert_eq!(args["hex"], ArgValue::Number("0x1F".into()));
        assert_eq!(args["validator"], ArgValue::Switch(true));
        assert_eq!(args["rpc-external"], ArgValue::Switch(false));
        assert_eq!(
            args["bootnodes"],
            ArgValue::List(vec![
                ArgItem::Template("a".into()),
                ArgItem::Number("2".into()),
                ArgItem::Number("3.0".into()),
            ])
        );
    }

    #[test]
    fn unknown_keys_at_every_depth() {
        assert_eq!(
            error("nodeTemplates:\n  command: [x]\n"),
            "kubevali.yaml:1:1: nodeTemplates: unknown field \"nodeTemplates\"; expected one of \
             commonTemplate, nodeTemplate, watchlog, nodeService, nodeStdout, nodeStderr, \
             logging, stopSignal, stopTimeout, http"
        );
        let nested = error("nodeTemplate:\n  command: [x]\n  argz: {}\n");
        assert!(
            nested.starts_with("kubevali.yaml:3:3: nodeTemplate.argz: unknown field"),
            "{nested}"
        );
        let deeper = error("nodeTemplate:\n  command: [x]\nwatchlog:\n  keywrd: x\n");
        assert!(
            deeper.starts_with("kubevali.yaml:4:3: watchlog.keywrd: unknown field"),
            "{deeper}"
        );
    }

    #[test]
    fn bad_values_name_path_and_line() {
        let null = error("nodeTemplate:\n  command: [x]\n  args:\n    port: ~\n");
        assert!(
            null.starts_with("kubevali.yaml:4:11: nodeTemplate.args.port: null"),
            "{null}"
        );
        let map = error("nodeTemplate:\n  command: [x]\n  args:\n    port: {a: 1}\n");
        assert!(
            map.starts_with("kubevali.yaml:4:11: nodeTemplate.args.port: a map"),
            "{map}"
        );
        let item = error("nodeTemplate:\n  command: [x]\n  args:\n    b: [x, ~]\n");
        assert!(item.contains("nodeTemplate.args.b[1]: null"), "{item}");
        let stream = error("nodeStdout: file\nnodeTemplate:\n  command: [x]\n");
        assert!(
            stream.starts_with("kubevali.yaml:1:13: nodeStdout: unknown variant"),
            "{stream}"
        );
        let duration = error("nodeTemplate:\n  command: [x]\nstopTimeout: 10 minutes\n");
        assert!(
            duration.contains("kubevali.yaml:3:14: stopTimeout: invalid duration \"10 minutes\""),
            "{duration}"
        );
        let signal = error("nodeTemplate:\n  command: [x]\nstopSignal: SIGFOO\n");
        assert!(
            signal.contains("stopSignal: unknown signal \"SIGFOO\""),
            "{signal}"
        );
        let wrong_type = error("nodeTemplate:\n  command: darwinia\n");
        assert!(
            wrong_type.starts_with("kubevali.yaml:2:12: nodeTemplate.command: invalid type"),
            "{wrong_type}"
        );
    }

    #[test]
    fn validation_after_parsing_points_at_the_key() {
        assert_eq!(
            error("nodeTemplate:\n  command: []\n"),
            "kubevali.yaml:2:12: nodeTemplate.command: needs at least one item: the node's executable"
        );
        let no_keyword = error(&format!(
            "{MINIMAL}watchlog:\n  enabled: true\n  lastThreshold: 1h\n  healthcheckIDs: [a]\n"
        ));
        assert!(
            no_keyword.starts_with("kubevali.yaml:4:3: watchlog.keyword: must be set"),
            "{no_keyword}"
        );
        let short = error(&format!("{MINIMAL}watchlog:\n  lastThreshold: 500ms\n"));
        assert_eq!(
            short,
            "kubevali.yaml:4:18: watchlog.lastThreshold: must be at least 1s, got 500ms"
        );
    }

    #[test]
    fn http_listen_is_checked_at_load() {
        let config = parse(&format!("{MINIMAL}http:\n  listen: \":9616\"\n")).unwrap();
        assert_eq!(
            config.http.map(|h| h.listen),
            Some(crate::health::Listen::Any(9616))
        );
        assert_eq!(parse(MINIMAL).unwrap().http, None);
        let bad = error(&format!("{MINIMAL}http:\n  listen: \"example.com:80\"\n"));
        assert!(
            bad.starts_with("kubevali.yaml:4:11: http.listen: \"example.com:80\": the host"),
            "{bad}"
        );
        let number = error(&format!("{MINIMAL}http:\n  listen: 9616\n"));
        assert!(
            number.contains("http.listen: \"9616\": no port"),
            "{number}"
        );
        let missing = error(&format!("{MINIMAL}http: {{}}\n"));
        assert!(
            missing.contains("http: missing field \"listen\""),
            "{missing}"
        );
    }

    #[test]
    fn empty_documents_are_errors() {
        assert!(matches!(parse(""), Err(ConfigError::Empty { .. })));
        assert!(matches!(
            parse("# only a comment\n"),
            Err(ConfigError::Empty { .. })
        ));
        let missing_command = error("nodeTemplate: {}\n");
        assert!(
            missing_command.contains("nodeTemplate: missing field \"command\""),
            "{missing_command}"
        );
    }

    #[test]
    fn locate_finds_nested_values() {
        let src = source("a:\n  b:\n    - x\n    - y: 1\n      z: [1, 2]\n");
        assert_eq!(src.locate(&FieldPath::parse("a.b[1].z[1]")), Some((5, 14)));
        assert_eq!(src.locate(&FieldPath::parse("a.b[0]")), Some((3, 7)));
        assert_eq!(src.locate(&FieldPath::parse("a.missing")), None);
    }

    #[test]
    fn field_paths_print_like_they_parse() {
        for path in ["nodeTemplate.args.bootnodes[1]", "watchlog", "a.b[0][2].c"] {
            assert_eq!(FieldPath::parse(path).to_string(), path);
        }
    }
}
