//! Running the node as kubevali's child: starting it, passing signals on,
//! reaping every child, stopping it, and turning its end into kubevali's
//! exit status. The node's life is one value, `NodeState`, and one loop,
//! [`Supervisor::next_event`], drives it whatever the flags.
//!
//! # Design, compared with tini
//!
//! tini blocks every signal and takes them one at a time with
//! `sigtimedwait` (waking each second), forwards all but SIGCHLD, and after
//! each one reaps with `waitpid(-1, WNOHANG)` until nothing is left,
//! remembering the status of its one child. kubevali keeps that shape but
//! fits it to a threaded program: signal handlers only record the signal
//! and wake one thread, which turns it into an [`Input`] on a channel; the
//! main thread, the only one that ever waits for children, reaps
//! everything on SIGCHLD and recognises the node by its pid. So no status
//! is lost to another waiter (std's `Child::wait` is never used), and a pid
//! is never signalled after it was reaped and might be reused. Other
//! threads (the config watcher, the final ping) wake the same loop through
//! [`Supervisor::sender`].
//!
//! Differences from tini, on purpose:
//! - Nothing is blocked, so the node inherits an empty signal mask; and
//!   every forwarded signal has a handler in kubevali, which the child
//!   resets to the default before `execve`.
//! - SIGTSTP, SIGTTIN and SIGTTOU are forwarded, not ignored; kubevali
//!   handles them, so it never stops itself.
//! - SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGPIPE, SIGSEGV, SIGSYS and SIGTRAP
//!   are forwarded when another process sent them (see
//!   [`crate::signal::FORWARDED_WHEN_SENT`]); raised by a fault of
//!   kubevali's own, they stay fatal to it.
//! - The node gets its own process group, like tini's child, and the
//!   terminal's foreground when kubevali had it (a node reading stdin at
//!   `docker run -it` is otherwise stopped by SIGTTIN); kubevali takes the
//!   foreground back when the node ends.
//! - The node gets SIGKILL when kubevali dies (parent-death signal), so a
//!   kubevali killed with SIGKILL or by the OOM killer leaves no node
//!   behind. As PID 1 this changes nothing: the kernel ends the namespace.
//! - When not PID 1, kubevali makes itself a child subreaper
//!   unconditionally (tini needs `-s`), so orphans of the node are still
//!   reaped by kubevali.
//! - A stop request arriving before the node starts is kept, and kubevali
//!   then exits 128+N without starting it.
//! - After the node exits, kubevali first drains its output (bounded)
//!   before reporting its end.

mod spawn;

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

pub use spawn::{NodeSpec, OutputBytes, SpawnError, preflight};

use crate::logpipe::{self, DrainOutcome, Pump};
use crate::signal::{self, FORWARDED_WHEN_SENT, STOP_REQUESTS, is_stop_request};
use crate::sys;

/// After the node exits: how long to wait for end of file on its output
/// once everything that was in the pipes has gone out (a process it left
/// behind may hold them open).
pub const DRAIN_LINGER: Duration = Duration::from_secs(2);
/// After the node exits: give up draining if the destination accepts
/// nothing for this long.
pub const DRAIN_STALL: Duration = Duration::from_secs(10);

/// What wakes the loop: signals (from kubevali's own signal threads) and
/// news from other threads (through [`Supervisor::sender`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Signal(i32),
    /// The config file changed (sent by the config watcher).
    ConfigChanged,
    /// Something the loop waits for is done (the final ping).
    Done,
}

/// What the caller of [`Supervisor::next_event`] has to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The node's life is over: reaped, its output drained.
    NodeEnded(NodeExit),
    ConfigChanged,
    Done,
    /// A stop request (SIGTERM and the like) while no node runs.
    StopRequested(i32),
}

/// How the node ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeExit {
    /// What kubevali should exit with: the node's exit code, or 128+N when
    /// signal N killed it.
    pub code: i32,
    /// The signal that killed it, if one did.
    pub signal: Option<i32>,
    /// kubevali asked it to stop (forwarded a stop request such as SIGTERM,
    /// or [`Supervisor::stop`]): a planned end, not a failure.
    pub stopped_by_us: bool,
}

impl NodeExit {
    /// From a raw wait status.
    pub fn from_status(status: i32, stopped_by_us: bool) -> NodeExit {
        match sys::decode_wait_status(status) {
            Err(signal) => NodeExit {
                code: signal::exit_code(signal),
                signal: Some(signal),
                stopped_by_us,
            },
            Ok(code) => NodeExit {
                code,
                signal: None,
                stopped_by_us,
            },
        }
    }
}

impl std::fmt::Display for NodeExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.signal {
            Some(signal) => write!(f, "killed by {}", signal::name(signal)),
            None => write!(f, "exit code {}", self.code),
        }
    }
}

/// A started node, while kubevali is responsible for it.
struct Node {
    pid: i32,
    pumps: Vec<Pump>,
    took_terminal: bool,
    /// kubevali forwarded a stop request or stopped it: its end is planned.
    stop_requested: bool,
    /// Its raw wait status, once reaped.
    status: Option<i32>,
}

/// The node's life.
enum NodeState {
    NotStarted,
    Running(Node),
    /// Asked to stop; SIGKILL follows at `kill_at` (None once sent).
    Stopping {
        node: Node,
        signal: i32,
        kill_at: Option<Instant>,
    },
    Exited,
}

impl NodeState {
    fn node(&self) -> Option<&Node> {
        match self {
            NodeState::Running(node) | NodeState::Stopping { node, .. } => Some(node),
            NodeState::NotStarted | NodeState::Exited => None,
        }
    }

    fn node_mut(&mut self) -> Option<&mut Node> {
        match self {
            NodeState::Running(node) | NodeState::Stopping { node, .. } => Some(node),
            NodeState::NotStarted | NodeState::Exited => None,
        }
    }
}

/// The node's supervisor. One per process: it owns the signal handlers and
/// reaps every child of kubevali, so nothing else in kubevali may start and
/// wait for child processes.
pub struct Supervisor {
    inputs: Receiver<Input>,
    sender: Sender<Input>,
    state: NodeState,
    /// The first stop request that arrived while no node was running or
    /// while it was being stopped: kubevali then starts nothing new.
    stop_request: Option<i32>,
    /// Set by the signal handler itself to the latest stop request since
    /// the last start or stop: unlike the channel, it cannot lag behind
    /// the signal.
    early_stop: Arc<AtomicUsize>,
}

impl Supervisor {
    /// Sets up signal handling and reaping. Call it first thing, so that a
    /// signal arriving while the config is read is not lost.
    pub fn install() -> io::Result<Supervisor> {
        let mut wanted = signal::forwarded();
        wanted.push(libc::SIGCHLD);
        wanted.extend_from_slice(FORWARDED_WHEN_SENT);
        // A parent may have left some of them blocked; blocked in every
        // thread, they would never be delivered. Threads started from here
        // on inherit this mask.
        sys::unblock_signals(&wanted)?;
        let early_stop = Arc::new(AtomicUsize::new(0));
        for &signal in STOP_REQUESTS {
            signal_hook::flag::register_usize(signal, Arc::clone(&early_stop), signal as usize)?;
        }
        let (sender, inputs) = mpsc::channel();

        let mut plain = signal_hook::iterator::Signals::new(
            signal::forwarded().into_iter().chain([libc::SIGCHLD]),
        )?;
        let to_loop = sender.clone();
        std::thread::Builder::new()
            .name("signals".into())
            .stack_size(64 * 1024)
            .spawn(move || {
                for signal in plain.forever() {
                    if to_loop.send(Input::Signal(signal)).is_err() {
                        break;
                    }
                }
            })?;

        let sent = sys::forward_when_sent(FORWARDED_WHEN_SENT)?;
        let to_loop = sender.clone();
        std::thread::Builder::new()
            .name("sent-signals".into())
            .stack_size(64 * 1024)
            .spawn(move || relay_sent_signals(&sent, &to_loop))?;

        if std::process::id() != 1
            && let Err(e) = sys::become_subreaper()
        {
            log::warn!(
                "cannot become a child subreaper ({e}); processes the node leaves behind will not be reaped by kubevali"
            );
        }

        Ok(Supervisor {
            inputs,
            sender,
            state: NodeState::NotStarted,
            stop_request: None,
            early_stop,
        })
    }

    /// A way for other threads to wake the loop ([`Input::ConfigChanged`],
    /// [`Input::Done`]).
    pub fn sender(&self) -> Sender<Input> {
        self.sender.clone()
    }

    /// The first stop request (SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPWR)
    /// that arrived while no node was running or while one was being
    /// stopped, if any. Takes in what has arrived so far without waiting.
    pub fn stop_requested(&mut self) -> Option<i32> {
        while let Ok(input) = self.inputs.try_recv() {
            match input {
                Input::Signal(signal) => self.on_signal(signal),
                // Kept for next_event: the channel is its only queue, so
                // put it back at the end (order among these is kept).
                other => {
                    let _ = self.sender.send(other);
                    break;
                }
            }
        }
        if self.stop_request.is_none() && !matches!(self.state, NodeState::Running(_)) {
            // The handler has run, but the signal thread may not have
            // passed the signal on yet.
            let signal = self.early_stop.load(Ordering::SeqCst) as i32;
            if signal != 0 {
                log::info!("received {}", signal::name(signal));
                self.stop_request = Some(signal);
            }
        }
        self.stop_request
    }

    /// Starts the node. Its stdin and environment are kubevali's; it runs in
    /// a process group of its own.
    pub fn start(&mut self, spec: &NodeSpec) -> Result<(), SpawnError> {
        debug_assert!(self.state.node().is_none(), "a node is already running");
        // From here on, stop requests reach the node through the channel.
        self.early_stop.store(0, Ordering::SeqCst);
        let started = spawn::start(spec)?;
        log::debug!("node started with pid {}", started.pid);
        self.state = NodeState::Running(Node {
            pid: started.pid,
            pumps: started.pumps,
            took_terminal: started.took_terminal,
            stop_requested: false,
            status: None,
        });
        Ok(())
    }

    /// Asks the running node to stop with `signal`; SIGKILL follows after
    /// `timeout`. Returns at once: [`Event::NodeEnded`] reports the end.
    /// Signals arriving meanwhile still go to the node, and a stop request
    /// among them is kept (see [`stop_requested`](Self::stop_requested)).
    pub fn stop(&mut self, signal: i32, timeout: Duration) {
        let state = std::mem::replace(&mut self.state, NodeState::NotStarted);
        self.state = match state {
            NodeState::Running(mut node) => {
                node.stop_requested = true;
                // Only stop requests from now on count: one forwarded to
                // the node earlier (a SIGHUP it survived) must not end
                // kubevali later.
                self.early_stop.store(0, Ordering::SeqCst);
                send(&node, signal);
                NodeState::Stopping {
                    node,
                    signal,
                    kill_at: Some(Instant::now() + timeout),
                }
            }
            other => other,
        };
    }

    /// Waits for the next thing to act on. Meanwhile it reaps children as
    /// they end, passes signals on to the node, and sends SIGKILL to a node
    /// that outlives its stop timeout.
    pub fn next_event(&mut self) -> Event {
        loop {
            if let Some(exit) = self.conclude_if_reaped() {
                return Event::NodeEnded(exit);
            }
            let input = match self.kill_deadline() {
                None => self
                    .inputs
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
                Some(at) => self
                    .inputs
                    .recv_timeout(at.saturating_duration_since(Instant::now())),
            };
            match input {
                Ok(Input::Signal(signal)) => {
                    let idle = self.state.node().is_none();
                    self.on_signal(signal);
                    if idle && is_stop_request(signal) {
                        return Event::StopRequested(signal);
                    }
                }
                Ok(Input::ConfigChanged) => return Event::ConfigChanged,
                Ok(Input::Done) => return Event::Done,
                Err(RecvTimeoutError::Timeout) => self.escalate(),
                // `self.sender` keeps the channel open.
                Err(RecvTimeoutError::Disconnected) => unreachable!("the loop holds a sender"),
            }
        }
    }

    fn kill_deadline(&self) -> Option<Instant> {
        match self.state {
            NodeState::Stopping { kill_at, .. } => kill_at,
            _ => None,
        }
    }

    /// The stop timeout passed: SIGKILL, which cannot be refused.
    fn escalate(&mut self) {
        let NodeState::Stopping {
            node,
            signal,
            kill_at,
        } = &mut self.state
        else {
            return;
        };
        if kill_at.is_some_and(|at| Instant::now() >= at) {
            log::warn!(
                "the node did not stop in time after {}; sending SIGKILL",
                signal::name(*signal)
            );
            *kill_at = None;
            send(node, libc::SIGKILL);
        }
    }

    fn on_signal(&mut self, signal: i32) {
        if signal == libc::SIGCHLD {
            self.reap();
            return;
        }
        let stopping = matches!(self.state, NodeState::Stopping { .. });
        let delivered = match self.state.node_mut() {
            Some(node) if node.status.is_none() => {
                if is_stop_request(signal) {
                    node.stop_requested = true;
                }
                send(node, signal);
                true
            }
            _ => {
                log::debug!(
                    "not forwarding {}: no node is running",
                    signal::name(signal)
                );
                false
            }
        };
        // Kept when it reached no node, or one that is being stopped
        // anyway: kubevali then starts nothing new and waits for nothing.
        if is_stop_request(signal) && (stopping || !delivered) && self.stop_request.is_none() {
            if !delivered {
                log::info!("received {}", signal::name(signal));
            }
            self.stop_request = Some(signal);
        }
    }

    /// Once the node has been reaped: passes on what is left of its output
    /// (see [`DRAIN_LINGER`], [`DRAIN_STALL`]), takes the terminal back, and
    /// moves to [`NodeState::Exited`].
    fn conclude_if_reaped(&mut self) -> Option<NodeExit> {
        let status = self.state.node()?.status?;
        let state = std::mem::replace(&mut self.state, NodeState::NotStarted);
        let (NodeState::Running(node) | NodeState::Stopping { node, .. }) = state else {
            unreachable!("a node was present");
        };
        let exit = NodeExit::from_status(status, node.stop_requested);
        if node.took_terminal
            && let Err(e) = sys::take_terminal_foreground(libc::STDIN_FILENO)
        {
            log::warn!("cannot take the terminal back from the node's process group: {e}");
        }
        drain(&node.pumps);
        self.state = NodeState::Exited;
        Some(exit)
    }

    /// Collects every child that has ended, keeping the node's status.
    fn reap(&mut self) {
        while let Some((pid, status)) = sys::reap_one() {
            match self.state.node_mut() {
                Some(node) if node.pid == pid => node.status = Some(status),
                _ => log::debug!("reaped orphan {pid}"),
            }
        }
    }
}

/// Passes `signal` on to the node, unless it has been reaped already (its
/// pid might then belong to someone else).
fn send(node: &Node, signal: i32) {
    if node.status.is_some() {
        log::debug!(
            "not forwarding {}: the node has ended",
            signal::name(signal)
        );
        return;
    }
    log::debug!("forwarding {} to the node", signal::name(signal));
    if let Err(e) = sys::kill(node.pid, signal) {
        log::warn!("cannot send {} to the node: {e}", signal::name(signal));
    }
}

/// Waits (bounded) until the node's output has gone through, and says
/// once what kept it from doing so.
fn drain(pumps: &[Pump]) {
    let outcomes = logpipe::drain_all(pumps, DRAIN_LINGER, DRAIN_STALL);
    let named = |wanted: DrainOutcome| {
        pumps
            .iter()
            .zip(&outcomes)
            .filter(|(_, outcome)| **outcome == wanted)
            .map(|(pump, _)| pump.name())
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let still_open = named(DrainOutcome::StillOpen);
    if !still_open.is_empty() {
        log::warn!(
            "a process the node left behind keeps its {still_open} open; not waiting for it"
        );
    }
    let stalled = named(DrainOutcome::Stalled);
    if !stalled.is_empty() {
        log::warn!(
            "the node's {stalled} cannot be written (nothing read it for {DRAIN_STALL:?}); giving up on the rest"
        );
    }
}

/// The "sent-signals" thread: passes on what the handler wrote.
fn relay_sent_signals(pipe: &OwnedFd, to_loop: &Sender<Input>) {
    let mut buf = [0u8; 64];
    loop {
        match sys::read(pipe.as_raw_fd(), &mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                for &signal in &buf[..n] {
                    if to_loop.send(Input::Signal(i32::from(signal))).is_err() {
                        return;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_becomes_code() {
        // Raw statuses as waitpid reports them.
        let exited = |code: i32| code << 8;
        assert_eq!(NodeExit::from_status(exited(0), false).code, 0);
        assert_eq!(NodeExit::from_status(exited(42), false).code, 42);
        let killed = NodeExit::from_status(libc::SIGKILL, false);
        assert_eq!((killed.code, killed.signal), (137, Some(libc::SIGKILL)));
        let dumped = NodeExit::from_status(libc::SIGSEGV | 0x80, true);
        assert_eq!((dumped.code, dumped.signal), (139, Some(libc::SIGSEGV)));
        assert_eq!(killed.to_string(), "killed by SIGKILL");
    }
}
