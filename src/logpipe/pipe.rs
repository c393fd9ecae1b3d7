//! The node's pipes: made close-on-exec and roomy.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

use crate::sys;

/// Size asked for the node's pipes (`F_SETPIPE_SZ`). A roomy pipe lets the
/// node keep writing while a pump is busy, and lets the pumps read full
/// chunks. 1 MiB is the default `/proc/sys/fs/pipe-max-size`, so an
/// unprivileged kubevali gets it too.
pub const PIPE_SIZE: usize = 1024 * 1024;

/// A close-on-exec pipe as (read end, write end), enlarged to `PIPE_SIZE`
/// where the system allows it.
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let (read, write) = sys::pipe()?;
    // A smaller pipe still works, only slower; no reason to fail.
    let _ = sys::set_pipe_size(read.as_raw_fd(), PIPE_SIZE);
    Ok((read, write))
}
