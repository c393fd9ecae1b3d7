//! One stream's pass-through thread: reads the node's pipe, feeds the
//! scanner, writes (or splices) to the sink, and counts what went through.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use super::pipe::pipe;
use super::scanner::{Matched, Scanner};
use super::sink::Sink;
use crate::sys;

/// Bytes per `read(2)`. 64 KiB used the least CPU in `make bench` (see
/// docs/performance.md), against 16 KiB and 256 KiB.
pub const CHUNK: usize = 64 * 1024;

/// A carried unfinished line may take at most this much of the buffer, so
/// the next read still gets most of it.
const MAX_CARRY: usize = CHUNK / 4;

/// State a pump shares with whoever waits for it.
pub(super) struct PumpShared {
    pub(super) source: OwnedFd,
    /// Bytes read from the pipe so far.
    pub(super) read: AtomicU64,
    /// Bytes written on (or discarded, for a broken sink) so far.
    pub(super) passed: AtomicU64,
    /// A count kept by someone else (metrics), across pumps and restarts,
    /// that grows with `passed`.
    total: Option<Arc<AtomicU64>>,
    pub(super) finished: Mutex<bool>,
    pub(super) finished_cv: Condvar,
}

impl PumpShared {
    fn count_passed(&self, bytes: usize) {
        let bytes = bytes as u64;
        self.passed.fetch_add(bytes, Ordering::Release);
        if let Some(total) = &self.total {
            total.fetch_add(bytes, Ordering::Relaxed);
        }
    }
}

/// One stream's pass-through thread. Dropping the handle detaches it; it
/// ends by itself at end of file.
pub struct Pump {
    name: String,
    pub(super) shared: Arc<PumpShared>,
}

/// What a pump calls with each line that holds the keyword.
pub type OnMatch = Box<dyn for<'m> FnMut(Matched<'m>) + Send>;

/// The scanner and where its matches go.
type Watch = Option<(Scanner, OnMatch)>;

impl Pump {
    /// Starts copying `source` to `sink` on a new thread, feeding the
    /// scanner (which calls its `OnMatch` for each matching line) when
    /// given, and adding every byte passed on to `total` when given (on
    /// every path, splice included).
    pub fn start(
        name: &str,
        source: OwnedFd,
        sink: Arc<Sink>,
        shared_sink: bool,
        scan: Watch,
        total: Option<Arc<AtomicU64>>,
    ) -> io::Result<Pump> {
        let shared = Arc::new(PumpShared {
            source,
            read: AtomicU64::new(0),
            passed: AtomicU64::new(0),
            total,
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
        Ok(Pump {
            name: name.to_owned(),
            shared,
        })
    }

    /// The stream's name, as given to [`Pump::start`].
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn bytes_passed(&self) -> u64 {
        self.shared.passed.load(Ordering::Acquire)
    }

    pub(super) fn is_finished(&self) -> bool {
        *self
            .shared
            .finished
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

fn pump(shared: &PumpShared, sink: &Sink, shared_sink: bool, mut scan: Watch) {
    let mut buf = vec![0u8; CHUNK];
    let spliced = sink.is_pipe() && splice_pump(shared, sink, shared_sink, &mut scan, &mut buf);
    if !spliced {
        copy_pump(shared, sink, shared_sink, &mut scan, &mut buf);
    }
    if let Some((scanner, on_match)) = &mut scan {
        scanner.finish(on_match);
    }
}

/// The general loop: read a chunk, scan it, write it.
fn copy_pump(
    shared: &PumpShared,
    sink: &Sink,
    shared_sink: bool,
    scan: &mut Watch,
    buf: &mut [u8],
) {
    let fd = shared.source.as_raw_fd();
    // buf[..held] is an unfinished line carried over from the last read.
    let mut held = 0;
    loop {
        let n = match sys::read(fd, &mut buf[held..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) => {
                log::warn!("reading the node's output failed: {err}");
                break;
            }
        };
        shared.read.fetch_add(n as u64, Ordering::Release);
        if let Some((scanner, on_match)) = scan {
            scanner.feed(&buf[held..held + n], on_match);
        }
        let filled = held + n;
        let mut cut = filled;
        if shared_sink && filled == buf.len() && sys::poll(fd, libc::POLLIN, 0) {
            cut = line_cut(&buf[..filled]);
        }
        sink.write_all(&buf[..cut]);
        shared.count_passed(cut);
        buf.copy_within(cut..filled, 0);
        held = filled - cut;
    }
    sink.write_all(&buf[..held]);
    shared.count_passed(held);
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
    scan: &mut Watch,
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
        let n = match sys::tee(src, peek_write.as_raw_fd(), buf.len()) {
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
        if let Err(err) = sys::read_exact(peek_read.as_raw_fd(), &mut buf[..n]) {
            log::warn!("reading the node's output failed: {err}");
            copy_pump(shared, sink, shared_sink, scan, buf);
            return true;
        }
        if n > scanned {
            shared
                .read
                .fetch_add((n - scanned) as u64, Ordering::Release);
            if let Some((scanner, on_match)) = scan {
                scanner.feed(&buf[scanned..n], on_match);
            }
        }
        let mut cut = n;
        // Holding back is only safe when more is already waiting, so the
        // next tee brings new bytes at once.
        if shared_sink && n == buf.len() && sys::bytes_readable(src) > n as u64 {
            cut = line_cut(&buf[..n]);
        }
        sink.splice_from(src, cut, buf);
        shared.count_passed(cut);
        scanned = n - cut;
    }
    true
}
