//! The one door to the C library: every `unsafe` call kubevali makes lives
//! here, behind a safe function whose contract is stated once. Nothing
//! else in the crate calls `libc` functions directly (constants are fine).
//!
//! Calls fall into three groups: plain ones on descriptors and pids
//! (errors come back as `io::Error`), the signal handler for signals that
//! are forwarded only when another process sent them, and the child side
//! of starting the node ([`ChildSetup`]), which runs between `fork` and
//! `execve` and so makes only async-signal-safe system calls.

use std::ffi::{CString, OsString, c_int};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};

/// `Err(last_os_error)` when `rc` is -1 (or any negative value).
fn check(rc: c_int) -> io::Result<c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// Runs a read/write-like call until it gives an answer: again on EINTR,
/// and after waiting for `events` on `wait_on` on EAGAIN (our descriptors
/// are blocking, but a shared stdout may have had O_NONBLOCK set by
/// someone else).
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
                poll(wait_on, events, -1);
            }
            _ => return Err(err),
        }
    }
}

// ---------------------------------------------------------------------------
// Descriptors

/// `read(2)`, retried on EINTR. Ok(0) is end of file.
pub fn read(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    retry_io(fd, libc::POLLIN, || {
        // SAFETY: the pointer and length come from a live mutable slice.
        unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) }
    })
}

/// Reads exactly `buf.len()` bytes (they are known to be there).
pub fn read_exact(fd: RawFd, mut buf: &mut [u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match read(fd, buf)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => buf = &mut buf[n..],
        }
    }
    Ok(())
}

/// One `write(2)` (retried on EINTR and EAGAIN); returns how much went.
pub fn write(fd: RawFd, bytes: &[u8]) -> io::Result<usize> {
    retry_io(fd, libc::POLLOUT, || {
        // SAFETY: the pointer and length come from a live slice.
        unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) }
    })
}

/// `splice(2)` of up to `len` bytes from pipe `src` to pipe `dst`, moving
/// pages where it can; retried on EINTR and EAGAIN.
pub fn splice(src: RawFd, dst: RawFd, len: usize) -> io::Result<usize> {
    retry_io(dst, libc::POLLOUT, || {
        // SAFETY: plain descriptors; null offsets (pipes have none).
        unsafe {
            libc::splice(
                src,
                std::ptr::null_mut(),
                dst,
                std::ptr::null_mut(),
                len,
                libc::SPLICE_F_MOVE,
            )
        }
    })
}

/// `tee(2)` of up to `len` bytes, retried on EINTR. Ok(0) is end of file.
pub fn tee(src: RawFd, dst: RawFd, len: usize) -> io::Result<usize> {
    retry_io(src, libc::POLLIN, || {
        // SAFETY: plain descriptors and a length.
        unsafe { libc::tee(src, dst, len, 0) }
    })
}

/// Waits until `fd` is ready for `events` or `timeout_ms` passes (-1: no
/// limit); true if ready.
pub fn poll(fd: RawFd, events: libc::c_short, timeout_ms: c_int) -> bool {
    let mut pfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    loop {
        // SAFETY: one valid pollfd, and a count of one.
        let n = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
        if n >= 0 {
            return n > 0;
        }
        if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return false;
        }
    }
}

/// `poll(2)` over several descriptors: how many are ready, or the error
/// (EINTR included, for the caller to decide).
pub fn poll_many(fds: &mut [libc::pollfd], timeout_ms: c_int) -> io::Result<usize> {
    let count = libc::nfds_t::try_from(fds.len()).unwrap_or(libc::nfds_t::MAX);
    // SAFETY: `fds` is a valid, writable array of at least `count` pollfds.
    let ready = unsafe { libc::poll(fds.as_mut_ptr(), count, timeout_ms) };
    check(ready).map(|n| n as usize)
}

/// The soft stack size limit (`RLIMIT_STACK`) in bytes; `usize::MAX` when
/// unlimited, None when it cannot be read.
pub fn stack_limit() -> Option<usize> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit for the call.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut limit) };
    (rc == 0).then(|| usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX))
}

/// Whether `fd` is an open descriptor.
pub fn fd_is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD only asks about the descriptor; no memory is involved.
    unsafe { libc::fcntl(fd, libc::F_GETFD) != -1 }
}

/// A close-on-exec pipe as (read end, write end).
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as c_int; 2];
    // SAFETY: pipe2 fills two descriptors on success.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: both descriptors are fresh and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The capacity of the pipe `fd`; None if it is not a pipe.
pub fn pipe_size(fd: RawFd) -> Option<usize> {
    // SAFETY: fcntl on a descriptor number; no memory involved.
    let size = unsafe { libc::fcntl(fd, libc::F_GETPIPE_SZ) };
    usize::try_from(size).ok().filter(|&size| size > 0)
}

/// Asks for the pipe `fd` to hold `size` bytes; the kernel may refuse.
pub fn set_pipe_size(fd: RawFd, size: usize) -> io::Result<()> {
    let size = c_int::try_from(size).unwrap_or(c_int::MAX);
    // SAFETY: fcntl on a descriptor number; no memory involved.
    check(unsafe { libc::fcntl(fd, libc::F_SETPIPE_SZ, size) }).map(drop)
}

/// Bytes waiting to be read from `fd` (FIONREAD); 0 if unknown.
pub fn bytes_readable(fd: RawFd) -> u64 {
    let mut n: c_int = 0;
    // SAFETY: FIONREAD writes one int to the pointer given.
    if unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) } == 0 {
        u64::try_from(n).unwrap_or(0)
    } else {
        0
    }
}

/// Whether kubevali's user may execute `path` (`access(X_OK)`): unlike
/// mode bits, it knows root, ACLs and noexec mounts the way exec does.
pub fn executable(path: &Path) -> io::Result<()> {
    let c_path = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from_raw_os_error(libc::ENOENT))?;
    // SAFETY: a valid NUL-terminated path.
    check(unsafe { libc::access(c_path.as_ptr(), libc::X_OK) }).map(drop)
}

/// Fills `buf` from the kernel's random generator; false if it could not
/// (then `buf` holds no randomness).
pub fn random_bytes(buf: &mut [u8]) -> bool {
    // SAFETY: the pointer and length come from a live mutable slice.
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    usize::try_from(n).is_ok_and(|n| n == buf.len())
}

/// The lowest address of the calling thread's stack, when the platform
/// tells (for bounding recursion by the stack that is really left).
pub fn thread_stack_low() -> Option<usize> {
    // SAFETY: `attr` is initialised by pthread_getattr_np before it is read
    // and destroyed afterwards; the out-pointers are valid locals.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let rc = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        (rc == 0).then_some(addr as usize)
    }
}

// ---------------------------------------------------------------------------
// Processes

/// Gives glibc's malloc one arena for all threads. Call it before any
/// thread exists.
pub fn one_malloc_arena() {
    #[cfg(target_env = "gnu")]
    // SAFETY: a plain setting with integer arguments.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Makes kubevali a child subreaper: processes the node leaves behind
/// become kubevali's children instead of init's.
pub fn become_subreaper() -> io::Result<()> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }).map(drop)
}

/// `kill(2)`.
pub fn kill(pid: i32, signal: i32) -> io::Result<()> {
    // SAFETY: kill with plain integers.
    check(unsafe { libc::kill(pid, signal) }).map(drop)
}

/// One ended child and its raw wait status, without blocking; None when
/// no child has ended (or there are none).
pub fn reap_one() -> Option<(i32, i32)> {
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes one int through the pointer given.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid > 0 {
            return Some((pid, status));
        }
        if pid < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        return None;
    }
}

/// How a process ended, from a raw wait status: `Err(signal)` when a
/// signal killed it, else `Ok(exit code)`.
pub fn decode_wait_status(status: i32) -> Result<i32, i32> {
    if libc::WIFSIGNALED(status) {
        Err(libc::WTERMSIG(status))
    } else {
        Ok(libc::WEXITSTATUS(status))
    }
}

fn sigset(signals: &[i32]) -> libc::sigset_t {
    // SAFETY: sigset_t is plain data; sigemptyset initialises it, and
    // sigaddset only fails for numbers out of range, which are skipped.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &signal in signals {
            libc::sigaddset(&mut set, signal);
        }
        set
    }
}

/// Unblocks `signals` in the calling thread (and so in threads it starts).
pub fn unblock_signals(signals: &[i32]) -> io::Result<()> {
    let set = sigset(signals);
    // SAFETY: a valid, initialised set; the old mask is not asked for.
    match unsafe { libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) } {
        0 => Ok(()),
        err => Err(io::Error::from_raw_os_error(err)),
    }
}

// ---------------------------------------------------------------------------
// The terminal

/// Whether `fd` is a terminal whose foreground process group is
/// kubevali's own: only then may kubevali hand it to the node.
pub fn owns_terminal_foreground(fd: RawFd) -> bool {
    // SAFETY: plain calls on a descriptor number and the own process.
    unsafe { libc::isatty(fd) == 1 && libc::tcgetpgrp(fd) == libc::getpgrp() }
}

/// Makes kubevali's own process group the foreground of the terminal `fd`
/// again. SIGTTOU, which the kernel sends to a background group that
/// does this, is blocked in this thread meanwhile (a blocked SIGTTOU lets
/// the call through).
pub fn take_terminal_foreground(fd: RawFd) -> io::Result<()> {
    let ttou = sigset(&[libc::SIGTTOU]);
    // SAFETY: sigset_t is plain data, filled in by pthread_sigmask.
    let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: valid sets; the old mask is written to `old`.
    unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &ttou, &mut old) };
    // SAFETY: plain calls on a descriptor number and the own process.
    let rc = unsafe { libc::tcsetpgrp(fd, libc::getpgrp()) };
    let result = check(rc).map(drop);
    // SAFETY: restores the mask saved above.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
    result
}

// ---------------------------------------------------------------------------
// Signals forwarded only when sent

/// Where the handler writes the number of a signal to forward; -1 until set.
static SENT_SIGNALS: AtomicI32 = AtomicI32::new(-1);
/// kubevali's pid, so that a signal it sent itself (`abort`, SIGPIPE from
/// its own write) is told apart from one sent by another process.
static OWN_PID: AtomicI32 = AtomicI32::new(0);
/// The handlers that were in place before, restored for a real fault (so
/// that Rust's stack-overflow report still works).
static PREVIOUS: OnceLock<Vec<(c_int, libc::sigaction)>> = OnceLock::new();

/// Installs a handler for `signals` that, for a signal another process
/// sent, writes its number to a pipe and returns the pipe's read end. A
/// signal the kernel raised for kubevali's own fault (or kubevali sent
/// itself) puts the earlier handler back and takes its course: a fault
/// stays fatal. SIGPIPE from kubevali's own write is dropped (the write
/// fails with EPIPE instead). Call once.
pub fn forward_when_sent(signals: &[i32]) -> io::Result<OwnedFd> {
    let (read, write) = pipe()?;
    // A full pipe drops the signal instead of blocking the handler.
    // SAFETY: fcntl flags on a descriptor we own.
    check(unsafe { libc::fcntl(write.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) })?;
    OWN_PID.store(std::process::id() as i32, Ordering::SeqCst);
    let mut previous = Vec::with_capacity(signals.len());
    for &signal in signals {
        // SAFETY: sigaction is plain data; the kernel fills it in.
        let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
        // SAFETY: reads the current action into `old`.
        check(unsafe { libc::sigaction(signal, std::ptr::null(), &mut old) })?;
        previous.push((signal, old));
    }
    if PREVIOUS.set(previous).is_err() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the forwarding handler is installed already",
        ));
    }
    SENT_SIGNALS.store(write.as_raw_fd(), Ordering::SeqCst);
    // The write end lives as long as the process; the handler may use it
    // at any time.
    std::mem::forget(write);
    for &signal in signals {
        // SAFETY: sigaction is plain data; every field is set below.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = on_sent_signal as *const () as usize;
        // SA_ONSTACK: a stack overflow must still find a stack to run on.
        action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART | libc::SA_ONSTACK;
        // SAFETY: the handler below makes only async-signal-safe calls.
        check(unsafe { libc::sigaction(signal, &action, std::ptr::null_mut()) })?;
    }
    Ok(read)
}

extern "C" fn on_sent_signal(signal: c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: errno is thread-local; the handler must leave it as found.
    let errno = unsafe { *libc::__errno_location() };
    // SAFETY: the kernel passes a valid siginfo with SA_SIGINFO.
    let (code, sender) = unsafe { ((*info).si_code, (*info).si_pid()) };
    // SI_USER, SI_QUEUE, SI_TKILL and the like are all <= 0; the kernel's
    // own reasons (a fault, a seccomp trap) are positive.
    let sent_by_another = code <= 0 && sender != OWN_PID.load(Ordering::Relaxed);
    if sent_by_another {
        let byte = [signal as u8];
        // SAFETY: write(2) is async-signal-safe; a failure loses the signal.
        unsafe {
            libc::write(
                SENT_SIGNALS.load(Ordering::Relaxed),
                byte.as_ptr().cast(),
                1,
            )
        };
    } else if signal != libc::SIGPIPE {
        let previous = PREVIOUS
            .get()
            .and_then(|all| all.iter().find(|(s, _)| *s == signal));
        if let Some((_, old)) = previous {
            // SAFETY: sigaction is async-signal-safe; `old` was valid once.
            unsafe { libc::sigaction(signal, old, std::ptr::null_mut()) };
        }
        let re_executes = matches!(
            signal,
            libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE
        ) && code > 0;
        if !re_executes {
            // Not a fault that happens again on return: raise it anew, to
            // be delivered (fatally) once this handler returns.
            // SAFETY: raise is async-signal-safe.
            unsafe { libc::raise(signal) };
        }
    }
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = errno };
}

// ---------------------------------------------------------------------------
// Starting the node

/// Everything the child needs between `fork` and `execve`, made before
/// the fork: the child must not allocate.
pub struct ChildSetup {
    program: CString,
    /// Owned strings behind `argv_ptrs` and `envp_ptrs`.
    _strings: Vec<CString>,
    argv_ptrs: Vec<*const libc::c_char>,
    envp_ptrs: Vec<*const libc::c_char>,
    parent: i32,
    take_terminal: Option<RawFd>,
}

// SAFETY: the raw pointers point into `_strings`, which the struct owns
// and never changes; they are only read.
unsafe impl Send for ChildSetup {}
// SAFETY: as above; shared access only reads.
unsafe impl Sync for ChildSetup {}

/// A word that cannot be passed to `execve`: it holds a NUL byte.
#[derive(Debug)]
pub struct NulInWord {
    pub index: usize,
}

impl ChildSetup {
    /// Makes `cmd` run this setup in its child instead of its own exec:
    /// std still does the fork, the stdio wiring, the process group and
    /// reporting a failed exec back to the parent.
    pub fn install(self, cmd: &mut std::process::Command) {
        use std::os::unix::process::CommandExt;
        // SAFETY: `exec` makes only async-signal-safe system calls and does
        // not allocate; it returns only if execve failed.
        unsafe { cmd.pre_exec(move || Err(self.exec())) };
    }

    /// `program` run with `argv` (argv[0] included) and the environment
    /// given. `take_terminal`: a terminal whose foreground the node's
    /// process group takes.
    pub fn new(
        program: &Path,
        argv: &[OsString],
        env: impl IntoIterator<Item = (OsString, OsString)>,
        take_terminal: Option<RawFd>,
    ) -> Result<ChildSetup, NulInWord> {
        let program =
            CString::new(program.as_os_str().as_bytes()).map_err(|_| NulInWord { index: 0 })?;
        let mut strings = Vec::with_capacity(argv.len());
        for (index, word) in argv.iter().enumerate() {
            strings.push(CString::new(word.as_bytes()).map_err(|_| NulInWord { index })?);
        }
        let argc = strings.len();
        for (name, value) in env {
            let mut entry = name.into_vec();
            entry.push(b'=');
            entry.extend_from_slice(value.as_bytes());
            // A variable with a NUL cannot exist in a real environment.
            if let Ok(entry) = CString::new(entry) {
                strings.push(entry);
            }
        }
        let pointers = |words: &[CString]| {
            let mut ptrs: Vec<_> = words.iter().map(|w| w.as_ptr()).collect();
            ptrs.push(std::ptr::null());
            ptrs
        };
        let argv_ptrs = pointers(&strings[..argc]);
        let envp_ptrs = pointers(&strings[argc..]);
        Ok(ChildSetup {
            program,
            _strings: strings,
            argv_ptrs,
            envp_ptrs,
            parent: std::process::id() as i32,
            take_terminal,
        })
    }

    /// In the child, after `fork` (and after std has set up its stdio and
    /// process group): takes the terminal's foreground, arranges SIGKILL
    /// on the parent's death, resets every signal, and `execve`s. Returns
    /// only on failure, with the error to report. Async-signal-safe.
    fn exec(&self) -> io::Error {
        if let Some(tty) = self.take_terminal {
            // With SIGTTOU blocked, a background group may take the
            // foreground; reset_signals unblocks it again.
            let ttou: u64 = 1 << (libc::SIGTTOU - 1);
            // SAFETY: raw syscalls with valid pointers to plain data.
            unsafe {
                raw_sigprocmask(libc::SIG_BLOCK, ttou);
                libc::tcsetpgrp(tty, libc::getpid());
            }
        }
        // SAFETY: prctl with integer arguments only.
        if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) } != 0 {
            return io::Error::last_os_error();
        }
        // kubevali may have died before the prctl: then nobody would ever
        // send the signal.
        // SAFETY: getppid cannot fail.
        if unsafe { libc::getppid() } != self.parent {
            // SAFETY: _exit is async-signal-safe; nobody waits for us.
            unsafe { libc::_exit(127) };
        }
        if let Err(err) = reset_signals() {
            return err;
        }
        // SAFETY: NUL-terminated strings and null-terminated pointer
        // arrays, all owned by `self`.
        unsafe {
            libc::execve(
                self.program.as_ptr(),
                self.argv_ptrs.as_ptr(),
                self.envp_ptrs.as_ptr(),
            )
        };
        io::Error::last_os_error()
    }
}

/// Highest signal number of the kernel's signal set (x86-64, arm64).
const KERNEL_SIGMAX: i32 = 64;

/// `rt_sigprocmask` with a kernel-sized (64-bit) set.
///
/// # Safety
/// Only async-signal-safe; changes the calling thread's mask.
unsafe fn raw_sigprocmask(how: c_int, set: u64) -> libc::c_long {
    // SAFETY: a valid pointer to plain data; the old set is not asked for.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            how,
            &set as *const u64,
            std::ptr::null_mut::<u64>(),
            std::mem::size_of::<u64>(),
        )
    }
}

/// Every disposition back to the default and nothing blocked. Raw
/// syscalls, because the C library's wrappers refuse its own reserved
/// signals (glibc's posix_spawn leaves SIGCANCEL and SIGSETXID ignored in
/// the child; the node should not inherit that either).
fn reset_signals() -> io::Result<()> {
    // The kernel's struct sigaction, all zero: SIG_DFL, no flags, empty
    // mask; big enough for every layout of it.
    let default_action = [0u64; 4];
    for signal in 1..=KERNEL_SIGMAX {
        if signal == libc::SIGKILL || signal == libc::SIGSTOP {
            continue;
        }
        // SAFETY: valid pointers to plain data; the old action is not asked for.
        unsafe {
            libc::syscall(
                libc::SYS_rt_sigaction,
                signal,
                default_action.as_ptr(),
                std::ptr::null_mut::<u64>(),
                std::mem::size_of::<u64>(),
            )
        };
    }
    // SAFETY: async-signal-safe, in the child.
    if unsafe { raw_sigprocmask(libc::SIG_SETMASK, 0) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A TCP listener on `[::]:port` that takes IPv4 connections too
/// (IPV6_V6ONLY off, whatever the system's default), with SO_REUSEADDR as
/// std sets it for its own listeners.
pub fn listen_dual_stack(port: u16) -> io::Result<std::net::TcpListener> {
    let last_error = io::Error::last_os_error;
    // SAFETY: socket(2) with constant arguments; the descriptor is owned
    // from here on.
    let fd = unsafe { libc::socket(libc::AF_INET6, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(last_error());
    }
    // SAFETY: a fresh descriptor nobody else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let set = |level, option, value: libc::c_int| {
        // SAFETY: the option value is one int, as both options expect.
        let rc = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                level,
                option,
                (&raw const value).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc == 0 { Ok(()) } else { Err(last_error()) }
    };
    set(libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, 0)?;
    // As std does for its listeners: a restarted kubevali can bind again
    // while old connections linger in TIME_WAIT.
    set(libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
    // SAFETY: sockaddr_in6 is plain data; all zeroes is the any-address.
    let mut addr: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
    addr.sin6_family = libc::AF_INET6 as libc::sa_family_t;
    addr.sin6_port = port.to_be();
    // SAFETY: a valid sockaddr_in6 and its size.
    let rc = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&raw const addr).cast(),
            std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(last_error());
    }
    // SAFETY: listen(2) on our own socket.
    if unsafe { libc::listen(fd.as_raw_fd(), 128) } != 0 {
        return Err(last_error());
    }
    Ok(std::net::TcpListener::from(fd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_statuses_decode() {
        assert_eq!(decode_wait_status(42 << 8), Ok(42));
        assert_eq!(decode_wait_status(libc::SIGKILL), Err(libc::SIGKILL));
        assert_eq!(decode_wait_status(libc::SIGSEGV | 0x80), Err(libc::SIGSEGV));
    }

    #[test]
    fn pipes_carry_bytes_and_report_what_waits() {
        let (r, w) = pipe().expect("pipe");
        assert_eq!(write(w.as_raw_fd(), b"hello").expect("write"), 5);
        assert_eq!(bytes_readable(r.as_raw_fd()), 5);
        assert!(poll(r.as_raw_fd(), libc::POLLIN, 0));
        let mut buf = [0u8; 8];
        assert_eq!(read(r.as_raw_fd(), &mut buf).expect("read"), 5);
        assert_eq!(&buf[..5], b"hello");
        assert!(pipe_size(r.as_raw_fd()).is_some());
        assert!(!poll(r.as_raw_fd(), libc::POLLIN, 0));
    }

    #[test]
    fn a_nul_in_a_word_is_refused_with_its_index() {
        let argv = [OsString::from("node"), OsString::from("a\0b")];
        let err = ChildSetup::new(Path::new("/bin/true"), &argv, [], None)
            .err()
            .expect("refused");
        assert_eq!(err.index, 1);
    }
}
