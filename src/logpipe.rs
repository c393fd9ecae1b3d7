//! Passing the node's output through kubevali, and finding the keyword in it.
//!
//! When nothing needs to see the output (no keyword configured), the node
//! simply inherits kubevali's descriptors and none of this runs. Otherwise
//! each stream gets its own pipe and its own [`Pump`] thread, which takes
//! chunks of up to [`CHUNK`] bytes and passes each on to the destination
//! straight away: no line buffering, no UTF-8 decoding, no per-line work,
//! so any bytes pass unchanged and at once, and a line of any length costs
//! no more memory than a short one. Into a pipe (a container runtime's
//! stdout) the bytes are spliced through and only a copy is read for the
//! scan; anything else gets `read(2)` and `write(2)`.
//!
//! The keyword [`Scanner`] only looks at the chunks after they are read; it
//! keeps at most [`MAX_KEPT_LINE`] bytes of the current line and the last
//! `keyword.len() - 1` bytes (to find a keyword split across two reads).
//!
//! A destination that fails (EPIPE when the reader of kubevali's stdout went
//! away, or any other error) is marked broken and the pump keeps reading and
//! discarding, so the node never blocks on a full pipe.
//!
//! Both streams going to one destination: each pump writes under the
//! destination's lock, so one `write` is never interleaved with the other
//! stream's bytes. A chunk that ends inside a line is only split there when
//! nothing more is waiting in the pipe; when the pipe is busy (the only time
//! chunks end at arbitrary points) the unfinished line is held back and
//! completed by the next read, which is already there. That costs one
//! `poll` (or FIONREAD) per full chunk and nothing otherwise. Lines longer
//! than a quarter of a chunk are split regardless. The node's two streams
//! keep their own order, but not their order relative to each other.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use memchr::memmem::Finder;

use crate::heartbeat::{Counters, Heartbeat, MAX_KEPT_LINE, OutputStream};

pub use crate::config::Stream;

/// Bytes per `read(2)`. 64 KiB used the least CPU in `make bench` (see
/// docs/performance.md), against 16 KiB and 256 KiB.
pub const CHUNK: usize = 64 * 1024;

/// Size asked for the node's pipes (`F_SETPIPE_SZ`). A roomy pipe lets the
/// node keep writing while a pump is busy, and lets the pumps read full
/// chunks. 1 MiB is the default `/proc/sys/fs/pipe-max-size`, so an
/// unprivileged kubevali gets it too.
pub const PIPE_SIZE: i32 = 1024 * 1024;

/// A carried unfinished line may take at most this much of the buffer, so
/// the next read still gets most of it.
const MAX_CARRY: usize = CHUNK / 4;

/// Where a stream's bytes end up: kubevali's stdout or stderr (or, in tests,
/// any descriptor).
pub struct Sink {
    fd: RawFd,
    /// Keeps a descriptor that was handed over alive as long as the sink.
    _owned: Option<OwnedFd>,
    /// Held while writing, so two pumps sharing a sink never interleave
    /// within one write. The flag says the destination failed and is skipped.
    state: Mutex<SinkState>,
    name: String,
    /// The destination is a pipe, so the pumps can splice into it.
    is_pipe: bool,
}

struct SinkState {
    broken: bool,
}

impl Sink {
    /// kubevali's own stdout or stderr. If it is a pipe (as a container
    /// runtime's is), it is enlarged like the node's pipes: fewer wake-ups
    /// between kubevali and the reader, measurably less CPU (see
    /// docs/performance.md). Failing that changes nothing.
    pub fn stdio(stream: Stream) -> Sink {
        let (fd, name) = match stream {
            Stream::Stdout => (libc::STDOUT_FILENO, "stdout"),
            Stream::Stderr => (libc::STDERR_FILENO, "stderr"),
        };
        // Only grows: F_SETPIPE_SZ would also shrink a pipe someone made
        // larger. Not a pipe (file, terminal): F_GETPIPE_SZ fails.
        // SAFETY: fcntl on a descriptor number; no memory involved.
        unsafe {
            let current = libc::fcntl(fd, libc::F_GETPIPE_SZ);
            if current > 0 && current < PIPE_SIZE {
                libc::fcntl(fd, libc::F_SETPIPE_SZ, PIPE_SIZE);
            }
        }
        Sink {
            fd,
            _owned: None,
            state: Mutex::new(SinkState { broken: false }),
            name: name.to_owned(),
            is_pipe: is_pipe(fd),
        }
    }

    /// Any descriptor, owned by the sink from now on.
    pub fn from_fd(fd: OwnedFd, name: impl Into<String>) -> Sink {
        Sink {
            fd: fd.as_raw_fd(),
            is_pipe: is_pipe(fd.as_raw_fd()),
            _owned: Some(fd),
            state: Mutex::new(SinkState { broken: false }),
            name: name.into(),
        }
    }

    /// Writes all of `bytes`, or drops them once the destination has failed.
    fn write_all(&self, bytes: &[u8]) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.broken || bytes.is_empty() {
            return;
        }
        if let Err(err) = write_fd(self.fd, bytes) {
            state.broken = true;
            log::warn!(
                "cannot write the node's output to {}: {err}; discarding it from now on",
                self.name
            );
        }
    }
}

impl Sink {
    /// Moves `len` bytes from the pipe `src` into this (pipe) destination,
    /// or, once the destination has failed, reads and drops them (using
    /// `scratch`, at least `len` long).
    fn splice_from(&self, src: RawFd, len: usize, scratch: &mut [u8]) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut left = len;
        while left > 0 && !state.broken {
            let moved = retry_io(self.fd, libc::POLLOUT, || {
                // SAFETY: plain descriptors; no offsets.
                unsafe {
                    libc::splice(
                        src,
                        std::ptr::null_mut(),
                        self.fd,
                        std::ptr::null_mut(),
                        left,
                        libc::SPLICE_F_MOVE,
                    )
                }
            });
            match moved {
                Ok(n) if n > 0 => left -= n,
                outcome => {
                    let err = outcome
                        .err()
                        .unwrap_or_else(|| io::ErrorKind::UnexpectedEof.into());
                    state.broken = true;
                    log::warn!(
                        "cannot write the node's output to {}: {err}; discarding it from now on",
                        self.name
                    );
                }
            }
        }
        if left > 0 {
            let _ = read_exact_fd(src, &mut scratch[..left]);
        }
    }
}

fn is_pipe(fd: RawFd) -> bool {
    // SAFETY: fcntl on a descriptor number; fails for anything not a pipe.
    unsafe { libc::fcntl(fd, libc::F_GETPIPE_SZ) > 0 }
}

/// `write(2)` until everything is written. Waits (poll) if the descriptor
/// is non-blocking and full, since a shared stdout may have O_NONBLOCK set
/// by someone else.
fn write_fd(fd: RawFd, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length come from a live slice.
        let n = retry_io(fd, libc::POLLOUT, || unsafe {
            libc::write(fd, bytes.as_ptr().cast(), bytes.len())
        })?;
        bytes = &bytes[n..];
    }
    Ok(())
}

/// Runs a read/write-like system call until it gives an answer: again on
/// EINTR, and after waiting for `events` on `wait_on` on EAGAIN (our
/// descriptors are blocking, but a shared stdout may have had O_NONBLOCK set
/// by someone else).
fn retry_io(
    wait_on: RawFd,
    events: libc::c_short,
    mut call: impl FnMut() -> isize,
) -> io::Result<usize> {
    loop {
        let n = call();
        if n >= 0 {
            return Ok(n as usize);
        }
        let err = io::Error::last_os_error();
        match err.kind() {
            io::ErrorKind::Interrupted => {}
            io::ErrorKind::WouldBlock => {
                wait_fd(wait_on, events, -1);
            }
            _ => return Err(err),
        }
    }
}

/// Waits until `fd` is ready for `events` or `timeout_ms` passes (-1: no
/// limit); true if ready.
fn wait_fd(fd: RawFd, events: libc::c_short, timeout_ms: libc::c_int) -> bool {
    let mut pfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    loop {
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
        if n >= 0 {
            return n > 0;
        }
        if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return false;
        }
    }
}

/// `read(2)`, retried on EINTR. Ok(0) is end of file.
fn read_fd(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: the pointer and length come from a live mutable slice.
    retry_io(fd, libc::POLLIN, || unsafe {
        libc::read(fd, buf.as_mut_ptr().cast(), buf.len())
    })
}

/// A close-on-exec pipe as (read end, write end), enlarged to [`PIPE_SIZE`]
/// where the system allows it.
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    use std::os::fd::FromRawFd;
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2 fills two descriptors on success.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors are fresh and owned by nobody else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // A smaller pipe still works, only slower; no reason to fail.
    // SAFETY: plain fcntl on a descriptor we own.
    unsafe { libc::fcntl(read.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_SIZE) };
    Ok((read, write))
}

/// Finds the keyword (plain bytes) in lines of one stream, fed chunk by
/// chunk. A keyword with a newline in it never matches; an empty one
/// matches every line (config validation rejects it anyway).
///
/// Bounded memory: it keeps the first [`MAX_KEPT_LINE`] bytes of the current
/// line (for the heartbeat's copy of a matching line) and the current line's
/// last `keyword.len() - 1` bytes (to find a keyword split between chunks).
pub struct Scanner {
    /// None when the keyword contains a newline: it can never be in a line.
    finder: Option<Finder<'static>>,
    keyword_len: usize,
    /// The first bytes of the current (unfinished) line.
    line_head: Vec<u8>,
    /// The last `keyword_len - 1` bytes of the current line.
    tail: Vec<u8>,
    /// The current line already matched.
    line_matched: bool,
    /// The current line matched and was recorded before it was complete, so
    /// it is recorded again, fuller, once it ends.
    line_recorded_partly: bool,
    /// Scratch space for the seam between two chunks.
    seam: Vec<u8>,
}

impl Scanner {
    pub fn new(keyword: &[u8]) -> Scanner {
        let finder = (!keyword.contains(&b'\n')).then(|| Finder::new(keyword).into_owned());
        let keep = keyword.len().saturating_sub(1);
        Scanner {
            finder,
            keyword_len: keyword.len(),
            line_head: Vec::with_capacity(MAX_KEPT_LINE),
            tail: Vec::with_capacity(keep),
            line_matched: false,
            line_recorded_partly: false,
            seam: Vec::with_capacity(2 * keep),
        }
    }

    /// Bytes held between chunks; never more than about
    /// `MAX_KEPT_LINE + 3 * keyword.len()`, whatever the input.
    pub fn retained_capacity(&self) -> usize {
        self.line_head.capacity() + self.tail.capacity() + self.seam.capacity()
    }

    /// Looks for the keyword in the next bytes of the stream and tells
    /// `heartbeat` about each matching line (once per line).
    pub fn feed(&mut self, chunk: &[u8], heartbeat: &Heartbeat) {
        let Some(finder) = self.finder.take() else {
            return;
        };
        self.feed_with(&finder, chunk, heartbeat);
        self.finder = Some(finder);
    }

    fn feed_with(&mut self, finder: &Finder<'_>, chunk: &[u8], heartbeat: &Heartbeat) {
        let first_newline = memchr::memchr(b'\n', chunk);
        let ends = first_newline.is_some();
        // The bytes that continue the line left open by the last chunk.
        let continued = &chunk[..first_newline.unwrap_or(chunk.len())];

        if !self.line_matched {
            if finder.find(continued).is_some() || self.seam_matches(finder, continued) {
                self.line_matched = true;
                self.record_open_line(continued, ends, heartbeat);
            }
        } else if self.line_recorded_partly
            && (ends || self.line_head.len() + continued.len() >= MAX_KEPT_LINE)
        {
            self.record_open_line(continued, ends, heartbeat);
        }

        let Some(first_newline) = first_newline else {
            let room = MAX_KEPT_LINE.saturating_sub(self.line_head.len());
            self.line_head
                .extend_from_slice(&continued[..continued.len().min(room)]);
            push_tail(
                &mut self.tail,
                continued,
                self.keyword_len.saturating_sub(1),
            );
            return;
        };

        // Lines that begin in this chunk; `pos` is always at a line start.
        self.line_matched = false;
        self.line_recorded_partly = false;
        let mut pos = first_newline + 1;
        while pos < chunk.len() {
            let Some(found) = finder.find(&chunk[pos..]) else {
                break;
            };
            let at = pos + found;
            let start = memchr::memrchr(b'\n', &chunk[pos..at]).map_or(pos, |i| pos + i + 1);
            match memchr::memchr(b'\n', &chunk[at..]) {
                Some(len) => {
                    heartbeat.record_match(&chunk[start..at + len]);
                    pos = at + len + 1;
                }
                None => {
                    // The line stays open past this chunk.
                    heartbeat.record_match(&chunk[start..]);
                    self.line_matched = true;
                    self.line_recorded_partly = chunk.len() - start < MAX_KEPT_LINE;
                    pos = chunk.len();
                }
            }
        }

        let last_newline = memchr::memrchr(b'\n', chunk).unwrap_or(first_newline);
        let open = &chunk[last_newline + 1..];
        self.line_head.clear();
        self.line_head
            .extend_from_slice(&open[..open.len().min(MAX_KEPT_LINE)]);
        self.tail.clear();
        push_tail(&mut self.tail, open, self.keyword_len.saturating_sub(1));
    }

    /// At end of file: a matching last line without a newline is recorded
    /// in full.
    pub fn finish(&mut self, heartbeat: &Heartbeat) {
        if self.line_recorded_partly {
            heartbeat.record_match(&self.line_head);
            self.line_recorded_partly = false;
        }
    }

    /// Whether the keyword starts in the open line's last bytes and ends in
    /// `continued`.
    fn seam_matches(&mut self, finder: &Finder<'_>, continued: &[u8]) -> bool {
        if self.tail.is_empty() || continued.is_empty() {
            return false;
        }
        let take = continued.len().min(self.keyword_len - 1);
        self.seam.clear();
        self.seam.extend_from_slice(&self.tail);
        self.seam.extend_from_slice(&continued[..take]);
        finder.find(&self.seam).is_some()
    }

    /// Records the open line: what is kept of it so far plus `continued`
    /// (which completes it when `ends`).
    fn record_open_line(&mut self, continued: &[u8], ends: bool, heartbeat: &Heartbeat) {
        let kept = self.line_head.len();
        let add = continued.len().min(MAX_KEPT_LINE.saturating_sub(kept));
        self.line_head.extend_from_slice(&continued[..add]);
        heartbeat.record_match(&self.line_head);
        // The caller extends line_head itself when the line goes on.
        self.line_head.truncate(kept);
        self.line_recorded_partly = !ends && kept + add < MAX_KEPT_LINE;
    }
}

/// Appends `bytes` to `tail`, keeping only the last `keep` bytes.
fn push_tail(tail: &mut Vec<u8>, bytes: &[u8], keep: usize) {
    if keep == 0 {
        return;
    }
    if bytes.len() >= keep {
        tail.clear();
        tail.extend_from_slice(&bytes[bytes.len() - keep..]);
    } else {
        let total = tail.len() + bytes.len();
        if total > keep {
            tail.drain(..total - keep);
        }
        tail.extend_from_slice(bytes);
    }
}

/// State a pump shares with whoever waits for it.
struct PumpShared {
    source: OwnedFd,
    /// Bytes read from the pipe so far.
    read: AtomicU64,
    /// Bytes written on (or discarded, for a broken sink) so far.
    passed: AtomicU64,
    /// Metrics' output byte counter for this stream (issue 14).
    output_metric: Option<(Arc<Counters>, OutputStream)>,
    finished: Mutex<bool>,
    finished_cv: Condvar,
}

impl PumpShared {
    fn passed_on(&self, bytes: usize) {
        self.passed.fetch_add(bytes as u64, Ordering::Release);
        if let Some((counters, stream)) = &self.output_metric {
            counters.add_output(*stream, bytes as u64);
        }
    }
}

/// One stream's pass-through thread. Dropping the handle detaches it; it
/// ends by itself at end of file.
pub struct Pump {
    shared: Arc<PumpShared>,
}

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
    /// Starts copying `source` to `sink` on a new thread, feeding `scanner`
    /// (with `heartbeat`) when given.
    pub fn start(
        name: &str,
        source: OwnedFd,
        sink: Arc<Sink>,
        shared_sink: bool,
        scan: Option<(Scanner, Arc<Heartbeat>)>,
    ) -> io::Result<Pump> {
        let shared = Arc::new(PumpShared {
            source,
            read: AtomicU64::new(0),
            passed: AtomicU64::new(0),
            output_metric: scan
                .as_ref()
                .zip(OutputStream::from_name(name))
                .map(|((_, heartbeat), stream)| (Arc::clone(heartbeat.counters()), stream)),
            finished: Mutex::new(false),
            finished_cv: Condvar::new(),
        });
        let thread_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name(format!("pump-{name}"))
            // The buffer is on the heap; this only needs room for logging.
            .stack_size(128 * 1024)
            .spawn(move || {
                pump(&thread_shared, &sink, shared_sink, scan);
                let mut finished = thread_shared
                    .finished
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                *finished = true;
                thread_shared.finished_cv.notify_all();
            })?;
        Ok(Pump { shared })
    }

    /// Waits until the stream reaches end of file, within limits: everything
    /// that is in the pipe now is passed on as long as the destination keeps
    /// taking bytes (it gives up after `stall` without progress); after
    /// that it waits at most `linger` for end of file.
    pub fn drain(&self, linger: Duration, stall: Duration) -> DrainOutcome {
        drain_all(std::slice::from_ref(self), linger, stall)[0]
    }

    pub fn bytes_passed(&self) -> u64 {
        self.shared.passed.load(Ordering::Acquire)
    }

    fn is_finished(&self) -> bool {
        *self
            .shared
            .finished
            .lock()
            .unwrap_or_else(|e| e.into_inner())
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
        let unread = bytes_in_pipe(shared.source.as_raw_fd());
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

/// Bytes waiting in a pipe (FIONREAD); 0 if unknown.
fn bytes_in_pipe(fd: RawFd) -> u64 {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int.
    if unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) } == 0 {
        n.max(0) as u64
    } else {
        0
    }
}

fn pump(
    shared: &PumpShared,
    sink: &Sink,
    shared_sink: bool,
    mut scan: Option<(Scanner, Arc<Heartbeat>)>,
) {
    let mut buf = vec![0u8; CHUNK];
    let spliced = sink.is_pipe && splice_pump(shared, sink, shared_sink, &mut scan, &mut buf);
    if !spliced {
        copy_pump(shared, sink, shared_sink, &mut scan, &mut buf);
    }
    if let Some((scanner, heartbeat)) = &mut scan {
        scanner.finish(heartbeat);
    }
}

/// The general loop: read a chunk, scan it, write it.
fn copy_pump(
    shared: &PumpShared,
    sink: &Sink,
    shared_sink: bool,
    scan: &mut Option<(Scanner, Arc<Heartbeat>)>,
    buf: &mut [u8],
) {
    let fd = shared.source.as_raw_fd();
    // buf[..held] is an unfinished line carried over from the last read.
    let mut held = 0;
    loop {
        let n = match read_fd(fd, &mut buf[held..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) => {
                log::warn!("reading the node's output failed: {err}");
                break;
            }
        };
        shared.read.fetch_add(n as u64, Ordering::Release);
        if let Some((scanner, heartbeat)) = scan {
            scanner.feed(&buf[held..held + n], heartbeat);
        }
        let filled = held + n;
        let mut cut = filled;
        if shared_sink && filled == buf.len() && wait_fd(fd, libc::POLLIN, 0) {
            cut = line_cut(&buf[..filled]);
        }
        sink.write_all(&buf[..cut]);
        shared.passed_on(cut);
        buf.copy_within(cut..filled, 0);
        held = filled - cut;
    }
    sink.write_all(&buf[..held]);
    shared.passed_on(held);
}

/// Where to cut a full chunk so that an unfinished last line (if not too
/// long) waits for the next one.
fn line_cut(chunk: &[u8]) -> usize {
    match memchr::memrchr(b'\n', chunk) {
        Some(last_newline) if chunk.len() - (last_newline + 1) <= MAX_CARRY => last_newline + 1,
        _ => chunk.len(),
    }
}

/// The loop for a destination that is a pipe (what a container runtime
/// gives): `tee(2)` duplicates the next chunk into a private pipe, from
/// which it is read for the scan; `splice(2)` then moves the same bytes
/// from the node's pipe into the destination. The bytes are copied once
/// (for the scan) instead of twice, and the destination pipe gets the
/// node's pages instead of new ones. An unfinished line is held back by
/// simply leaving it in the node's pipe.
///
/// Returns false, having consumed nothing, if the system refuses `tee`.
fn splice_pump(
    shared: &PumpShared,
    sink: &Sink,
    shared_sink: bool,
    scan: &mut Option<(Scanner, Arc<Heartbeat>)>,
    buf: &mut [u8],
) -> bool {
    let src = shared.source.as_raw_fd();
    let Ok((peek_read, peek_write)) = pipe() else {
        return false;
    };
    // Bytes at the front of the node's pipe already scanned last time.
    let mut scanned = 0;
    let mut first = true;
    loop {
        let n = match tee_fd(src, peek_write.as_raw_fd(), buf.len()) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if first && err.raw_os_error() == Some(libc::EINVAL) => return false,
            Err(err) => {
                log::warn!("reading the node's output failed: {err}");
                // Whatever is left goes the ordinary way.
                copy_pump(shared, sink, shared_sink, scan, buf);
                return true;
            }
        };
        first = false;
        if let Err(err) = read_exact_fd(peek_read.as_raw_fd(), &mut buf[..n]) {
            log::warn!("reading the node's output failed: {err}");
            copy_pump(shared, sink, shared_sink, scan, buf);
            return true;
        }
        if n > scanned {
            shared
                .read
                .fetch_add((n - scanned) as u64, Ordering::Release);
            if let Some((scanner, heartbeat)) = scan {
                scanner.feed(&buf[scanned..n], heartbeat);
            }
        }
        let mut cut = n;
        // Holding back is only safe when more is already waiting, so the
        // next tee brings new bytes at once.
        if shared_sink && n == buf.len() && bytes_in_pipe(src) > n as u64 {
            cut = line_cut(&buf[..n]);
        }
        sink.splice_from(src, cut, buf);
        shared.passed_on(cut);
        scanned = n - cut;
    }
    true
}

/// `tee(2)` of up to `len` bytes, retried on EINTR. Ok(0) is end of file.
fn tee_fd(src: RawFd, dst: RawFd, len: usize) -> io::Result<usize> {
    // SAFETY: plain descriptors and a length.
    retry_io(src, libc::POLLIN, || unsafe { libc::tee(src, dst, len, 0) })
}

/// Reads exactly `buf.len()` bytes (they are known to be there).
fn read_exact_fd(fd: RawFd, mut buf: &mut [u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match read_fd(fd, buf)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => buf = &mut buf[n..],
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The last matching line after feeding `chunks` and ending the stream.
    fn scan(keyword: &str, chunks: &[&[u8]]) -> Option<Vec<u8>> {
        let hb = Heartbeat::new(keyword);
        let mut scanner = Scanner::new(keyword.as_bytes());
        for chunk in chunks {
            scanner.feed(chunk, &hb);
        }
        scanner.finish(&hb);
        hb.last_seen().map(|_| hb.last_line())
    }

    #[test]
    fn finds_keyword_inside_one_chunk() {
        let line = scan("Prepared block", &[b"a\nx Prepared block #5\nb\n"]);
        assert_eq!(line.as_deref(), Some(&b"x Prepared block #5"[..]));
    }

    #[test]
    fn no_match_no_record() {
        let line = scan("Prepared block", &[b"Prepared bloc\nk\n", b"Prepared\n"]);
        assert_eq!(line, None);
    }

    #[test]
    fn finds_keyword_split_between_chunks() {
        for split in 1.."Prepared block".len() {
            let text = b"first line\nsay Prepared block #7 now\nlast\n";
            let at = "first line\nsay ".len() + split;
            let line = scan("Prepared block", &[&text[..at], &text[at..]]);
            assert_eq!(
                line.as_deref(),
                Some(&b"say Prepared block #7 now"[..]),
                "split {split}"
            );
        }
    }

    #[test]
    fn finds_keyword_split_over_many_tiny_chunks() {
        let text = b"zz\nPrepared block\n";
        let chunks: Vec<&[u8]> = text.chunks(1).collect();
        let line = scan("Prepared block", &chunks);
        assert_eq!(line.as_deref(), Some(&b"Prepared block"[..]));
    }

    #[test]
    fn seam_does_not_join_two_lines() {
        let line = scan("Prepared block", &[b"Prepared", b"\n block\n"]);
        assert_eq!(line, None);
        let line = scan("ab", &[b"a", b"\nb\n"]);
        assert_eq!(line, None);
    }

    #[test]
    fn line_split_after_match_is_kept_whole() {
        let line = scan("block", &[b"x\nPrepared block #", b"42 (0xab)\nnext\n"]);
        assert_eq!(line.as_deref(), Some(&b"Prepared block #42 (0xab)"[..]));
    }

    #[test]
    fn line_split_before_match_is_kept_whole() {
        let line = scan("block", &[b"x\n2024 INFO ", b"Prepared block #1\n"]);
        assert_eq!(line.as_deref(), Some(&b"2024 INFO Prepared block #1"[..]));
    }

    #[test]
    fn keyword_in_invalid_utf8_line() {
        let line = scan(
            "Prepared block",
            &[b"\xff\xfe\x00 Prepared block \xc3\x28\r\n"],
        );
        assert_eq!(
            line.as_deref(),
            Some(&b"\xff\xfe\x00 Prepared block \xc3\x28\r"[..])
        );
    }

    #[test]
    fn long_line_is_cut_and_memory_stays_bounded() {
        let hb = Heartbeat::new("Prepared block");
        let mut scanner = Scanner::new(b"Prepared block");
        let filler = vec![b'x'; 60_000];
        for _ in 0..17 {
            scanner.feed(&filler, &hb);
        }
        scanner.feed(b"Prepared ", &hb);
        scanner.feed(b"block and more\n", &hb);
        assert!(hb.last_seen().is_some());
        assert_eq!(hb.last_line(), vec![b'x'; MAX_KEPT_LINE]);
        assert!(scanner.retained_capacity() <= MAX_KEPT_LINE + 3 * 14 + 64);
    }

    #[test]
    fn every_matching_line_counts_once_and_the_last_is_kept() {
        let hb = Heartbeat::new("hit");
        let mut scanner = Scanner::new(b"hit");
        scanner.feed(b"hit one hit\nmiss\nhit two\n", &hb);
        assert_eq!(hb.last_line(), b"hit two");
        scanner.feed(b"hit thr", &hb);
        scanner.feed(b"ee hit\n", &hb);
        assert_eq!(hb.last_line(), b"hit three hit");
    }

    #[test]
    fn match_in_open_line_then_new_line_without_match() {
        let hb = Heartbeat::new("hit");
        let mut scanner = Scanner::new(b"hit");
        scanner.feed(b"a hit", &hb);
        scanner.feed(b" b\nc h", &hb);
        scanner.feed(b"i", &hb);
        scanner.feed(b"t\n", &hb);
        assert_eq!(hb.last_line(), b"c hit");
    }

    /// Any way of cutting a stream into chunks finds the same last matching
    /// line as looking at whole lines.
    #[test]
    fn chunking_never_changes_the_result() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        let alphabet = b"ab\n";
        for _ in 0..3000 {
            let len = next(40) as usize;
            let text: Vec<u8> = (0..len).map(|_| alphabet[next(3) as usize]).collect();
            let keyword: &[u8] = [&b"ab"[..], b"aba", b"b", b"abab"][next(4) as usize];
            let expected = text
                .split(|&b| b == b'\n')
                .rfind(|line| memchr::memmem::find(line, keyword).is_some())
                .map(<[u8]>::to_vec);
            let hb = Heartbeat::new(keyword);
            let mut scanner = Scanner::new(keyword);
            let mut rest = &text[..];
            while !rest.is_empty() {
                let take = 1 + next(rest.len() as u64) as usize;
                scanner.feed(&rest[..take], &hb);
                rest = &rest[take..];
            }
            scanner.finish(&hb);
            let got = hb.last_seen().map(|_| hb.last_line());
            assert_eq!(
                got,
                expected,
                "text {:?} keyword {:?}",
                String::from_utf8_lossy(&text),
                keyword
            );
        }
    }

    #[test]
    fn empty_keyword_matches_every_line() {
        let line = scan("", &[b"one\ntw", b"o\nthr", b"ee"]);
        assert_eq!(line.as_deref(), Some(&b"three"[..]));
    }

    #[test]
    fn keyword_with_newline_never_matches() {
        let line = scan("a\nb", &[b"a\nb\n"]);
        assert_eq!(line, None);
    }

    #[test]
    fn push_tail_keeps_last_bytes() {
        let mut tail = Vec::new();
        push_tail(&mut tail, b"abc", 4);
        push_tail(&mut tail, b"de", 4);
        assert_eq!(tail, b"bcde");
        push_tail(&mut tail, b"fghijk", 4);
        assert_eq!(tail, b"hijk");
    }
}
