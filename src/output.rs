//! kubevali's own output on stdout (`--help`, `--version`, the `--dry-run`
//! line) and its usage errors on stderr, written without `print!`, which
//! panics (and, with `panic = "abort"`, dumps core) when the write fails.
//!
//! Rust ignores SIGPIPE, so a reader that has gone away shows up as EPIPE:
//! that ends kubevali quietly with 141, the status a shell shows for a
//! process killed by SIGPIPE, as `cat` would end. Any other failure (a full
//! disk) is one error line on stderr and exit 1. A stdout that was closed
//! when kubevali started (`>&-`) is a failure too: the Rust runtime quietly
//! puts /dev/null there, so without the check below the line meant for the
//! caller would vanish with exit 0.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// The exit status for a reader that went away (128 + SIGPIPE).
pub const EXIT_CLOSED_PIPE: i32 = 128 + libc::SIGPIPE;

/// The exit status for any other failed write.
pub const EXIT_WRITE_FAILED: i32 = 1;

static STDOUT_WAS_CLOSED: AtomicBool = AtomicBool::new(false);

/// Runs before the Rust runtime's start-up code, which reopens closed
/// standard descriptors on /dev/null and so hides that they were closed.
#[used]
#[unsafe(link_section = ".init_array")]
static NOTE_CLOSED_STDOUT: extern "C" fn() = note_closed_stdout;

extern "C" fn note_closed_stdout() {
    let closed = !crate::sys::fd_is_open(libc::STDOUT_FILENO);
    STDOUT_WAS_CLOSED.store(closed, Ordering::Relaxed);
}

#[derive(Debug)]
pub enum OutputError {
    /// The reader of the pipe is gone.
    ClosedPipe,
    /// stdout was closed before kubevali started.
    Closed,
    Failed(io::Error),
}

impl OutputError {
    pub fn exit_code(&self) -> i32 {
        match self {
            OutputError::ClosedPipe => EXIT_CLOSED_PIPE,
            OutputError::Closed | OutputError::Failed(_) => EXIT_WRITE_FAILED,
        }
    }
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::ClosedPipe => f.write_str("cannot write to stdout: the reader is gone"),
            OutputError::Closed => f.write_str(
                "cannot write to stdout: it was closed when kubevali started; nothing was printed",
            ),
            OutputError::Failed(error) => write!(f, "cannot write to stdout: {error}"),
        }
    }
}

impl std::error::Error for OutputError {}

/// Writes all of `bytes` to stdout and flushes it.
pub fn write_stdout(bytes: &[u8]) -> Result<(), OutputError> {
    if STDOUT_WAS_CLOSED.load(Ordering::Relaxed) {
        return Err(OutputError::Closed);
    }
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|error| match error.kind() {
            io::ErrorKind::BrokenPipe => OutputError::ClosedPipe,
            _ => OutputError::Failed(error),
        })
}

/// [`write_stdout`], reporting a failure, as kubevali's exit status: a
/// closed pipe quietly, anything else as one line on stderr.
pub fn print(bytes: &[u8]) -> i32 {
    match write_stdout(bytes) {
        Ok(()) => 0,
        Err(error) => {
            if !matches!(error, OutputError::ClosedPipe) {
                log::error!("{error}");
            }
            error.exit_code()
        }
    }
}

/// One line on stderr for what happens before logging is set up (usage
/// errors); a failure to write it cannot be reported anywhere, so it is
/// ignored rather than allowed to panic.
pub fn eprint_line(text: &str) {
    let line = format!("{text}\n");
    let _ = io::stderr().lock().write_all(line.as_bytes());
}
