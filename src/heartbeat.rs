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

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How much of a matching line is kept for the ping body. Healthchecks keeps
/// 10,000 bytes of a ping body at most by default, so more is never useful.
pub const MAX_KEPT_LINE: usize = 10_000;

/// What is kept of a matching line: all of it, or of a longer one a window
/// of [`MAX_KEPT_LINE`] bytes around the keyword.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeptLine {
    pub bytes: Vec<u8>,
    /// The line's start was left out.
    pub cut_before: bool,
    /// The line's end was (or, for a line the scanner cut, may have been)
    /// left out.
    pub cut_after: bool,
}

pub struct Heartbeat {
    keyword: Vec<u8>,
    epoch: Instant,
    /// Nanoseconds after `epoch` of the latest match, plus one; 0 = never.
    last_seen: AtomicU64,
    last_line: Mutex<KeptLine>,
    first_match: Condvar,
    counters: Arc<Counters>,
}

impl Heartbeat {
    /// A heartbeat with counters of its own.
    pub fn new(keyword: impl Into<Vec<u8>>) -> Heartbeat {
        Heartbeat::with_counters(keyword, Arc::default())
    }

    /// A heartbeat for one start of the node that adds to `counters`.
    pub fn with_counters(keyword: impl Into<Vec<u8>>, counters: Arc<Counters>) -> Heartbeat {
        Heartbeat {
            keyword: keyword.into(),
            epoch: Instant::now(),
            last_seen: AtomicU64::new(0),
            last_line: Mutex::new(KeptLine::default()),
            first_match: Condvar::new(),
            counters,
        }
    }

    pub fn keyword(&self) -> &[u8] {
        &self.keyword
    }

    /// Records a match found in `line` (cut to [`MAX_KEPT_LINE`] bytes
    /// around the keyword).
    pub fn record_match(&self, line: &[u8]) {
        // The scanner hands over at most MAX_KEPT_LINE bytes of a line it
        // saw in pieces, so a line of exactly that length may go on.
        self.record_match_part(line, true, line.len() != MAX_KEPT_LINE);
    }

    /// Records a match found in `part` of a line, which holds the line's
    /// start and end as said.
    pub fn record_match_part(&self, line: &[u8], starts_line: bool, ends_line: bool) {
        log::debug!(
            "keyword seen: {}",
            String::from_utf8_lossy(&line[..line.len().min(200)])
        );
        let nanos = self.epoch.elapsed().as_nanos() as u64 + 1;
        let (start, end) = keyword_window(line, &self.keyword, MAX_KEPT_LINE);
        let mut last = self.last_line.lock().unwrap_or_else(|e| e.into_inner());
        last.bytes.clear();
        last.bytes.extend_from_slice(&line[start..end]);
        last.cut_before = start > 0 || !starts_line;
        last.cut_after = end < line.len() || !ends_line;
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
        self.last_excerpt().bytes
    }

    /// The latest matching line as kept, with where it was cut.
    pub fn last_excerpt(&self) -> KeptLine {
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

/// The byte range of `line` to keep: all of it when it fits in `max`,
/// otherwise `max` bytes with the first `keyword` as near their middle as
/// the line allows (the start, when the keyword is not in it).
pub fn keyword_window(line: &[u8], keyword: &[u8], max: usize) -> (usize, usize) {
    if line.len() <= max {
        return (0, line.len());
    }
    let Some(at) = memchr::memmem::find(line, keyword) else {
        return (0, max);
    };
    let around = max.saturating_sub(keyword.len()) / 2;
    let start = at.saturating_sub(around).min(line.len() - max);
    (start, start + max)
}

/// Keyword matches over kubevali's whole life, for `/metrics`. Writers only
/// do relaxed atomic adds and stores, so counting costs the log path
/// nothing it would notice.
#[derive(Debug, Default)]
pub struct Counters {
    matches: AtomicU64,
    /// Wall-clock milliseconds since the Unix epoch; 0 = never.
    last_match_unix_ms: AtomicU64,
}

impl Counters {
    /// Lines that contained the keyword.
    pub fn matches(&self) -> u64 {
        self.matches.load(Ordering::Relaxed)
    }

    /// When the keyword was last seen, by the wall clock (for a timestamp
    /// metric; probes use the heartbeat's monotonic clock).
    pub fn last_match(&self) -> Option<Duration> {
        let millis = self.last_match_unix_ms.load(Ordering::Relaxed);
        (millis != 0).then(|| Duration::from_millis(millis))
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
    fn windows_keep_the_keyword_near_their_middle() {
        assert_eq!(keyword_window(b"short k line", b"k", 100), (0, 12));
        let line = [vec![b'a'; 100], b"KEY".to_vec(), vec![b'b'; 100]].concat();
        assert_eq!(keyword_window(&line, b"KEY", 21), (91, 112));
        assert_eq!(&line[91..112], b"aaaaaaaaaKEYbbbbbbbbb");
        // Near either end the window stays inside the line.
        let early = [b"KEY".to_vec(), vec![b'b'; 100]].concat();
        assert_eq!(keyword_window(&early, b"KEY", 21), (0, 21));
        let late = [vec![b'a'; 100], b"KEY".to_vec()].concat();
        assert_eq!(keyword_window(&late, b"KEY", 21), (82, 103));
        // A keyword longer than the window: its start.
        assert_eq!(keyword_window(&line, b"aKEYb", 3), (99, 102));
        assert_eq!(keyword_window(&line, b"absent", 10), (0, 10));
    }

    #[test]
    fn a_long_line_is_kept_around_its_keyword_and_marked_cut() {
        let heartbeat = Heartbeat::new("Prepared block");
        let mut line = vec![b'x'; 50_000];
        line.extend_from_slice(b" Prepared block #5 ");
        line.extend_from_slice(&[b'y'; 50_000]);
        heartbeat.record_match(&line);
        let kept = heartbeat.last_excerpt();
        assert_eq!(kept.bytes.len(), MAX_KEPT_LINE);
        assert!(memchr::memmem::find(&kept.bytes, b"Prepared block #5").is_some());
        assert!(kept.cut_before && kept.cut_after);

        heartbeat.record_match(b"whole Prepared block line");
        let kept = heartbeat.last_excerpt();
        assert_eq!(kept.bytes, b"whole Prepared block line");
        assert!(!kept.cut_before && !kept.cut_after);

        let mut tail_match = vec![b'x'; 20_000];
        tail_match.extend_from_slice(b"Prepared block");
        heartbeat.record_match(&tail_match);
        let kept = heartbeat.last_excerpt();
        assert!(kept.bytes.ends_with(b"Prepared block"));
        assert!(kept.cut_before && !kept.cut_after);

        heartbeat.record_match_part(b"Prepared block, and more to come", true, false);
        let kept = heartbeat.last_excerpt();
        assert!(!kept.cut_before && kept.cut_after);
        heartbeat.record_match_part(b"the end of a Prepared block line", false, true);
        let kept = heartbeat.last_excerpt();
        assert!(kept.cut_before && !kept.cut_after);
    }
}
