//! Passing the node's output through kubevali, and finding the keyword in it.
//!
//! When nothing needs to see the output (no keyword configured), the node
//! simply inherits kubevali's descriptors and none of this runs. Otherwise
//! each stream gets its own pipe and its own [`Pump`] thread, which takes
//! chunks of up to 64 KiB (`CHUNK`) and passes each on to the destination
//! straight away: no line buffering, no UTF-8 decoding, no per-line work,
//! so any bytes pass unchanged and at once, and a line of any length costs
//! no more memory than a short one. Into a pipe (a container runtime's
//! stdout) the bytes are spliced through and only a copy is read for the
//! scan; anything else gets `read(2)` and `write(2)`.
//!
//! The keyword [`Scanner`] only looks at the chunks after they are read; it
//! keeps at most `MAX_KEPT_LINE` bytes of the current line and the last
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
//!
//! Submodules import their siblings, never this facade: `pipe` (the
//! node's pipes), `sink`, `scanner`, `pump` (uses the three) and `drain`
//! (waits for pumps).

mod drain;
mod pipe;
mod pump;
mod scanner;
mod sink;

pub use drain::{DrainOutcome, drain_all};
pub use pipe::pipe;
pub use pump::{OnMatch, Pump};
pub use scanner::{Matched, Scanner};
pub use sink::Sink;
