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

mod drain;
mod pump;
mod scanner;
mod sink;

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

pub use drain::{DrainOutcome, drain_all};
pub use pump::{OnMatch, Pump};
pub use scanner::Scanner;
pub use sink::Sink;

use crate::sys;

/// Bytes per `read(2)`. 64 KiB used the least CPU in `make bench` (see
/// docs/performance.md), against 16 KiB and 256 KiB.
pub const CHUNK: usize = 64 * 1024;

/// Size asked for the node's pipes (`F_SETPIPE_SZ`). A roomy pipe lets the
/// node keep writing while a pump is busy, and lets the pumps read full
/// chunks. 1 MiB is the default `/proc/sys/fs/pipe-max-size`, so an
/// unprivileged kubevali gets it too.
pub const PIPE_SIZE: usize = 1024 * 1024;

/// A close-on-exec pipe as (read end, write end), enlarged to [`PIPE_SIZE`]
/// where the system allows it.
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let (read, write) = sys::pipe()?;
    // A smaller pipe still works, only slower; no reason to fail.
    let _ = sys::set_pipe_size(read.as_raw_fd(), PIPE_SIZE);
    Ok((read, write))
}
