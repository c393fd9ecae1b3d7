//! Wires the modules together. Every failure becomes one log line and an
//! exit code here; nothing below decides how kubevali exits.

use std::fmt;
use std::sync::Arc;

use crate::argv::{Plan, Renderer};
use crate::cli::{self, Command, RunOptions};
use crate::config::{self, Config, ConfigError, Source};
use crate::heartbeat::Heartbeat;
use crate::install::{self, InstallError};
use crate::kube::{self, KubeError};
use crate::supervisor::{self, Event, NodeExit, NodeSpec, SpawnError, Supervisor};
use crate::template::gofmt;
use crate::watchlog::Pinger;
use crate::{logging, quote, reload};

/// Exit code for usage, config and template errors.
pub const EXIT_USAGE: i32 = 2;

/// Exit code for failures of kubevali itself (Kubernetes API, I/O).
pub const EXIT_FAILURE: i32 = 1;

#[derive(Debug)]
pub enum AppError {
    Config(ConfigError),
    Kube(KubeError),
    Install(InstallError),
    /// Something kubevali needs for itself could not be set up.
    Setup {
        what: &'static str,
        error: std::io::Error,
    },
}

impl AppError {
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Config(_) => EXIT_USAGE,
            AppError::Kube(_) | AppError::Install(_) | AppError::Setup { .. } => EXIT_FAILURE,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Config(e) => e.fmt(f),
            AppError::Kube(e) => write!(f, "nodeService: {e}"),
            AppError::Install(e) => e.fmt(f),
            AppError::Setup { what, error } => write!(f, "cannot {what}: {error}"),
        }
    }
}

impl From<KubeError> for AppError {
    fn from(e: KubeError) -> AppError {
        AppError::Kube(e)
    }
}

impl From<ConfigError> for AppError {
    fn from(e: ConfigError) -> AppError {
        AppError::Config(e)
    }
}

pub fn main() -> i32 {
    logging::init();
    let args = std::env::args_os().skip(1);
    let command = match cli::parse(args, std::env::var_os("KUBEVALI_CONFIG")) {
        Ok(command) => command,
        Err(e) => {
            crate::output::eprint_line(&format!("kubevali: {e}"));
            return EXIT_USAGE;
        }
    };
    let outcome = match command {
        Command::Help => Ok(crate::output::print(cli::USAGE)),
        Command::Version => Ok(crate::output::print(&format!(
            "kubevali {}\n",
            env!("CARGO_PKG_VERSION")
        ))),
        Command::Install(path) => install::install_self(&path)
            .map(|_| 0)
            .map_err(AppError::Install),
        Command::Run(options) => run(&options),
    };
    outcome.unwrap_or_else(|e| {
        log::error!("{e}");
        e.exit_code()
    })
}

fn run(options: &RunOptions) -> Result<i32, AppError> {
    // Before anything slow, so that a SIGTERM arriving while the config is
    // rendered (or Kubernetes is asked) is kept rather than lost.
    let mut supervisor = Supervisor::install().map_err(|error| AppError::Setup {
        what: "set up signal handling",
        error,
    })?;
    let (config, source) = config::load(&options.config)?;
    logging::apply(&config.logging);
    let plan = prepare(&config, &source, options.dry_run)?;
    log::info!("Starting node: {}", go_quoted(&plan.argv));
    if options.dry_run {
        let line = format!("{}\n", quote::shell_line(&plan.argv));
        return Ok(crate::output::print(&line));
    }
    let launch = Launch::new(&config, plan);
    if !options.watch_config {
        let outcome = supervisor.run(&launch.spec);
        return Ok(launch.conclude(outcome));
    }
    if let Some(signal) = supervisor.pending_termination() {
        return Ok(128 + signal);
    }
    reload::spawn_watcher(
        options.config.clone(),
        Some(source.text.into_bytes()),
        supervisor.sender(),
        Event::ConfigChanged,
    )
    .map_err(|error| AppError::Setup {
        what: "start watching the config file",
        error,
    })?;
    watch(&mut supervisor, options, config, launch)
}

/// The node's life under `--watch-config`: restarts it when the rendered
/// command changes, leaves it alone when a new config is broken or renders
/// the same command, and ends with the node like the plain path does.
fn watch(
    supervisor: &mut Supervisor,
    options: &RunOptions,
    mut config: Config,
    mut launch: Launch,
) -> Result<i32, AppError> {
    let mut node = match supervisor.spawn(&launch.spec) {
        Ok(node) => node,
        Err(e) => return Ok(launch.conclude(Err(e))),
    };
    loop {
        match supervisor.next_event() {
            Event::Signal(signal) => supervisor.forward(&node, signal),
            Event::NodeExited { status } => {
                let exit = supervisor.finish(node, status);
                return Ok(launch.conclude(Ok(exit)));
            }
            Event::ConfigChanged => {
                let loaded = config::load(&options.config)
                    .map_err(AppError::from)
                    .and_then(|(new, source)| Ok((prepare(&new, &source, false)?, new)));
                let (plan, new_config) = match loaded {
                    Ok(loaded) => loaded,
                    Err(e) => {
                        log::error!("{e}; the node keeps running with the previous config");
                        continue;
                    }
                };
                logging::apply(&new_config.logging);
                if plan.argv == launch.spec.argv && same_output_handling(&config, &new_config) {
                    log::info!(
                        "config changed, but the node command is unchanged; keeping the node"
                    );
                    launch.update_watchlog(&new_config, plan);
                    config = new_config;
                    continue;
                }
                log::info!(
                    "config changed; restarting the node: {}",
                    go_quoted(&plan.argv)
                );
                let stopped =
                    supervisor.stop(node, new_config.stop_signal, new_config.stop_timeout);
                log::info!("node ended: {stopped}");
                launch.retire();
                if let Some(signal) = supervisor.pending_termination() {
                    log::info!(
                        "not restarting: kubevali got {}",
                        supervisor::signal_name(signal)
                    );
                    return Ok(stopped.code);
                }
                config = new_config;
                launch = Launch::new(&config, plan);
                node = match supervisor.spawn(&launch.spec) {
                    Ok(node) => node,
                    Err(e) => return Ok(launch.conclude(Err(e))),
                };
            }
        }
    }
}

/// Whether a running node's output can stay as it is: the same streams and
/// the same keyword scanning (or none). The scanner is set up when the node
/// starts, so changing it takes a restart.
fn same_output_handling(old: &Config, new: &Config) -> bool {
    fn scanned(c: &Config) -> Option<&str> {
        c.watchlog.enabled.then_some(c.watchlog.keyword.as_str())
    }
    old.node_stdout == new.node_stdout
        && old.node_stderr == new.node_stderr
        && scanned(old) == scanned(new)
}

/// One start of the node: how to run it and who pings for it.
struct Launch {
    spec: NodeSpec,
    pinger: Option<Pinger>,
}

impl Launch {
    fn new(config: &Config, plan: Plan) -> Launch {
        let heartbeat = config
            .watchlog
            .enabled
            .then(|| Arc::new(Heartbeat::new(config.watchlog.keyword.as_bytes())));
        // plan.healthcheck_id is set exactly when watchlog is enabled.
        let pinger = heartbeat
            .as_ref()
            .zip(plan.healthcheck_id)
            .map(|(heartbeat, check_id)| {
                Pinger::start(&config.watchlog, check_id, Arc::clone(heartbeat))
            });
        let spec = NodeSpec {
            argv: plan.argv,
            stdout: config.node_stdout,
            stderr: config.node_stderr,
            heartbeat,
        };
        Launch { spec, pinger }
    }

    /// Takes watchlog settings from a reloaded config into the running
    /// node's pinger.
    fn update_watchlog(&self, config: &Config, plan: Plan) {
        if let (Some(pinger), Some(check_id)) = (&self.pinger, plan.healthcheck_id) {
            pinger.update(&config.watchlog, check_id);
        }
    }

    /// The node was stopped on purpose: no fail ping.
    fn retire(self) {
        if let Some(pinger) = self.pinger {
            pinger.stop();
        }
    }

    /// Reports how the node's life ended and gives kubevali's exit code.
    fn conclude(self, outcome: Result<NodeExit, SpawnError>) -> i32 {
        match outcome {
            Ok(exit) => {
                log::info!("node ended: {exit}");
                if let Some(pinger) = self.pinger {
                    // A stop kubevali passed on (SIGTERM to the pod) is
                    // planned; any other end of the node is an outage.
                    if exit.stopped_by_us {
                        pinger.stop();
                    } else {
                        pinger.node_exited(&exit_headline(&exit));
                    }
                }
                exit.code
            }
            Err(e) => {
                log::error!("{e}");
                if let Some(pinger) = self.pinger {
                    pinger.node_exited(&format!("node could not be started: {e}"));
                }
                e.exit_code()
            }
        }
    }
}

/// The first line of the final `/fail` ping's body.
fn exit_headline(exit: &NodeExit) -> String {
    match exit.signal {
        Some(signal) => format!("node was killed by {}", supervisor::signal_name(signal)),
        None => format!("node exited with status {}", exit.code),
    }
}

/// Renders the config and makes the cluster match it (the NodePort
/// Service), as at every (re)start of the node. A dry run only reads.
fn prepare(config: &Config, source: &Source, dry_run: bool) -> Result<Plan, AppError> {
    let env = |name: &str| std::env::var(name).ok();
    // One per render: the node list is fetched at most once, and only if a
    // template asks for it.
    let cluster = kube::Lazy::from_env();
    let plan = Renderer {
        config,
        source,
        env: &env,
        nodes: Some(&cluster),
    }
    .render()?;
    if let Some(node_port) = plan.node_port {
        let pod_name = cluster.pod_name().unwrap_or_default().to_owned();
        let force_update = config.node_service.force_update;
        kube::ensure_node_service(
            cluster.client()?,
            &pod_name,
            node_port,
            force_update,
            dry_run,
        )?;
    }
    Ok(plan)
}

/// The argv as the original logged it: each word quoted by Go's rules.
fn go_quoted(argv: &[String]) -> String {
    argv.iter()
        .map(|word| gofmt::quote(word))
        .collect::<Vec<_>>()
        .join(" ")
}
