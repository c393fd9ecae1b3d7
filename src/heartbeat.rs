//! The node's heartbeat: when the watched keyword was last seen in its logs.
//!
//! The log pumps write it (one atomic store per match, so the hot path never
//! waits on a lock held by someone else for long); the watchlog ticker and
//! the health endpoint read it.
//!
//! Beside it live the [`Counters`] that metrics report. A heartbeat belongs
//! to one start of the node, while the counters span kubevali's whole life
//! (a Prometheus counter must never go back), so every heartbeat holds an
//! `Arc` of the one set of counters.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How much of a matching line is kept for the ping body. Healthchecks keeps
/// 10,000 bytes of a ping body at most by default, so more is never useful.
pub const MAX_KEPT_LINE: usize = 4096;

pub struct Heartbeat {
    keyword: Vec<u8>,
    epoch: Instant,
    /// Nanoseconds after `epoch` of the latest match, plus one; 0 = never.
    last_seen: AtomicU64,
    last_line: Mutex<Vec<u8>>,
    first_match: Condvar,
    counters: Arc<Counters>,
}

impl Heartbeat {
    /// A heartbeat with counters of its own.
    pub fn new(keyword: impl Into<Vec<u8>>) -> Heartbeat {
        Heartbeat::with_counters(keyword, Arc::default())
    }

    /// A heartbeat for one start of the node that adds to `counters`. The
    /// node's output passes through kubevali exactly when there is a
    /// heartbeat, so from now on output bytes are counted.
    pub fn with_counters(keyword: impl Into<Vec<u8>>, counters: Arc<Counters>) -> Heartbeat {
        counters.output_counted.store(true, Ordering::Relaxed);
        Heartbeat {
            keyword: keyword.into(),
            epoch: Instant::now(),
            last_seen: AtomicU64::new(0),
            last_line: Mutex::new(Vec::new()),
            first_match: Condvar::new(),
            counters,
        }
    }

    /// The counters this heartbeat adds to (pings are counted here too, so
    /// that whoever holds the heartbeat can count them).
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    pub fn keyword(&self) -> &[u8] {
        &self.keyword
    }

    /// Records a match found in `line` (cut to [`MAX_KEPT_LINE`] bytes).
    pub fn record_match(&self, line: &[u8]) {
        log::debug!(
            "keyword seen: {}",
            String::from_utf8_lossy(&line[..line.len().min(200)])
        );
        let nanos = self.epoch.elapsed().as_nanos() as u64 + 1;
        let kept = &line[..line.len().min(MAX_KEPT_LINE)];
        let mut last = self.last_line.lock().unwrap_or_else(|e| e.into_inner());
        last.clear();
        last.extend_from_slice(kept);
        let first = self.last_seen.swap(nanos, Ordering::AcqRel) == 0;
        drop(last);
        self.counters.matches.fetch_add(1, Ordering::Relaxed);
        self.counters
            .last_match_unix_ms
            .store(unix_millis(SystemTime::now()), Ordering::Relaxed);
        if first {
            self.first_match.notify_all();
        }
    }

    /// When the keyword was last seen, or `None` if never.
    pub fn last_seen(&self) -> Option<Instant> {
        match self.last_seen.load(Ordering::Acquire) {
            0 => None,
            n => Some(self.epoch + Duration::from_nanos(n - 1)),
        }
    }

    /// A copy of the latest matching line (at most [`MAX_KEPT_LINE`] bytes).
    pub fn last_line(&self) -> Vec<u8> {
        self.last_line
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Blocks until the first match or until `timeout` passes; true if the
    /// keyword has been seen.
    pub fn wait_first_match(&self, timeout: Duration) -> bool {
        let guard = self.last_line.lock().unwrap_or_else(|e| e.into_inner());
        let (_guard, _) = self
            .first_match
            .wait_timeout_while(guard, timeout, |_| self.last_seen().is_none())
            .unwrap_or_else(|e| e.into_inner());
        self.last_seen().is_some()
    }
}

/// One of the node's output streams, as metrics label them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputStream {
    Stdout = 0,
    Stderr = 1,
}

impl OutputStream {
    pub const ALL: [OutputStream; 2] = [OutputStream::Stdout, OutputStream::Stderr];

    pub fn label(self) -> &'static str {
        match self {
            OutputStream::Stdout => "stdout",
            OutputStream::Stderr => "stderr",
        }
    }

    /// The stream a pump named "stdout" or "stderr" reads.
    pub fn from_name(name: &str) -> Option<OutputStream> {
        OutputStream::ALL.into_iter().find(|s| s.label() == name)
    }
}

/// How one ping ended, as metrics label it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PingResult {
    /// A success ping (the node is healthy) was delivered.
    Success = 0,
    /// A fail ping (stale heartbeat, or the node's exit) was delivered.
    Fail = 1,
    /// The ping was not delivered (refused, timed out, unreachable).
    Error = 2,
}

impl PingResult {
    pub const ALL: [PingResult; 3] = [PingResult::Success, PingResult::Fail, PingResult::Error];

    pub fn label(self) -> &'static str {
        match self {
            PingResult::Success => "success",
            PingResult::Fail => "fail",
            PingResult::Error => "error",
        }
    }
}

/// Totals over kubevali's whole life, for `/metrics`. Writers only ever do
/// relaxed atomic adds and stores, so counting costs the log path nothing
/// it would notice; a reader may see one counter a moment ahead of another,
/// which metrics tolerate.
#[derive(Debug, Default)]
pub struct Counters {
    matches: AtomicU64,
    /// Wall-clock milliseconds since the Unix epoch; 0 = never.
    last_match_unix_ms: AtomicU64,
    output_counted: AtomicBool,
    output_bytes: [AtomicU64; 2],
    pings: [AtomicU64; 3],
    /// Wall-clock milliseconds since the Unix epoch; 0 = never.
    last_success_ping_unix_ms: AtomicU64,
}

impl Counters {
    /// Lines that contained the keyword.
    pub fn matches(&self) -> u64 {
        self.matches.load(Ordering::Relaxed)
    }

    /// When the keyword was last seen, by the wall clock (for a timestamp
    /// metric; probes use the heartbeat's monotonic clock).
    pub fn last_match(&self) -> Option<Duration> {
        since_epoch(self.last_match_unix_ms.load(Ordering::Relaxed))
    }

    /// Adds bytes of the node's output that kubevali passed on.
    pub fn add_output(&self, stream: OutputStream, bytes: u64) {
        self.output_bytes[stream as usize].fetch_add(bytes, Ordering::Relaxed);
    }

    /// Output bytes passed on; `None` while the output has never passed
    /// through kubevali (without a keyword the node writes to kubevali's
    /// descriptors itself, and nothing can count its bytes).
    pub fn output_bytes(&self, stream: OutputStream) -> Option<u64> {
        self.output_counted
            .load(Ordering::Relaxed)
            .then(|| self.output_bytes[stream as usize].load(Ordering::Relaxed))
    }

    /// Counts one ping (all its retries together are one ping).
    pub fn record_ping(&self, result: PingResult) {
        self.pings[result as usize].fetch_add(1, Ordering::Relaxed);
        if result == PingResult::Success {
            self.last_success_ping_unix_ms
                .store(unix_millis(SystemTime::now()), Ordering::Relaxed);
        }
    }

    pub fn pings(&self, result: PingResult) -> u64 {
        self.pings[result as usize].load(Ordering::Relaxed)
    }

    /// When a success ping was last delivered, by the wall clock.
    pub fn last_success_ping(&self) -> Option<Duration> {
        since_epoch(self.last_success_ping_unix_ms.load(Ordering::Relaxed))
    }
}

/// Milliseconds since the Unix epoch, at least 1 (0 means "never"); a clock
/// set before 1970 reads as 1 ms.
fn unix_millis(time: SystemTime) -> u64 {
    let millis = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    millis.max(1)
}

fn since_epoch(millis: u64) -> Option<Duration> {
    (millis != 0).then(|| Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_count_into_shared_counters_across_heartbeats() {
        let counters = Arc::new(Counters::default());
        assert_eq!(counters.last_match(), None);
        let first = Heartbeat::with_counters("kw", Arc::clone(&counters));
        first.record_match(b"a kw line");
        first.record_match(b"kw again");
        let second = Heartbeat::with_counters("kw", Arc::clone(&counters));
        second.record_match(b"kw");
        assert_eq!(counters.matches(), 3);
        let seen = counters.last_match().expect("a match was recorded");
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        assert!(seen <= now && now - seen < Duration::from_secs(60));
    }

    #[test]
    fn output_is_counted_only_once_it_passes_through() {
        let counters = Arc::new(Counters::default());
        assert_eq!(counters.output_bytes(OutputStream::Stdout), None);
        let _heartbeat = Heartbeat::with_counters("kw", Arc::clone(&counters));
        counters.add_output(OutputStream::Stderr, 5);
        counters.add_output(OutputStream::Stderr, 7);
        assert_eq!(counters.output_bytes(OutputStream::Stdout), Some(0));
        assert_eq!(counters.output_bytes(OutputStream::Stderr), Some(12));
        assert_eq!(
            OutputStream::from_name("stderr"),
            Some(OutputStream::Stderr)
        );
        assert_eq!(OutputStream::from_name("stdin"), None);
    }

    #[test]
    fn pings_count_by_result_and_only_success_sets_the_timestamp() {
        let counters = Counters::default();
        counters.record_ping(PingResult::Fail);
        counters.record_ping(PingResult::Error);
        counters.record_ping(PingResult::Error);
        assert_eq!(counters.last_success_ping(), None);
        counters.record_ping(PingResult::Success);
        assert!(counters.last_success_ping().is_some());
        let counts: Vec<u64> = PingResult::ALL.iter().map(|&r| counters.pings(r)).collect();
        assert_eq!(counts, [1, 1, 2]);
    }

    #[test]
    fn clocks_before_1970_never_read_as_never() {
        let before = UNIX_EPOCH - Duration::from_secs(5);
        assert_eq!(unix_millis(before), 1);
    }
}
