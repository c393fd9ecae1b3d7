//! The node's heartbeat: when the watched keyword was last seen in its logs.
//!
//! The log pumps write it (one atomic store per match, so the hot path never
//! waits on a lock held by someone else for long); the watchlog ticker reads it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

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
}

impl Heartbeat {
    pub fn new(keyword: impl Into<Vec<u8>>) -> Heartbeat {
        Heartbeat {
            keyword: keyword.into(),
            epoch: Instant::now(),
            last_seen: AtomicU64::new(0),
            last_line: Mutex::new(Vec::new()),
            first_match: Condvar::new(),
        }
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
