//! Where a stream's bytes end up.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::Mutex;

use super::pipe::PIPE_SIZE;
use crate::sys;

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
    /// kubevali's own stdout.
    pub fn stdout() -> Sink {
        Sink::stdio(libc::STDOUT_FILENO, "stdout")
    }

    /// kubevali's own stderr.
    pub fn stderr() -> Sink {
        Sink::stdio(libc::STDERR_FILENO, "stderr")
    }

    /// One of kubevali's own descriptors. If it is a pipe (as a container
    /// runtime's is), it is enlarged like the node's pipes: fewer wake-ups
    /// between kubevali and the reader, measurably less CPU (see
    /// docs/performance.md). Failing that changes nothing.
    fn stdio(fd: RawFd, name: &str) -> Sink {
        // Only grows: F_SETPIPE_SZ would also shrink a pipe someone made
        // larger. Not a pipe (file, terminal): nothing to do.
        if sys::pipe_size(fd).is_some_and(|current| current < PIPE_SIZE) {
            let _ = sys::set_pipe_size(fd, PIPE_SIZE);
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
    pub(super) fn write_all(&self, bytes: &[u8]) {
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
    /// The destination is a pipe, so the pumps can splice into it.
    pub(super) fn is_pipe(&self) -> bool {
        self.is_pipe
    }

    /// Moves `len` bytes from the pipe `src` into this (pipe) destination,
    /// or, once the destination has failed, reads and drops them (using
    /// `scratch`, at least `len` long).
    pub(super) fn splice_from(&self, src: RawFd, len: usize, scratch: &mut [u8]) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut left = len;
        while left > 0 && !state.broken {
            match sys::splice(src, self.fd, left) {
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
            let _ = sys::read_exact(src, &mut scratch[..left]);
        }
    }
}

fn is_pipe(fd: RawFd) -> bool {
    sys::pipe_size(fd).is_some()
}

/// `write(2)` until everything is written. Waits (poll) if the descriptor
/// is non-blocking and full, since a shared stdout may have O_NONBLOCK set
/// by someone else.
fn write_fd(fd: RawFd, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        let n = sys::write(fd, bytes)?;
        bytes = &bytes[n..];
    }
    Ok(())
}
