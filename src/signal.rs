//! Signal names and numbers, and which signals kubevali passes on to the
//! node. A leaf: `config` parses `stopSignal` with it and `supervisor`
//! forwards by it, and it imports neither.

/// Signals forwarded to the node whenever they arrive, besides the
/// real-time ones (see [`forwarded`]).
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

/// Signals that are forwarded only when another process sent them (with
/// `kill`, `tkill` or `sigqueue`). The kernel also raises these for
/// kubevali's own faults (a bad memory access, a failed `abort`, a write to
/// a closed pipe); such a signal is never passed on: a fault stays fatal to
/// kubevali (and the node dies with it by its parent-death signal), and a
/// SIGPIPE from kubevali's own write is only the EPIPE error the log pumps
/// already handle.
pub const FORWARDED_WHEN_SENT: &[i32] = &[
    libc::SIGABRT,
    libc::SIGBUS,
    libc::SIGFPE,
    libc::SIGILL,
    libc::SIGPIPE,
    libc::SIGSEGV,
    libc::SIGSYS,
    libc::SIGTRAP,
];

/// Every signal that reaches the node through a plain handler:
/// [`FORWARDED`] and the real-time signals the C library leaves to
/// applications. SIGKILL and SIGSTOP cannot be caught, and SIGCHLD tells
/// kubevali to reap; those three are never forwarded.
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

/// The exit status of a process killed by `signal`, as shells report it:
/// 128+N. kubevali exits with it when the node was killed, and when a stop
/// request came before the node started.
pub fn exit_code(signal: i32) -> i32 {
    128 + signal
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
    fn every_catchable_signal_but_sigchld_is_forwarded_one_way_or_the_other() {
        let plain = forwarded();
        for never in [libc::SIGKILL, libc::SIGSTOP, libc::SIGCHLD] {
            assert!(!plain.contains(&never), "{}", name(never));
            assert!(!FORWARDED_WHEN_SENT.contains(&never), "{}", name(never));
        }
        for signal in 1..=libc::SIGRTMAX() {
            if [libc::SIGKILL, libc::SIGSTOP, libc::SIGCHLD].contains(&signal)
                || (32..libc::SIGRTMIN()).contains(&signal)
            {
                continue;
            }
            let ways = usize::from(plain.contains(&signal))
                + usize::from(FORWARDED_WHEN_SENT.contains(&signal));
            assert_eq!(ways, 1, "{}", name(signal));
        }
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
