//! Which signals kubevali passes on to the node, and their names.

/// Signals forwarded to the node as they arrive, besides the real-time ones
/// (see [`forwarded`]). Left out, and why:
/// - SIGKILL, SIGSTOP: cannot be caught.
/// - SIGCHLD: tells kubevali to reap; the node has no use for it.
/// - SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS: raised by a
///   fault in kubevali itself; passing them on would only hide the fault.
/// - SIGPIPE: kubevali ignores it so that writing to a stdout nobody reads
///   any more is an error (EPIPE) the log pumps handle, not its death. A
///   SIGPIPE is nearly always caused by kubevali's own write; forwarding it
///   would kill the node for kubevali's broken output.
pub const FORWARDED: &[i32] = &[
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGALRM,
    libc::SIGTERM,
    libc::SIGSTKFLT,
    libc::SIGCONT,
    libc::SIGTSTP,
    libc::SIGTTIN,
    libc::SIGTTOU,
    libc::SIGURG,
    libc::SIGXCPU,
    libc::SIGXFSZ,
    libc::SIGVTALRM,
    libc::SIGPROF,
    libc::SIGWINCH,
    libc::SIGIO,
    libc::SIGPWR,
];

/// Every signal kubevali forwards: [`FORWARDED`] and the real-time signals
/// the C library leaves to applications.
pub fn forwarded() -> Vec<i32> {
    let mut all = FORWARDED.to_vec();
    all.extend(libc::SIGRTMIN()..=libc::SIGRTMAX());
    all
}

/// Signals that ask a process to stop: one of these arriving before the
/// node has started makes kubevali exit instead of starting it, and one
/// forwarded to the node marks its exit as requested (no failure ping).
pub fn is_stop_request(signal: i32) -> bool {
    STOP_REQUESTS.contains(&signal)
}

/// See [`is_stop_request`].
pub const STOP_REQUESTS: &[i32] = &[
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGPWR,
];

/// Highest signal number of the kernel's signal set (x86-64, arm64).
const KERNEL_SIGMAX: i32 = 64;

/// In the child, between fork and exec: every disposition back to the
/// default and nothing blocked. Raw syscalls, because the C library's
/// wrappers refuse its own reserved signals (glibc's posix_spawn leaves
/// SIGCANCEL and SIGSETXID ignored in the child; the node should not
/// inherit that either).
///
/// Only async-signal-safe system calls.
pub fn reset_in_child() -> std::io::Result<()> {
    // The kernel's struct sigaction, all zero: SIG_DFL, no flags, empty
    // mask; big enough for every layout of it.
    let default_action = [0u64; 4];
    let empty_set: u64 = 0;
    let set_size = std::mem::size_of::<u64>();
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
                set_size,
            )
        };
    }
    // SAFETY: as above.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &empty_set as *const u64,
            std::ptr::null_mut::<u64>(),
            set_size,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// "SIGTERM", "SIGRTMIN+2", or "signal 99".
pub fn name(signal: i32) -> String {
    if let Some(name) = signal_hook::low_level::signal_name(signal) {
        return name.to_owned();
    }
    let (min, max) = (libc::SIGRTMIN(), libc::SIGRTMAX());
    if (min..=max).contains(&signal) {
        return format!("SIGRTMIN+{}", signal - min);
    }
    format!("signal {signal}")
}

/// Parses "SIGTERM", "TERM", "term", "15" or "SIGRTMIN+2" into a signal
/// number; None if it names no signal.
pub fn parse(text: &str) -> Option<i32> {
    let text = text.trim();
    if let Ok(number) = text.parse::<i32>() {
        return (1..=libc::SIGRTMAX()).contains(&number).then_some(number);
    }
    let upper = text.to_ascii_uppercase();
    let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
    if let Some(offset) = bare.strip_prefix("RTMIN+") {
        let offset: i32 = offset.parse().ok()?;
        let signal = libc::SIGRTMIN().checked_add(offset)?;
        return (signal <= libc::SIGRTMAX()).then_some(signal);
    }
    (1..libc::SIGRTMIN()).find(|&signal| {
        signal_hook::low_level::signal_name(signal)
            .is_some_and(|name| name.strip_prefix("SIG") == Some(bare))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwards_no_fault_or_reaping_signal() {
        let all = forwarded();
        for never in [
            libc::SIGKILL,
            libc::SIGSTOP,
            libc::SIGCHLD,
            libc::SIGPIPE,
            libc::SIGSEGV,
            libc::SIGBUS,
            libc::SIGILL,
            libc::SIGFPE,
            libc::SIGABRT,
            libc::SIGTRAP,
            libc::SIGSYS,
        ] {
            assert!(!all.contains(&never), "{}", name(never));
        }
        assert!(all.contains(&libc::SIGTERM));
        assert!(all.contains(&libc::SIGRTMAX()));
    }

    #[test]
    fn names_and_parses_signals() {
        assert_eq!(name(libc::SIGTERM), "SIGTERM");
        assert_eq!(name(libc::SIGRTMIN() + 2), "SIGRTMIN+2");
        assert_eq!(parse("SIGTERM"), Some(libc::SIGTERM));
        assert_eq!(parse("int"), Some(libc::SIGINT));
        assert_eq!(parse("9"), Some(libc::SIGKILL));
        assert_eq!(parse("SIGRTMIN+2"), Some(libc::SIGRTMIN() + 2));
        assert_eq!(parse("SIGNOPE"), None);
        assert_eq!(parse("0"), None);
        assert_eq!(parse("SIGRTMIN+99"), None);
    }
}
