//! Wires the modules together. Every failure becomes one log line and an
//! exit code here; nothing below decides how kubevali exits.

use std::ffi::OsString;
use std::fmt;
use std::sync::Arc;

use crate::argv::{ExecRoom, Plan, Renderer};
use crate::cli::{self, Command, RunOptions};
use crate::config::{self, Config, ConfigError, FieldPath, Source};
use crate::health::{self, Endpoint, NodeStats, ReloadResult};
use crate::heartbeat::Heartbeat;
use crate::install::{self, InstallError};
use crate::kube::{self, KubeError};
use crate::supervisor::{self, Event, Input, NodeExit, NodeSpec, SpawnError, Supervisor};
use crate::watchlog::Pinger;
use crate::{logging, quote, reload, signal, sys};

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
    // glibc gives every thread that allocates an arena of its own; kubevali's
    // few threads allocate little, so those arenas would only add resident
    // memory (about a quarter MiB measured by `make bench`). musl, which the
    // shipped static binary uses, has no arenas. Before any thread exists.
    sys::one_malloc_arena();
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
        Command::Help => Ok(crate::output::print(cli::USAGE.as_bytes())),
        Command::Version => Ok(crate::output::print(
            format!("kubevali {}\n", env!("CARGO_PKG_VERSION")).as_bytes(),
        )),
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
    if options.dry_run {
        return Ok(crate::review::dry_run(&config, &source, &options.review));
    }
    let stats = NodeStats::new();
    // Bound before the cluster is touched or the node started, so that a
    // port that cannot be had is a config error with nothing done yet.
    let endpoint = match &config.http {
        Some(http) => Some(
            Endpoint::start(http.listen, Arc::clone(&stats))
                .map_err(|e| source.invalid(&FieldPath::parse("http.listen"), e.to_string()))?,
        ),
        None => None,
    };
    let plan = prepare(&config, &source, options.review.index)?;
    log::info!("Starting node: {}", quote::go_quoted_line(&plan.argv));
    if let Some(signal) = supervisor.stop_requested() {
        log::info!(
            "not starting the node: kubevali got {}",
            signal::name(signal)
        );
        return Ok(signal::exit_code(signal));
    }
    if options.watch_config {
        reload::spawn_watcher(
            options.config.clone(),
            Some(source.text.into_bytes()),
            supervisor.sender(),
            Input::ConfigChanged,
        )
        .map_err(|error| AppError::Setup {
            what: "start watching the config file",
            error,
        })?;
    }
    let mut health = Health { stats, endpoint };
    Ok(supervise(
        &mut supervisor,
        options,
        config,
        plan,
        &mut health,
    ))
}

/// The node's whole life, with or without `--watch-config` (without it,
/// no config change ever arrives): starts it, restarts it when the
/// rendered command changes, leaves it alone when a new config is broken,
/// renders the same command or names a program that cannot be started,
/// and ends with the node.
fn supervise(
    supervisor: &mut Supervisor,
    options: &RunOptions,
    config: Config,
    plan: Plan,
    health: &mut Health,
) -> i32 {
    let mut config = config;
    let stats = Arc::clone(&health.stats);
    let mut launch = Launch::new(&config, plan, &stats);
    if let Err(e) = supervisor.start(&launch.spec) {
        return launch.spawn_failed(supervisor, e);
    }
    stats.node_started(launch.health_watch(&config));
    // A restart under way: the config and plan to start once the old node
    // has stopped.
    let mut next: Option<(Config, Plan)> = None;
    loop {
        match supervisor.next_event() {
            Event::ConfigChanged => {
                let Some((new_config, plan)) = reload_config(options) else {
                    stats.reloaded(ReloadResult::Failure);
                    continue;
                };
                logging::apply(&new_config.logging);
                health.apply_listen(&new_config);
                if next.is_some() {
                    // Already stopping for a restart: start the newest.
                    log::info!("config changed again; the restart will use the newest");
                    next = Some((new_config, plan));
                } else if launch.runs(&plan.argv) && same_output_handling(&config, &new_config) {
                    log::info!(
                        "config changed, but the node command is unchanged; keeping the node"
                    );
                    launch.update_watchlog(&new_config, plan);
                    if let Some(threshold) = new_config.watchlog.last_threshold {
                        stats.set_threshold(threshold);
                    }
                    config = new_config;
                } else {
                    log::info!(
                        "config changed; restarting the node: {}",
                        quote::go_quoted_line(&plan.argv)
                    );
                    supervisor.stop(new_config.stop_signal, new_config.stop_timeout);
                    next = Some((new_config, plan));
                }
            }
            Event::NodeEnded(exit) => {
                stats.node_exited(exit.code);
                let restart = next.take().filter(|_| exit.stopped_by_us);
                let Some((new_config, plan)) = restart else {
                    return launch.conclude(supervisor, exit);
                };
                log::info!("node ended: {exit}");
                launch.retire();
                if let Some(signal) = supervisor.stop_requested() {
                    log::info!("not restarting: kubevali got {}", signal::name(signal));
                    return exit.code;
                }
                config = new_config;
                launch = Launch::new(&config, plan, &stats);
                if let Err(e) = supervisor.start(&launch.spec) {
                    return launch.spawn_failed(supervisor, e);
                }
                stats.node_started(launch.health_watch(&config));
            }
            // Only while no node runs, which is never the case here.
            Event::StopRequested(_) | Event::Done => {}
        }
    }
}

/// Loads and renders the changed config, and checks that its program can
/// be started. None (after logging why) when the node should keep running
/// as it is.
fn reload_config(options: &RunOptions) -> Option<(Config, Plan)> {
    let loaded = config::load(&options.config)
        .map_err(AppError::from)
        .and_then(|(new, source)| Ok((prepare(&new, &source, options.review.index)?, new)));
    let (plan, new_config) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            log::error!("{e}; the node keeps running with the previous config");
            return None;
        }
    };
    // Stopping a healthy node for a command that cannot start would leave
    // nothing running; a typo in the program's name must not do that.
    if let Some(program) = plan.argv.first()
        && let Err(e) = supervisor::preflight(program)
    {
        log::error!(
            "{}: nodeTemplate.command[0]: {}; the node keeps running with the previous config",
            options.config.display(),
            e.reason()
        );
        return None;
    }
    Some((new_config, plan))
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

/// The probes-and-metrics side of the node's life: what the endpoint
/// reports, and the endpoint itself while `http.listen` is set.
struct Health {
    stats: Arc<NodeStats>,
    endpoint: Option<Endpoint>,
}

impl Health {
    /// Moves, starts or stops the endpoint for a reloaded config, which
    /// counts as taken unless its `http.listen` cannot be had.
    fn apply_listen(&mut self, config: &Config) {
        let listen = config.http.as_ref().map(|http| http.listen);
        match health::apply_listen(&mut self.endpoint, listen, &self.stats) {
            Ok(()) => self.stats.reloaded(ReloadResult::Success),
            Err(e) => {
                log::error!("http.listen: {e}; the endpoint stays as it was");
                self.stats.reloaded(ReloadResult::Failure);
            }
        }
    }
}

/// One start of the node: how to run it and who pings for it.
struct Launch {
    spec: NodeSpec,
    pinger: Option<Pinger>,
}

impl Launch {
    fn new(config: &Config, plan: Plan, stats: &NodeStats) -> Launch {
        let heartbeat = config.watchlog.enabled.then(|| {
            Arc::new(Heartbeat::with_counters(
                config.watchlog.keyword.as_bytes(),
                Arc::clone(stats.counters()),
            ))
        });
        // plan.check is set exactly when watchlog is enabled.
        let pinger = heartbeat
            .as_ref()
            .zip(plan.check)
            .map(|(heartbeat, check)| {
                Pinger::start_counting(
                    &config.watchlog,
                    check,
                    Arc::clone(heartbeat),
                    Arc::clone(stats.ping_stats()),
                )
            });
        let spec = NodeSpec {
            argv: plan.argv,
            stdout: config.node_stdout,
            stderr: config.node_stderr,
            heartbeat,
            output_bytes: stats.output_bytes().clone(),
        };
        Launch { spec, pinger }
    }

    /// Whether the node runs with exactly `argv`.
    fn runs(&self, argv: &[OsString]) -> bool {
        self.spec.argv == argv
    }

    /// What the health endpoint judges this start of the node by.
    fn health_watch(&self, config: &Config) -> Option<health::Watch> {
        let heartbeat = self.spec.heartbeat.clone()?;
        let threshold = config.watchlog.last_threshold?;
        Some(health::Watch {
            heartbeat,
            threshold,
        })
    }

    /// Takes watchlog settings from a reloaded config into the running
    /// node's pinger.
    fn update_watchlog(&self, config: &Config, plan: Plan) {
        if let (Some(pinger), Some(check)) = (&self.pinger, plan.check) {
            pinger.update(&config.watchlog, check);
        }
    }

    /// The node was stopped on purpose: no fail ping.
    fn retire(self) {
        if let Some(pinger) = self.pinger {
            pinger.stop();
        }
    }

    /// Reports how the node's life ended and gives kubevali's exit code.
    fn conclude(self, supervisor: &mut Supervisor, exit: NodeExit) -> i32 {
        log::info!("node ended: {exit}");
        if let Some(pinger) = self.pinger {
            // A stop kubevali passed on (SIGTERM to the pod) is planned;
            // any other end of the node is an outage.
            if exit.stopped_by_us {
                pinger.stop();
            } else {
                let status = exit.signal.is_none().then_some(exit.code);
                final_ping(supervisor, pinger, exit_headline(&exit), status);
            }
        }
        exit.code
    }

    fn spawn_failed(self, supervisor: &mut Supervisor, e: SpawnError) -> i32 {
        log::error!("{e}");
        if let Some(pinger) = self.pinger {
            final_ping(
                supervisor,
                pinger,
                format!("node could not be started: {e}"),
                None,
            );
        }
        e.exit_code()
    }
}

/// Sends the final `/fail` ping on a thread of its own and waits for it,
/// but not past a stop request: a SIGTERM ends kubevali at once.
fn final_ping(
    supervisor: &mut Supervisor,
    pinger: Pinger,
    headline: String,
    exit_status: Option<i32>,
) {
    let done = supervisor.sender();
    let sender = std::thread::Builder::new()
        .name("final-ping".to_owned())
        .spawn(move || {
            pinger.node_exited(&headline, exit_status);
            let _ = done.send(Input::Done);
        });
    if let Err(e) = sender {
        log::error!("watchlog: cannot start the final ping: {e}");
        return;
    }
    if let Some(signal) = supervisor.stop_requested() {
        log::info!(
            "not waiting for the final ping: kubevali got {}",
            signal::name(signal)
        );
        return;
    }
    loop {
        match supervisor.next_event() {
            Event::Done => return,
            Event::StopRequested(signal) => {
                log::info!(
                    "not waiting for the final ping: kubevali got {}",
                    signal::name(signal)
                );
                return;
            }
            Event::ConfigChanged | Event::NodeEnded(_) => {}
        }
    }
}

/// The first line of the final `/fail` ping's body.
fn exit_headline(exit: &NodeExit) -> String {
    match exit.signal {
        Some(signal) => format!("node was killed by {}", signal::name(signal)),
        None => format!("node exited with status {}", exit.code),
    }
}

/// Renders the config and makes the cluster match it (the NodePort
/// Service), as at every (re)start of the node. `index` is `--index`.
/// (The dry run is `review::dry_run`.)
fn prepare(config: &Config, source: &Source, index: Option<i64>) -> Result<Plan, AppError> {
    let env = |name: &str| std::env::var_os(name);
    // One per render: the node list is fetched at most once, and only if a
    // template asks for it.
    let cluster = kube::Lazy::from_env();
    let plan = Renderer {
        config,
        source,
        env: &env,
        nodes: Some(&cluster),
    }
    .render(index, Some(ExecRoom::of_this_process()))?;
    if let Some(node_port) = plan.node_port {
        let pod_name = cluster.pod_name().unwrap_or_default().to_owned();
        let force_update = config.node_service.force_update;
        kube::ensure_node_service(cluster.client()?, &pod_name, node_port, force_update, false)?;
    }
    Ok(plan)
}
