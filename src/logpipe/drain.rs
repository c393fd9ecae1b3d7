//! After the node's end: waiting, within bounds, for its output to get
//! through.

use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::pump::Pump;
use crate::sys;

/// Why [`Pump::drain`] gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrainOutcome {
    /// Everything up to end of file went through.
    Complete,
    /// Everything the pipe held went through, but something (a process the
    /// node left behind) keeps it open.
    StillOpen,
    /// The destination took nothing for too long.
    Stalled,
}

impl Pump {
    /// Waits until the stream reaches end of file, within limits: everything
    /// that is in the pipe now is passed on as long as the destination keeps
    /// taking bytes (it gives up after `stall` without progress); after
    /// that it waits at most `linger` for end of file.
    pub fn drain(&self, linger: Duration, stall: Duration) -> DrainOutcome {
        drain_all(std::slice::from_ref(self), linger, stall)[0]
    }
}

/// [`Pump::drain`] for several pumps at once, so that their waits overlap.
pub fn drain_all(pumps: &[Pump], linger: Duration, stall: Duration) -> Vec<DrainOutcome> {
    let start = Instant::now();
    let mut watches: Vec<DrainWatch> = pumps.iter().map(|p| DrainWatch::new(p, start)).collect();
    let mut outcomes: Vec<Option<DrainOutcome>> = vec![None; pumps.len()];
    loop {
        let now = Instant::now();
        let mut next_deadline: Option<Instant> = None;
        let mut waiting_on = None;
        for (i, pump) in pumps.iter().enumerate() {
            if outcomes[i].is_some() {
                continue;
            }
            match watches[i].check(pump, now, linger, stall) {
                Ok(outcome) => outcomes[i] = Some(outcome),
                Err(deadline) => {
                    next_deadline = Some(next_deadline.map_or(deadline, |d| d.min(deadline)));
                    waiting_on.get_or_insert(pump);
                }
            }
        }
        let (Some(deadline), Some(pump)) = (next_deadline, waiting_on) else {
            return outcomes.into_iter().flatten().collect();
        };
        // Wake up now and then to see progress; a pump only signals when it
        // finishes.
        let wait = deadline
            .saturating_duration_since(now)
            .min(Duration::from_millis(20));
        let finished = pump
            .shared
            .finished
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if !*finished {
            drop(
                pump.shared
                    .finished_cv
                    .wait_timeout(finished, wait)
                    .unwrap_or_else(|e| e.into_inner()),
            );
        }
    }
}

/// Progress of one pump while draining.
struct DrainWatch {
    /// Bytes it must pass on before only lingering remains.
    target: u64,
    last_passed: u64,
    last_progress: Instant,
    reached_at: Option<Instant>,
}

impl DrainWatch {
    fn new(pump: &Pump, now: Instant) -> DrainWatch {
        let shared = &*pump.shared;
        // Unread bytes first, then what was read: a read in between is then
        // counted twice (waiting a little longer), never missed.
        let unread = sys::bytes_readable(shared.source.as_raw_fd());
        DrainWatch {
            target: unread + shared.read.load(Ordering::Acquire),
            last_passed: shared.passed.load(Ordering::Acquire),
            last_progress: now,
            reached_at: None,
        }
    }

    /// The outcome if decided, else when to look again at the latest.
    fn check(
        &mut self,
        pump: &Pump,
        now: Instant,
        linger: Duration,
        stall: Duration,
    ) -> Result<DrainOutcome, Instant> {
        if pump.is_finished() {
            return Ok(DrainOutcome::Complete);
        }
        let passed = pump.shared.passed.load(Ordering::Acquire);
        if passed != self.last_passed {
            self.last_passed = passed;
            self.last_progress = now;
        }
        if passed >= self.target {
            let reached = *self.reached_at.get_or_insert(now);
            if now >= reached + linger {
                return Ok(DrainOutcome::StillOpen);
            }
            Err(reached + linger)
        } else {
            if now >= self.last_progress + stall {
                return Ok(DrainOutcome::Stalled);
            }
            Err(self.last_progress + stall)
        }
    }
}
