//! Counts of what became of the pings, for metrics. Written by the pinger
//! (one atomic add per ping), read by whoever scrapes them, never locked.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::ping_url::PingKind;

/// Ping outcomes since the stats were made. A ping is counted once, after
/// its retries: as a success or a fail when the server took it, as an
/// error when it did not get through. Pings abandoned because kubevali
/// stopped are not counted.
#[derive(Debug, Default)]
pub struct PingStats {
    successes: AtomicU64,
    fails: AtomicU64,
    errors: AtomicU64,
    /// Milliseconds since the Unix epoch of the last delivered success
    /// ping; 0 = none yet.
    last_success_ms: AtomicU64,
}

impl PingStats {
    /// Delivered success pings ("the node is healthy").
    pub fn successes(&self) -> u64 {
        self.successes.load(Ordering::Relaxed)
    }

    /// Delivered failure pings: `/fail` and `/<exit status>`.
    pub fn fails(&self) -> u64 {
        self.fails.load(Ordering::Relaxed)
    }

    /// Pings that did not get through (after their retries).
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Wall-clock time of the last delivered success ping.
    pub fn last_success(&self) -> Option<SystemTime> {
        match self.last_success_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(UNIX_EPOCH + Duration::from_millis(ms)),
        }
    }

    pub(crate) fn record_delivered(&self, kind: PingKind) {
        if kind.is_failure() {
            self.fails.fetch_add(1, Ordering::Relaxed);
        } else {
            self.successes.fetch_add(1, Ordering::Relaxed);
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            // A clock before 1970 would read as "never"; keep it visible.
            self.last_success_ms.store(now.max(1), Ordering::Relaxed);
        }
    }

    pub(crate) fn record_error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_counted_by_kind() {
        let stats = PingStats::default();
        assert_eq!(stats.last_success(), None);
        stats.record_delivered(PingKind::Fail);
        stats.record_delivered(PingKind::ExitStatus(3));
        stats.record_error();
        assert_eq!(
            (stats.successes(), stats.fails(), stats.errors()),
            (0, 2, 1)
        );
        assert_eq!(stats.last_success(), None);
        let before = SystemTime::now() - Duration::from_millis(1);
        stats.record_delivered(PingKind::Success);
        assert_eq!(stats.successes(), 1);
        let at = stats.last_success().expect("a success time");
        assert!(at >= before && at <= SystemTime::now(), "{at:?}");
    }
}
