//! Running the node as kubevali's child: starting it, passing signals on,
//! reaping every child, and turning its end into kubevali's exit status.
//!
//! # Design, compared with tini
//!
//! tini blocks every signal and takes them one at a time with
//! `sigtimedwait` (waking each second), forwards all but SIGCHLD, and after
//! each one reaps with `waitpid(-1, WNOHANG)` until nothing is left,
//! remembering the status of its one child. kubevali keeps that shape but
//! fits it to a threaded program: signal-hook's handler only records the
//! signal and wakes one thread, which turns it into an [`Event`] on a
//! channel; the main thread, the only one that ever waits for children,
//! reaps everything on SIGCHLD and recognises the node by its pid. So no
//! status is lost to another waiter (std's `Child::wait` is never used), and
//! a pid is never signalled after it was reaped and might be reused. Other
//! threads (the config watcher) wake the same loop through
//! [`Supervisor::sender`].
//!
//! Differences from tini, on purpose:
//! - Nothing is blocked, so the node inherits an empty signal mask; and
//!   every forwarded signal has a handler in kubevali, which `execve`
//!   resets to the default. (std resets SIGPIPE, which kubevali ignores.)
//! - SIGTSTP, SIGTTIN and SIGTTOU are forwarded, not ignored; kubevali
//!   handles them, so it never stops itself. (Caveat: with `stty tostop`
//!   and kubevali in a background job, a write to the terminal would raise
//!   SIGTTOU again and again; containers have no such terminal.)
//! - SIGPIPE is ignored and not forwarded (see [`signals::FORWARDED`]).
//! - The node gets its own process group, like tini's child, but kubevali
//!   keeps the terminal's foreground: a Ctrl-C at a terminal reaches
//!   kubevali only and is forwarded once, instead of reaching both.
//!   Signals go to the node's pid only, as tini without `-g`; in a pod,
//!   the kernel kills everything left once PID 1 exits.
//! - When not PID 1, kubevali makes itself a child subreaper
//!   unconditionally (tini needs `-s`), so orphans of the node are still
//!   reaped by kubevali.
//! - A stop request arriving before the node starts is kept, and kubevali
//!   then exits 128+N without starting it.
//! - After the node exits, kubevali first drains its output (bounded)
//!   before exiting with its status.

mod signals;
mod spawn;

use std::cell::Cell;
use std::collections::VecDeque;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

pub use signals::{
    FORWARDED, STOP_REQUESTS, forwarded, is_stop_request, name as signal_name,
    parse as parse_signal,
};
pub use spawn::{DEFAULT_PATH, SpawnError, resolve};

use crate::heartbeat::Heartbeat;
use crate::logpipe::{self, Pump, Scanner, Sink, Stream};

/// After the node exits: how long to wait for end of file on its output
/// once everything that was in the pipes has gone out (a process it left
/// behind may hold them open).
pub const DRAIN_LINGER: Duration = Duration::from_secs(2);
/// After the node exits: give up draining if the destination accepts
/// nothing for this long.
pub const DRAIN_STALL: Duration = Duration::from_secs(10);

/// What to run and where its output goes.
pub struct NodeSpec {
    /// The rendered command line; `argv[0]` is looked up in PATH.
    pub argv: Vec<std::ffi::OsString>,
    /// Where the node's stdout goes.
    pub stdout: Stream,
    /// Where the node's stderr goes.
    pub stderr: Stream,
    /// Set when the logs are watched for a keyword; then the output passes
    /// through kubevali. Without it the node writes to kubevali's own
    /// descriptors directly.
    pub heartbeat: Option<Arc<Heartbeat>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A signal for the node (every forwarded signal; see [`forwarded`]).
    Signal(i32),
    /// The node ended; `status` is the raw wait status.
    NodeExited { status: i32 },
    /// Sent by the config watcher through [`Supervisor::sender`].
    ConfigChanged,
}

/// A running node.
pub struct Node {
    pid: i32,
    pumps: Vec<Pump>,
    stop_requested: Cell<bool>,
}

impl Node {
    pub fn pid(&self) -> i32 {
        self.pid
    }
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
        if libc::WIFSIGNALED(status) {
            let signal = libc::WTERMSIG(status);
            NodeExit {
                code: 128 + signal,
                signal: Some(signal),
                stopped_by_us,
            }
        } else {
            NodeExit {
                code: libc::WEXITSTATUS(status),
                signal: None,
                stopped_by_us,
            }
        }
    }
}

impl std::fmt::Display for NodeExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.signal {
            Some(signal) => write!(f, "killed by {}", signal_name(signal)),
            None => write!(f, "exit code {}", self.code),
        }
    }
}

/// The node's supervisor. One per process: it owns the signal handlers and
/// reaps every child of kubevali, so nothing else in kubevali may start and
/// wait for child processes.
pub struct Supervisor {
    events: Receiver<Event>,
    sender: Sender<Event>,
    /// Events taken off the channel early, to be returned by `next_event`.
    backlog: VecDeque<Event>,
    /// A stop request that arrived while no node was running.
    pending_stop: Option<i32>,
    /// Set by the signal handler itself to the latest stop request since
    /// the last spawn: unlike the channel, it cannot lag behind the signal.
    early_stop: Arc<AtomicUsize>,
    /// The node being supervised, until `finish`.
    node_pid: Option<i32>,
    /// Its wait status, once reaped.
    node_status: Option<i32>,
    node_exit_reported: bool,
}

impl Supervisor {
    /// Sets up signal handling and reaping. Call it first thing, so that a
    /// signal arriving while the config is read is not lost.
    pub fn install() -> io::Result<Supervisor> {
        // So that a write to a closed stdout is an EPIPE error the pumps
        // handle, not death. (Rust's runtime does the same; this does not
        // rely on it.)
        // SAFETY: setting a disposition; no handler code involved.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };

        let mut wanted = forwarded();
        wanted.push(libc::SIGCHLD);
        // A parent may have left some of them blocked; blocked in every
        // thread, they would never be delivered. Threads started from here
        // on inherit this mask.
        unblock(&wanted)?;
        let early_stop = Arc::new(AtomicUsize::new(0));
        for &signal in STOP_REQUESTS {
            signal_hook::flag::register_usize(signal, Arc::clone(&early_stop), signal as usize)?;
        }
        let mut incoming = signal_hook::iterator::Signals::new(&wanted)?;
        let (sender, events) = mpsc::channel();
        let thread_sender = sender.clone();
        std::thread::Builder::new()
            .name("signals".into())
            .stack_size(64 * 1024)
            .spawn(move || {
                for signal in incoming.forever() {
                    if thread_sender.send(Event::Signal(signal)).is_err() {
                        break;
                    }
                }
            })?;

        // SAFETY: getpid cannot fail.
        if unsafe { libc::getpid() } != 1 {
            // SAFETY: plain prctl with integer arguments.
            let done = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } == 0;
            if !done {
                log::warn!(
                    "cannot become a child subreaper ({}); processes the node leaves behind will not be reaped by kubevali",
                    io::Error::last_os_error()
                );
            }
        }

        Ok(Supervisor {
            events,
            sender,
            backlog: VecDeque::new(),
            pending_stop: None,
            early_stop,
            node_pid: None,
            node_status: None,
            node_exit_reported: false,
        })
    }

    /// A way for other threads to wake the event loop (with
    /// [`Event::ConfigChanged`]).
    pub fn sender(&self) -> Sender<Event> {
        self.sender.clone()
    }

    /// The first stop request (SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPWR)
    /// that arrived while no node was running, if any. Other signals
    /// arriving then are dropped: there is no node to give them to.
    pub fn pending_termination(&mut self) -> Option<i32> {
        while let Ok(event) = self.events.try_recv() {
            match event {
                Event::Signal(libc::SIGCHLD) => self.reap(),
                Event::Signal(signal) if self.node_pid.is_none() => {
                    if is_stop_request(signal) {
                        log::info!("received {} before the node started", signal_name(signal));
                        self.pending_stop.get_or_insert(signal);
                    } else {
                        log::debug!("ignoring {}: no node is running", signal_name(signal));
                    }
                }
                other => self.backlog.push_back(other),
            }
        }
        if self.pending_stop.is_none() && self.node_pid.is_none() {
            // The handler has run, but the signal thread may not have
            // passed the signal on yet.
            let signal = self.early_stop.load(Ordering::SeqCst) as i32;
            if signal != 0 {
                log::info!("received {} before the node started", signal_name(signal));
                self.pending_stop = Some(signal);
            }
        }
        self.pending_stop
    }

    /// Starts the node. Its stdin and environment are kubevali's; it runs in
    /// a process group of its own.
    pub fn spawn(&mut self, spec: &NodeSpec) -> Result<Node, SpawnError> {
        let Some(command_word) = spec.argv.first() else {
            return Err(SpawnError::NoCommand);
        };
        let command = command_word.to_string_lossy().into_owned();
        let program = resolve(&command, std::env::var_os("PATH").as_deref())?;
        let other = |reason| SpawnError::Other {
            command: command.clone(),
            reason,
        };

        let mut cmd = Command::new(&program);
        cmd.arg0(command_word)
            .args(&spec.argv[1..])
            .stdin(Stdio::inherit())
            .process_group(0);
        // SAFETY: reset_in_child only makes async-signal-safe system calls.
        unsafe { cmd.pre_exec(signals::reset_in_child) };

        let mut pumps = Vec::new();
        match &spec.heartbeat {
            None => {
                cmd.stdout(direct(spec.stdout, Stream::Stdout).map_err(other)?);
                cmd.stderr(direct(spec.stderr, Stream::Stderr).map_err(other)?);
            }
            Some(heartbeat) => {
                let (out_read, out_write) = logpipe::pipe().map_err(other)?;
                let (err_read, err_write) = logpipe::pipe().map_err(other)?;
                let out_sink = Arc::new(Sink::stdio(spec.stdout));
                let shared = spec.stdout == spec.stderr;
                let err_sink = if shared {
                    Arc::clone(&out_sink)
                } else {
                    Arc::new(Sink::stdio(spec.stderr))
                };
                let scanner =
                    |hb: &Arc<Heartbeat>| Some((Scanner::new(hb.keyword()), Arc::clone(hb)));
                // Started before the node, so that if starting it fails, the
                // write ends close with `cmd` and the pumps simply end.
                pumps.push(
                    Pump::start("stdout", out_read, out_sink, shared, scanner(heartbeat))
                        .map_err(other)?,
                );
                pumps.push(
                    Pump::start("stderr", err_read, err_sink, shared, scanner(heartbeat))
                        .map_err(other)?,
                );
                cmd.stdout(out_write).stderr(err_write);
            }
        }

        // From here on, stop requests reach the node through the channel.
        self.early_stop.store(0, Ordering::SeqCst);
        let child = cmd
            .spawn()
            .map_err(|err| spawn::classify(&command, &program, err))?;
        // The parent's copies of the pipes' write ends must close now, or
        // the pumps would never see end of file.
        drop(cmd);
        let pid = child.id() as i32;
        // Never waited for through std: `reap` collects every child.
        drop(child);

        self.node_pid = Some(pid);
        self.node_status = None;
        self.node_exit_reported = false;
        log::debug!("node started with pid {pid}");
        Ok(Node {
            pid,
            pumps,
            stop_requested: Cell::new(false),
        })
    }

    /// Waits for the next thing to act on. Reaps children as they end and
    /// reports only the node's own end, once.
    pub fn next_event(&mut self) -> Event {
        loop {
            if let Some(status) = self.unreported_exit() {
                return Event::NodeExited { status };
            }
            let event = match self.backlog.pop_front() {
                Some(event) => event,
                // `self.sender` keeps the channel open, so this cannot fail.
                None => self.events.recv().expect("event channel open"),
            };
            match event {
                Event::Signal(libc::SIGCHLD) => self.reap(),
                other => return other,
            }
        }
    }

    /// Passes `signal` on to the node, unless it has already ended.
    pub fn forward(&self, node: &Node, signal: i32) {
        if is_stop_request(signal) {
            node.stop_requested.set(true);
        }
        if self.node_pid != Some(node.pid) || self.node_status.is_some() {
            log::debug!("not forwarding {}: the node has ended", signal_name(signal));
            return;
        }
        log::debug!("forwarding {} to the node", signal_name(signal));
        // The pid is still ours: it has not been reaped.
        // SAFETY: kill with plain integers.
        if unsafe { libc::kill(node.pid, signal) } != 0 {
            log::warn!(
                "cannot send {} to the node: {}",
                signal_name(signal),
                io::Error::last_os_error()
            );
        }
    }

    /// Stops the node: sends `signal`, waits up to `timeout`, then SIGKILL;
    /// then drains its output. Signals arriving meanwhile still go to the
    /// node, and a stop request among them is kept for
    /// [`pending_termination`](Self::pending_termination), so that the
    /// caller starts nothing new; other events are kept for
    /// [`next_event`](Self::next_event).
    pub fn stop(&mut self, node: Node, signal: i32, timeout: Duration) -> NodeExit {
        node.stop_requested.set(true);
        // Only stop requests from now on count: one forwarded to the node
        // earlier (a SIGHUP it survived) must not end kubevali later.
        self.early_stop.store(0, Ordering::SeqCst);
        let status = match self.node_status {
            Some(status) => status,
            None => {
                self.forward(&node, signal);
                match self.wait_for_node(Some(Instant::now() + timeout), &node) {
                    Some(status) => status,
                    None => {
                        log::warn!(
                            "the node did not stop within {} of {}; sending SIGKILL",
                            crate::duration::display(timeout),
                            signal_name(signal)
                        );
                        self.forward(&node, libc::SIGKILL);
                        // SIGKILL cannot be refused; waiting without limit
                        // is the only way not to leave a zombie behind.
                        self.wait_for_node(None, &node).unwrap_or(libc::SIGKILL)
                    }
                }
            }
        };
        self.finish(node, status)
    }

    /// Completes the node's end after [`Event::NodeExited`]: passes on
    /// what is left of its output (see [`DRAIN_LINGER`], [`DRAIN_STALL`]).
    pub fn finish(&mut self, node: Node, status: i32) -> NodeExit {
        let exit = NodeExit::from_status(status, node.stop_requested.get());
        for outcome in logpipe::drain_all(&node.pumps, DRAIN_LINGER, DRAIN_STALL) {
            match outcome {
                logpipe::DrainOutcome::Complete => {}
                logpipe::DrainOutcome::StillOpen => log::warn!(
                    "a process the node left behind keeps its output open; not waiting for it"
                ),
                logpipe::DrainOutcome::Stalled => log::warn!(
                    "the node's output cannot be written (nothing read it for {DRAIN_STALL:?}); giving up on the rest"
                ),
            }
        }
        if self.node_pid == Some(node.pid) {
            self.node_pid = None;
            self.node_status = None;
            self.node_exit_reported = false;
        }
        exit
    }

    /// The whole life of a node without config reloading: starts it,
    /// forwards signals, and returns how it ended once its output is
    /// drained. A stop request that arrived before returns at once, as if
    /// the node had been killed by it, without starting anything.
    pub fn run(&mut self, spec: &NodeSpec) -> Result<NodeExit, SpawnError> {
        if let Some(signal) = self.pending_termination() {
            return Ok(NodeExit {
                code: 128 + signal,
                signal: Some(signal),
                stopped_by_us: true,
            });
        }
        let node = self.spawn(spec)?;
        loop {
            match self.next_event() {
                Event::Signal(signal) => self.forward(&node, signal),
                Event::NodeExited { status } => return Ok(self.finish(node, status)),
                Event::ConfigChanged => {}
            }
        }
    }

    fn unreported_exit(&mut self) -> Option<i32> {
        if self.node_exit_reported {
            return None;
        }
        let status = self.node_status?;
        self.node_exit_reported = true;
        Some(status)
    }

    /// Waits for the node's end until `deadline`, passing signals on to
    /// `node`; other events are kept.
    fn wait_for_node(&mut self, deadline: Option<Instant>, node: &Node) -> Option<i32> {
        loop {
            if let Some(status) = self.node_status {
                self.node_exit_reported = true;
                return Some(status);
            }
            let event = match deadline {
                None => self
                    .events
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
                Some(deadline) => self
                    .events
                    .recv_timeout(deadline.saturating_duration_since(Instant::now())),
            };
            match event {
                Ok(Event::Signal(libc::SIGCHLD)) => self.reap(),
                Ok(Event::Signal(signal)) => {
                    self.forward(node, signal);
                    if is_stop_request(signal) {
                        self.pending_stop.get_or_insert(signal);
                    }
                }
                Ok(other) => self.backlog.push_back(other),
                Err(_) => return None,
            }
        }
    }

    /// Collects every child that has ended, keeping the node's status.
    fn reap(&mut self) {
        loop {
            let mut status = 0;
            // SAFETY: waitpid writes one int.
            let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
            if pid > 0 {
                if Some(pid) == self.node_pid {
                    self.node_status = Some(status);
                } else {
                    log::debug!("reaped orphan {pid}");
                }
                continue;
            }
            if pid < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            // 0: children remain but none has ended; ECHILD: none at all.
            return;
        }
    }
}

fn unblock(signals: &[i32]) -> io::Result<()> {
    // SAFETY: sigset_t is plain data, initialised by sigemptyset.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &signal in signals {
            libc::sigaddset(&mut set, signal);
        }
        match libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) {
            0 => Ok(()),
            err => Err(io::Error::from_raw_os_error(err)),
        }
    }
}

/// The node's descriptor for a stream that goes to `target` when nothing
/// needs to see it: kubevali's own, shared, no copying.
fn direct(target: Stream, natural: Stream) -> io::Result<Stdio> {
    if target == natural {
        return Ok(Stdio::inherit());
    }
    let fd = match target {
        Stream::Stdout => io::stdout().as_fd().try_clone_to_owned()?,
        Stream::Stderr => io::stderr().as_fd().try_clone_to_owned()?,
    };
    Ok(Stdio::from(fd))
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
