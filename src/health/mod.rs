//! The HTTP endpoint for the kubelet's probes and Prometheus' scrapes:
//! `/healthz`, `/readyz` and `/metrics`, off unless `http.listen` is set.
//!
//! What the endpoint reports is read from [`NodeStats`]: written by `app` as
//! the node starts, exits and the config reloads, and by the parts that
//! hold its counters (the heartbeat's [`Counters`], the pumps'
//! [`OutputBytes`], the pinger's [`PingStats`]). Every reader and
//! writer only touches atomics, or a lock held for a pointer copy, so the
//! endpoint can never hold up the node's output.

pub mod listen;
pub mod metrics;
mod server;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::duration;
use crate::heartbeat::{Counters, Heartbeat};
use crate::supervisor::OutputBytes;
use crate::watchlog::PingStats;

pub use listen::Listen;
pub use server::{Endpoint, EndpointError, MAX_CONNECTIONS};

/// What the node's current start is watched for: its heartbeat and how old
/// the last match may be.
#[derive(Clone)]
pub struct Watch {
    pub heartbeat: Arc<Heartbeat>,
    pub threshold: Duration,
}

/// The node's life as `app` reports it, plus the counters the heartbeats
/// of all its starts add to. One per kubevali process.
pub struct NodeStats {
    up: AtomicBool,
    starts: AtomicU64,
    /// `i64::MIN` until the node has exited once.
    last_exit_code: AtomicI64,
    reloads: [AtomicU64; 2],
    watch: Mutex<Option<Watch>>,
    counters: Arc<Counters>,
    output: OutputBytes,
    /// The node's output has passed through kubevali (a keyword was
    /// watched) at least once, so its byte counts mean something.
    output_counted: AtomicBool,
    pings: Arc<PingStats>,
}

/// How a config reload under `--watch-config` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadResult {
    /// The new config was taken (whether or not the node restarted).
    Success = 0,
    /// The new config was refused; the node runs on with the previous one.
    Failure = 1,
}

impl ReloadResult {
    pub const ALL: [ReloadResult; 2] = [ReloadResult::Success, ReloadResult::Failure];

    pub fn label(self) -> &'static str {
        match self {
            ReloadResult::Success => "success",
            ReloadResult::Failure => "failure",
        }
    }
}

impl Default for NodeStats {
    fn default() -> NodeStats {
        NodeStats {
            up: AtomicBool::new(false),
            starts: AtomicU64::new(0),
            last_exit_code: AtomicI64::new(i64::MIN),
            reloads: Default::default(),
            watch: Mutex::new(None),
            counters: Arc::default(),
            output: OutputBytes::default(),
            output_counted: AtomicBool::new(false),
            pings: Arc::default(),
        }
    }
}

impl NodeStats {
    pub fn new() -> Arc<NodeStats> {
        Arc::new(NodeStats::default())
    }

    /// The counters every heartbeat of this process should add to
    /// ([`Heartbeat::with_counters`]).
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// The byte counts every start of the node adds to.
    pub fn output_bytes(&self) -> &OutputBytes {
        &self.output
    }

    /// The ping counts every pinger of this process adds to.
    pub fn ping_stats(&self) -> &Arc<PingStats> {
        &self.pings
    }

    /// The node has been started; `watch` is set when its logs are watched
    /// (and so pass through kubevali, where their bytes are counted).
    pub fn node_started(&self, watch: Option<Watch>) {
        if watch.is_some() {
            self.output_counted.store(true, Ordering::Relaxed);
        }
        *self.lock_watch() = watch;
        self.starts.fetch_add(1, Ordering::Relaxed);
        self.up.store(true, Ordering::Relaxed);
    }

    /// The node has ended; `code` is what kubevali would exit with for it
    /// (128+N after signal N).
    pub fn node_exited(&self, code: i32) {
        self.up.store(false, Ordering::Relaxed);
        self.last_exit_code.store(code.into(), Ordering::Relaxed);
    }

    /// A reload kept the node but may have changed `lastThreshold`.
    pub fn set_threshold(&self, threshold: Duration) {
        if let Some(watch) = self.lock_watch().as_mut() {
            watch.threshold = threshold;
        }
    }

    pub fn reloaded(&self, result: ReloadResult) {
        self.reloads[result as usize].fetch_add(1, Ordering::Relaxed);
    }

    fn lock_watch(&self) -> std::sync::MutexGuard<'_, Option<Watch>> {
        self.watch.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Everything the endpoint reports, read once per request.
    pub fn snapshot(&self) -> Snapshot {
        let watch = self.lock_watch().clone();
        let counters = &self.counters;
        Snapshot {
            node_up: self.up.load(Ordering::Relaxed),
            node_starts: self.starts.load(Ordering::Relaxed),
            last_exit_code: match self.last_exit_code.load(Ordering::Relaxed) {
                i64::MIN => None,
                code => Some(code),
            },
            reloads: ReloadResult::ALL.map(|r| self.reloads[r as usize].load(Ordering::Relaxed)),
            watch: watch.map(|watch| WatchSnapshot {
                keyword: String::from_utf8_lossy(watch.heartbeat.keyword()).into_owned(),
                threshold: watch.threshold,
                since_match: watch.heartbeat.last_seen().map(|seen| seen.elapsed()),
            }),
            matches: counters.matches(),
            last_match: counters.last_match(),
            output_bytes: [&self.output.stdout, &self.output.stderr].map(|bytes| {
                self.output_counted
                    .load(Ordering::Relaxed)
                    .then(|| bytes.load(Ordering::Relaxed))
            }),
            pings: [
                self.pings.successes(),
                self.pings.fails(),
                self.pings.errors(),
            ],
            last_success_ping: self
                .pings
                .last_success()
                .and_then(|at| at.duration_since(std::time::UNIX_EPOCH).ok()),
        }
    }
}

/// Brings the endpoint in line with `http.listen` after a config reload:
/// starts, moves or stops it. On error the endpoint stays as it was.
pub fn apply_listen(
    endpoint: &mut Option<Endpoint>,
    wanted: Option<Listen>,
    stats: &Arc<NodeStats>,
) -> Result<(), EndpointError> {
    match (endpoint.as_mut(), wanted) {
        (Some(running), Some(listen)) => running.rebind(listen),
        (None, Some(listen)) => {
            *endpoint = Some(Endpoint::start(listen, Arc::clone(stats))?);
            Ok(())
        }
        (Some(_), None) => {
            if let Some(running) = endpoint.take() {
                log::info!("http: http.listen removed; the endpoint stops");
                running.stop();
            }
            Ok(())
        }
        (None, None) => Ok(()),
    }
}

/// The heartbeat as probes see it.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchSnapshot {
    pub keyword: String,
    pub threshold: Duration,
    /// Time since the last match of this start of the node; `None` before
    /// the first.
    pub since_match: Option<Duration>,
}

/// One consistent-enough reading of [`NodeStats`]; probes and metrics are
/// pure functions of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub node_up: bool,
    pub node_starts: u64,
    pub last_exit_code: Option<i64>,
    /// By [`ReloadResult`].
    pub reloads: [u64; 2],
    pub watch: Option<WatchSnapshot>,
    pub matches: u64,
    /// Wall-clock time since the Unix epoch.
    pub last_match: Option<Duration>,
    /// By [`metrics::STREAMS`]; `None` when the output does not pass through.
    pub output_bytes: [Option<u64>; 2],
    /// By [`metrics::PING_RESULTS`].
    pub pings: [u64; 3],
    pub last_success_ping: Option<Duration>,
}

/// A probe's answer: pass or not, and a one-line reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub ok: bool,
    pub reason: String,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

/// `/healthz`: the node runs and its heartbeat, once seen, is not stale. A
/// node that has not logged the keyword yet is syncing, not dead.
pub fn liveness(s: &Snapshot) -> Verdict {
    if !s.node_up {
        return fail("the node is not running");
    }
    match &s.watch {
        None => pass("the node is running"),
        Some(w) => match w.since_match {
            None => pass(&format!(
                "the node is running; keyword {:?} not seen yet",
                w.keyword
            )),
            Some(age) => Verdict {
                ok: age < w.threshold,
                reason: seen_line(w, age),
            },
        },
    }
}

/// `/readyz`: the node runs and (when watched) has logged the keyword
/// within the threshold.
pub fn readiness(s: &Snapshot) -> Verdict {
    if !s.node_up {
        return fail("the node is not running");
    }
    match &s.watch {
        None => pass("the node is running"),
        Some(w) => match w.since_match {
            None => fail(&format!("keyword {:?} not seen yet", w.keyword)),
            Some(age) => Verdict {
                ok: age < w.threshold,
                reason: seen_line(w, age),
            },
        },
    }
}

fn seen_line(w: &WatchSnapshot, age: Duration) -> String {
    format!(
        "keyword {:?} last seen {} ago (threshold {})",
        w.keyword,
        duration::display(Duration::from_secs(age.as_secs())),
        duration::display(w.threshold)
    )
}

fn pass(reason: &str) -> Verdict {
    Verdict {
        ok: true,
        reason: reason.to_owned(),
    }
}

fn fail(reason: &str) -> Verdict {
    Verdict {
        ok: false,
        reason: reason.to_owned(),
    }
}

impl fmt::Debug for Watch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch")
            .field(
                "keyword",
                &String::from_utf8_lossy(self.heartbeat.keyword()),
            )
            .field("threshold", &self.threshold)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(watch: Option<WatchSnapshot>) -> Snapshot {
        let stats = NodeStats::default();
        stats.node_started(None);
        Snapshot {
            watch,
            ..stats.snapshot()
        }
    }

    fn watched(since_match: Option<u64>) -> Option<WatchSnapshot> {
        Some(WatchSnapshot {
            keyword: "Prepared block".to_owned(),
            threshold: Duration::from_secs(3600),
            since_match: since_match.map(Duration::from_millis),
        })
    }

    fn both(s: &Snapshot) -> ((bool, String), (bool, String)) {
        let (live, ready) = (liveness(s), readiness(s));
        ((live.ok, live.reason), (ready.ok, ready.reason))
    }

    #[test]
    fn a_node_that_is_not_running_fails_both() {
        let stats = NodeStats::default();
        let s = stats.snapshot();
        assert!(!liveness(&s).ok && !readiness(&s).ok);
        stats.node_started(None);
        stats.node_exited(3);
        let s = stats.snapshot();
        assert_eq!(liveness(&s).reason, "the node is not running");
        assert!(!readiness(&s).ok);
        assert_eq!(s.last_exit_code, Some(3));
        assert_eq!(s.node_starts, 1);
    }

    #[test]
    fn unwatched_running_node_passes_both() {
        let s = running(None);
        assert_eq!(
            both(&s),
            (
                (true, "the node is running".to_owned()),
                (true, "the node is running".to_owned())
            )
        );
    }

    #[test]
    fn before_the_first_match_alive_but_not_ready() {
        let s = running(watched(None));
        let ((live, live_why), (ready, ready_why)) = both(&s);
        assert!(live && !ready);
        assert_eq!(
            live_why,
            "the node is running; keyword \"Prepared block\" not seen yet"
        );
        assert_eq!(ready_why, "keyword \"Prepared block\" not seen yet");
    }

    #[test]
    fn fresh_heartbeat_passes_stale_fails_both() {
        let fresh = running(watched(Some(12_400)));
        let line = "keyword \"Prepared block\" last seen 12s ago (threshold 1h)";
        assert_eq!(
            both(&fresh),
            ((true, line.to_owned()), (true, line.to_owned()))
        );
        let stale = running(watched(Some(3_600_000)));
        let ((live, why), (ready, _)) = both(&stale);
        assert!(!live && !ready);
        assert_eq!(
            why,
            "keyword \"Prepared block\" last seen 1h ago (threshold 1h)"
        );
    }

    #[test]
    fn a_threshold_change_applies_to_the_running_watch() {
        let stats = NodeStats::default();
        let heartbeat = Arc::new(Heartbeat::with_counters("kw", Arc::clone(stats.counters())));
        heartbeat.record_match(b"kw");
        stats.node_started(Some(Watch {
            heartbeat,
            threshold: Duration::from_secs(3600),
        }));
        assert!(readiness(&stats.snapshot()).ok);
        stats.set_threshold(Duration::ZERO);
        assert!(!readiness(&stats.snapshot()).ok);
        assert_eq!(stats.snapshot().matches, 1);
    }

    #[test]
    fn reloads_count_by_result() {
        let stats = NodeStats::default();
        stats.reloaded(ReloadResult::Failure);
        stats.reloaded(ReloadResult::Success);
        stats.reloaded(ReloadResult::Failure);
        assert_eq!(stats.snapshot().reloads, [1, 2]);
    }
}
