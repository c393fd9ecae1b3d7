//! Watchlog: turns the node's heartbeat (the last time its logs showed the
//! keyword) into pings to Healthchecks, so the operator is alerted when a
//! validator stops producing blocks or exits.
//!
//! All HTTP happens on the pinger's own ticker thread (and, for the final
//! `/fail`, on the thread that reports the node's exit). The log pumps only
//! touch the [`Heartbeat`], so a slow or dead endpoint cannot slow the
//! node's output.

pub mod body;
pub mod ping;
pub mod stats;

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use crate::config;
use crate::duration::display;
use crate::heartbeat::Heartbeat;

use self::ping::{Client, Problem, Reply, Verdict};
pub use self::stats::PingStats;
use crate::ping_url;
pub use crate::ping_url::{Check, PingKind};

/// How often the ticker, still waiting for the first match, checks whether
/// it has been stopped.
const FIRST_MATCH_POLL: Duration = Duration::from_millis(200);

/// The final `/fail` ping's own deadline, whatever `pingTimeout` is: the
/// node has ended and kubevali should follow it soon.
pub const FINAL_PING_DEADLINE: Duration = Duration::from_secs(5);

/// How long the final ping waits for a ping already in flight (so that a
/// late "healthy" cannot land after it) before it goes out anyway.
const FINAL_PING_WAIT_FOR_TICKER: Duration = Duration::from_secs(2);

/// Settings are capped here so that adding them to an `Instant` can never
/// overflow; nobody waits ten years for a ping.
const LONGEST: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// Pings a Healthchecks check from the heartbeat, on a thread of its own.
pub struct Pinger {
    shared: Arc<Shared>,
    heartbeat: Arc<Heartbeat>,
    stats: Arc<PingStats>,
}

/// Where and how to ping; replaced as a whole by [`Pinger::update`].
#[derive(Clone)]
struct Target {
    check: Check,
    base_url: String,
    threshold: Duration,
    interval: Duration,
    timeout: Duration,
    client: Client,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled on stop, on update and when an attempt ends.
    changed: Condvar,
}

struct State {
    target: Target,
    stopped: bool,
    /// The ticker has a request in flight; the final ping waits for it so
    /// that a late "healthy" cannot land after the "node exited" one.
    busy: bool,
}

impl Target {
    fn new(settings: &config::Watchlog, check: Check) -> Target {
        Target {
            check,
            base_url: settings.ping_base_url.clone(),
            // Config validation guarantees a threshold when watchlog is on;
            // should it ever be missing, a stale heartbeat must still show.
            threshold: settings
                .last_threshold
                .unwrap_or(settings.ping_interval)
                .min(LONGEST),
            interval: settings.ping_interval.min(LONGEST),
            timeout: settings.ping_timeout.min(LONGEST),
            client: Client::new(settings.ping_timeout.min(LONGEST)),
        }
    }

    fn shown_id(&self) -> String {
        self.check.shown()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_stopped(&self) -> bool {
        self.lock().stopped
    }

    fn stop(&self) {
        self.lock().stopped = true;
        self.changed.notify_all();
    }

    /// Sleeps until the tick after `previous` (at once if there is none) and
    /// returns when it was due; `None` once stopped.
    fn wait_for_tick(&self, previous: Option<(Instant, Instant)>) -> Option<(Target, Instant)> {
        let mut state = self.lock();
        loop {
            if state.stopped {
                return None;
            }
            let now = Instant::now();
            // Recomputed on every wake so that an updated interval applies at once.
            let due = previous.map_or(now, |(scheduled, finished)| {
                following_tick(scheduled, finished, state.target.interval)
            });
            if due <= now {
                return Some((state.target.clone(), due));
            }
            state = self
                .changed
                .wait_timeout(state, due - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Sleeps `pause` unless stopped first; false if stopped.
    fn pause(&self, pause: Duration) -> bool {
        let deadline = Instant::now() + pause;
        let mut state = self.lock();
        loop {
            let now = Instant::now();
            if state.stopped {
                return false;
            }
            if now >= deadline {
                return true;
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Marks an attempt as in flight, unless stopped.
    fn begin_attempt(&self) -> bool {
        let mut state = self.lock();
        if state.stopped {
            return false;
        }
        state.busy = true;
        true
    }

    fn end_attempt(&self) {
        self.lock().busy = false;
        self.changed.notify_all();
    }
}

/// The first time after `finished` on the grid `scheduled + k·interval`
/// (k ≥ 1): a ping that ran late skips the ticks it missed instead of
/// sending them in a burst.
fn following_tick(scheduled: Instant, finished: Instant, interval: Duration) -> Instant {
    let next = scheduled + interval;
    if next > finished || interval.is_zero() {
        return next;
    }
    let behind = finished - next;
    let skipped = behind.as_nanos() / interval.as_nanos() + 1;
    u32::try_from(skipped)
        .ok()
        .and_then(|k| interval.checked_mul(k))
        .and_then(|offset| next.checked_add(offset))
        .unwrap_or(finished + interval)
}

/// How one ping (with its retries) ended.
enum Delivery {
    Delivered,
    Failed {
        problem: Problem,
        reply: Option<Reply>,
        attempts: usize,
    },
    /// Stopped before it was done.
    Abandoned,
}

impl Pinger {
    /// Starts the ticker thread: it waits for the first keyword match, pings
    /// at once, then every `pingInterval`. Outcomes are counted in fresh
    /// [`PingStats`] (see [`Pinger::stats`]).
    pub fn start(settings: &config::Watchlog, check: Check, heartbeat: Arc<Heartbeat>) -> Pinger {
        Pinger::start_counting(settings, check, heartbeat, Arc::default())
    }

    /// Like [`Pinger::start`], counting into `stats`, which can outlive this
    /// pinger so that counters keep going across restarts of the node.
    pub fn start_counting(
        settings: &config::Watchlog,
        check: Check,
        heartbeat: Arc<Heartbeat>,
        stats: Arc<PingStats>,
    ) -> Pinger {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                target: Target::new(settings, check),
                stopped: false,
                busy: false,
            }),
            changed: Condvar::new(),
        });
        let ticker = {
            let shared = Arc::clone(&shared);
            let heartbeat = Arc::clone(&heartbeat);
            let stats = Arc::clone(&stats);
            // Detached: it ends by itself once stopped, and must never make
            // whoever stops it wait for a hanging request.
            thread::Builder::new()
                .name("watchlog".to_owned())
                .spawn(move || tick(&shared, &heartbeat, &stats))
        };
        if let Err(e) = ticker {
            log::error!(
                "watchlog: cannot start the pinger thread: {e}; no health pings will be sent"
            );
        }
        Pinger {
            shared,
            heartbeat,
            stats,
        }
    }

    /// The counts of ping outcomes, for metrics.
    pub fn stats(&self) -> Arc<PingStats> {
        Arc::clone(&self.stats)
    }

    /// Applies settings changed by a config reload that kept the node
    /// running. The keyword is the heartbeat's and cannot change here.
    pub fn update(&self, settings: &config::Watchlog, check: Check) {
        self.shared.lock().target = Target::new(settings, check);
        self.shared.changed.notify_all();
    }

    /// The node exited on its own: stops the ticker and sends one last
    /// ping whose body starts with `exit` (such as "node exited with status
    /// 3"). It goes to `/<status>` when `exit_status` is 1-255, so that
    /// Healthchecks records it, and to `/fail` otherwise (status 0, killed
    /// by a signal, never started: `None`). Blocks for at most
    /// [`FINAL_PING_DEADLINE`] (or `pingTimeout`, if shorter).
    pub fn node_exited(&self, exit: &str, exit_status: Option<i32>) {
        let kind = PingKind::for_exit(exit_status);
        let deadline;
        let target = {
            let mut state = self.shared.lock();
            let start = Instant::now();
            deadline = start + state.target.timeout.min(FINAL_PING_DEADLINE);
            let ticker_grace = start + FINAL_PING_WAIT_FOR_TICKER;
            state.stopped = true;
            self.shared.changed.notify_all();
            while state.busy {
                let now = Instant::now();
                if now >= deadline.min(ticker_grace) {
                    break;
                }
                state = self
                    .shared
                    .changed
                    .wait_timeout(state, deadline.min(ticker_grace) - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            state.target.clone()
        };
        let shown = target.shown_id();
        let what = kind.describe();
        let body = body::compose(
            exit,
            &self.heartbeat.last_excerpt(),
            self.heartbeat.keyword(),
        );
        let url = ping_url::ping_url(&target.base_url, &target.check, kind);
        let mut attempt = 0;
        loop {
            let now = Instant::now();
            if now >= deadline {
                log::warn!(
                    "watchlog: check {shown}: no time left within {} for the final {what} ping",
                    display(target.timeout.min(FINAL_PING_DEADLINE))
                );
                self.stats.record_error();
                return;
            }
            attempt += 1;
            match post(&target, &url, &body, deadline - now) {
                (Verdict::Delivered, _) => {
                    log::info!(
                        "watchlog: check {shown}: reported the node's exit with a {what} ping"
                    );
                    self.stats.record_delivered(kind);
                    return;
                }
                (Verdict::Retry(problem), _)
                    if attempt < ping::ATTEMPTS
                        && Instant::now() + ping::BACKOFF[attempt - 1] < deadline =>
                {
                    log::debug!("watchlog: final ping attempt {attempt} failed: {problem}");
                    thread::sleep(ping::BACKOFF[attempt - 1]);
                }
                (Verdict::Retry(problem) | Verdict::GiveUp(problem), reply) => {
                    log::warn!(
                        "watchlog: check {shown}: the final {what} ping failed: {problem}; {}",
                        ping::hint(&problem, reply.as_ref(), &target.check, target.timeout)
                    );
                    self.stats.record_error();
                    return;
                }
            }
        }
    }

    /// A planned stop: no `/fail` ping. Returns at once; a request already
    /// in flight finishes (within `pingTimeout`) in the background and
    /// nothing is sent after it.
    pub fn stop(self) {
        self.shared.stop();
    }
}

impl Drop for Pinger {
    fn drop(&mut self) {
        self.shared.stop();
    }
}

/// The ticker thread.
fn tick(shared: &Shared, heartbeat: &Heartbeat, stats: &PingStats) {
    let keyword = String::from_utf8_lossy(heartbeat.keyword()).into_owned();
    while !heartbeat.wait_first_match(FIRST_MATCH_POLL) {
        if shared.is_stopped() {
            return;
        }
    }
    {
        let state = shared.lock();
        let target = &state.target;
        log::info!(
            "watchlog: first {keyword:?} line seen; pinging check {} every {} (unhealthy after {} without one)",
            target.shown_id(),
            display(target.interval),
            display(target.threshold)
        );
    }
    let mut healthy = true;
    let mut problem: Option<Problem> = None;
    let mut previous = None;
    while let Some((target, scheduled)) = shared.wait_for_tick(previous) {
        let Some(last_seen) = heartbeat.last_seen() else {
            return; // unreachable: the first match was seen
        };
        let age = last_seen.elapsed();
        let now_healthy = age < target.threshold;
        if now_healthy != healthy {
            healthy = now_healthy;
            if healthy {
                log::info!(
                    "watchlog: healthy again: {keyword:?} seen {} ago",
                    display(whole_secs(age))
                );
            } else {
                log::info!(
                    "watchlog: unhealthy: no {keyword:?} for {} (threshold {}); pinging /fail",
                    display(whole_secs(age)),
                    display(target.threshold)
                );
            }
        }
        let headline = body::status_line(heartbeat.keyword(), age, target.threshold);
        let body = body::compose(&headline, &heartbeat.last_excerpt(), heartbeat.keyword());
        let kind = if healthy {
            PingKind::Success
        } else {
            PingKind::Fail
        };
        let delivery = deliver(shared, &target, kind, &body);
        match delivery {
            Delivery::Delivered => stats.record_delivered(kind),
            Delivery::Failed { .. } => stats.record_error(),
            Delivery::Abandoned => {}
        }
        report(&target, delivery, &mut problem);
        previous = Some((scheduled, Instant::now()));
    }
}

fn whole_secs(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs())
}

/// Sends one ping, retrying what may recover.
fn deliver(shared: &Shared, target: &Target, kind: PingKind, body: &str) -> Delivery {
    let url = ping_url::ping_url(&target.base_url, &target.check, kind);
    for attempt in 1..=ping::ATTEMPTS {
        if !shared.begin_attempt() {
            return Delivery::Abandoned;
        }
        let (verdict, reply) = post(target, &url, body, target.timeout);
        shared.end_attempt();
        match verdict {
            Verdict::Delivered => return Delivery::Delivered,
            Verdict::Retry(_) if attempt < ping::ATTEMPTS => {
                if !shared.pause(ping::BACKOFF[attempt - 1]) {
                    return Delivery::Abandoned;
                }
            }
            Verdict::Retry(problem) | Verdict::GiveUp(problem) => {
                return Delivery::Failed {
                    problem,
                    reply,
                    attempts: attempt,
                };
            }
        }
    }
    Delivery::Abandoned // unreachable: the last attempt always returns
}

/// One attempt, judged.
fn post(target: &Target, url: &str, body: &str, timeout: Duration) -> (Verdict, Option<Reply>) {
    // Even at debug the ID or ping key is masked: debug logs get shared.
    let shown_url = target.check.redact(url);
    match target.client.post(url, body, timeout) {
        Ok(reply) => {
            log::debug!(
                "watchlog: POST {shown_url}: HTTP {} {:?}",
                reply.status,
                target.check.redact(&reply.text)
            );
            if reply.status == 201 {
                log::info!(
                    "watchlog: Healthchecks created check {} on its first ping",
                    target.shown_id()
                );
            }
            (ping::classify_status(reply.status), Some(reply))
        }
        Err(e) => {
            log::debug!(
                "watchlog: POST {shown_url}: {}",
                target.check.redact(&e.to_string())
            );
            (ping::classify_error(&e), None)
        }
    }
}

/// Logs a failed ping once per change of problem, and the recovery.
fn report(target: &Target, delivery: Delivery, problem: &mut Option<Problem>) {
    let shown = target.shown_id();
    match delivery {
        Delivery::Abandoned => {}
        Delivery::Delivered => {
            if problem.take().is_some() {
                log::info!("watchlog: check {shown}: pings get through again");
            }
        }
        Delivery::Failed {
            problem: new,
            reply,
            attempts,
        } => {
            if !problem.as_ref().is_some_and(|old| old.same_as(&new)) {
                let tries = if attempts > 1 {
                    format!(" after {attempts} attempts")
                } else {
                    String::new()
                };
                // A proxy's error page may quote the URL, and so the ID.
                let said = match reply.as_ref().map(|r| r.text.as_str()) {
                    Some(text) if !text.is_empty() => {
                        format!(" ({:?})", target.check.redact(text))
                    }
                    _ => String::new(),
                };
                log::warn!(
                    "watchlog: check {shown}: ping failed{tries}: {new}{said}; {}",
                    ping::hint(&new, reply.as_ref(), &target.check, target.timeout)
                );
                *problem = Some(new);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_keep_their_grid_and_skip_missed_ones() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        // On time: the next tick one interval later.
        assert_eq!(following_tick(t0, t0 + s(2), s(60)), t0 + s(60));
        // A ping that took 150 s skips the ticks at 60 s and 120 s.
        assert_eq!(following_tick(t0, t0 + s(150), s(60)), t0 + s(180));
        // Exactly on a tick: that tick has passed, take the next.
        assert_eq!(following_tick(t0, t0 + s(60), s(60)), t0 + s(120));
    }
}
