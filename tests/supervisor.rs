//! kubevali as the node's parent: spawning, exit codes, signals, reaping.
//! Everything runs the real binary with real processes.

mod support;

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use kubevali::signal::{FORWARDED, FORWARDED_WHEN_SENT, name as signal_name};
use support::*;

/// A node that records which signal it got and exits 100+N for signal N,
/// once it has written `ready` (its trap is installed by then).
fn trapping_node(dir: &Scratch, signal: i32) -> Vec<String> {
    let got = dir.join("got");
    let ready = dir.join("ready");
    vec![
        "sh".into(),
        "-c".into(),
        format!(
            "trap 'echo {signal} > {got}; exit {code}' {signal}; : > {ready}; while :; do sleep 0.05; done",
            got = got.display(),
            ready = ready.display(),
            code = 100 + signal,
        ),
    ]
}

fn start(dir: &Scratch, command: &[&str], options: &Options) -> Guard {
    let config = dir.config(&node_config(command, options));
    kubevali(&config).spawn_guarded()
}

#[test]
fn every_forwarded_signal_reaches_the_node() {
    let mut signals: Vec<i32> = FORWARDED.to_vec();
    // Sent by `kill`, the fault signals are forwarded too.
    signals.extend(FORWARDED_WHEN_SENT);
    signals.extend([libc::SIGRTMIN(), libc::SIGRTMIN() + 3, libc::SIGRTMAX()]);
    // All at once: each waits for its node's trap anyway.
    let runs: Vec<(i32, Scratch, Guard)> = signals
        .iter()
        .map(|&signal| {
            let dir = Scratch::new(&format!("signal-{signal}"));
            let command = trapping_node(&dir, signal);
            let words: Vec<&str> = command.iter().map(String::as_str).collect();
            let child = start(&dir, &words, &Options::default());
            (signal, dir, child)
        })
        .collect();
    for (signal, dir, mut child) in runs {
        wait_for_file(&dir.join("ready"));
        send(child.id(), signal);
        let status = wait(&mut child);
        let name = signal_name(signal);
        assert_eq!(code(status), 100 + signal, "{name}");
        let got = std::fs::read_to_string(dir.join("got")).unwrap_or_default();
        assert_eq!(got.trim(), signal.to_string(), "{name}");
    }
}

#[test]
fn signals_reach_the_node_when_output_passes_through() {
    let dir = Scratch::new("signal-passthrough");
    let command = trapping_node(&dir, libc::SIGTERM);
    let words: Vec<&str> = command.iter().map(String::as_str).collect();
    let options = Options {
        keyword: Some("Prepared block"),
        ..Options::default()
    };
    let mut child = start(&dir, &words, &options);
    wait_for_file(&dir.join("ready"));
    send(child.id(), libc::SIGTERM);
    assert_eq!(code(wait(&mut child)), 100 + libc::SIGTERM);
}

#[test]
fn node_killed_by_sigkill_gives_137() {
    let dir = Scratch::new("sigkill");
    let mut child = start(&dir, &sh("kill -KILL $$"), &Options::default());
    assert_eq!(code(wait(&mut child)), 137);
}

#[test]
fn untrapped_sigterm_gives_143() {
    let dir = Scratch::new("sigterm");
    let ready = dir.join("ready");
    let script = format!(": > {}; while :; do sleep 0.05; done", ready.display());
    let mut child = start(&dir, &sh(&script), &Options::default());
    wait_for_file(&ready);
    send(child.id(), libc::SIGTERM);
    assert_eq!(code(wait(&mut child)), 143);
}

#[test]
fn exit_codes_pass_through() {
    for exit in [0, 1, 3, 42, 255] {
        let dir = Scratch::new(&format!("exit-{exit}"));
        let mut child = start(&dir, &sh(&format!("exit {exit}")), &Options::default());
        assert_eq!(code(wait(&mut child)), exit);
        let options = Options {
            keyword: Some("x"),
            ..Options::default()
        };
        let mut child = start(&dir, &sh(&format!("exit {exit}")), &options);
        assert_eq!(code(wait(&mut child)), exit, "with watchlog");
    }
}

#[test]
fn command_not_found_gives_127_naming_command_and_path() {
    let dir = Scratch::new("not-found");
    let config = dir.config(&node_config(
        &["no-such-node-xyz", "--flag"],
        &Options::default(),
    ));
    let search = format!("{}:/nonexistent-dir", dir.dir.display());
    let output = kubevali(&config)
        .env("PATH", &search)
        .stdin(Stdio::null())
        .output()
        .expect("run kubevali");
    assert_eq!(output.status.code(), Some(127));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("\"no-such-node-xyz\" not found"),
        "{stderr}"
    );
    assert!(stderr.contains(&search), "{stderr}");
}

#[test]
fn command_not_executable_gives_126() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Scratch::new("not-executable");
    let program = dir.join("node");
    std::fs::write(&program, "#!/bin/sh\necho hi\n").expect("write");
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let by_path = program.display().to_string();
    for (command, path_var) in [(by_path.as_str(), None), ("node", Some(&dir.dir))] {
        let config = dir.config(&node_config(&[command], &Options::default()));
        let mut cmd = kubevali(&config);
        if let Some(path_var) = path_var {
            cmd.env("PATH", path_var);
        }
        let output = cmd.output().expect("run kubevali");
        assert_eq!(output.status.code(), Some(126), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("not executable"), "{stderr}");
        assert!(stderr.contains(&by_path), "{stderr}");
    }
}

#[test]
fn missing_interpreter_gives_127() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Scratch::new("interpreter");
    let program = dir.join("node");
    std::fs::write(&program, "#!/nonexistent/interpreter\n").expect("write");
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let config = dir.config(&node_config(
        &[&program.display().to_string()],
        &Options::default(),
    ));
    let output = kubevali(&config).output().expect("run kubevali");
    assert_eq!(output.status.code(), Some(127));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("interpreter"), "{stderr}");
}

/// The config is a FIFO, so kubevali is stuck reading it, after installing
/// its signal handlers, until the test has sent SIGTERM.
#[test]
fn stop_request_before_the_node_starts_is_kept() {
    let dir = Scratch::new("early-term");
    let started = dir.join("started");
    // The config must be a regular file (a FIFO is refused), so the hold
    // before the node starts is a slow render (3.6M template steps, about
    // 0.5 s in a debug build).
    let script = format!(": > {}", started.display());
    let slow_index = "index: \"{{ range until 60000 }}{{ range until 60 }}{{ end }}{{ end }}0\"";
    let yaml = node_config(&sh(&script), &Options::default()).replace("index: \"0\"", slow_index);
    let config = dir.config(&yaml);
    let mut child = kubevali(&config).spawn_guarded();
    let pid = child.id();
    wait_until("kubevali to catch SIGTERM", || catches(pid, libc::SIGTERM));
    send(pid, libc::SIGTERM);
    assert_eq!(code(wait(&mut child)), 143);
    assert!(!started.exists(), "the node was started anyway");
}

/// Starts `cmd` with SIGINT ignored and SIGTERM blocked, as a careless
/// parent might leave them.
fn with_messy_signal_state(cmd: &mut Command) -> &mut Command {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_IGN);
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGTERM);
            libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            Ok(())
        })
    }
}

/// Whatever kubevali inherited, the node starts with no signal blocked or
/// ignored (grep, as the node, reports its own state).
#[test]
fn node_starts_with_clean_signal_state() {
    for keyword in [None, Some("x")] {
        let dir = Scratch::new("sigstate");
        let options = Options {
            keyword,
            ..Options::default()
        };
        let node = ["grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"];
        let config = dir.config(&node_config(&node, &options));
        let output = with_messy_signal_state(&mut kubevali(&config))
            .output()
            .expect("run kubevali");
        assert_eq!(output.status.code(), Some(0), "{keyword:?}");
        let report = String::from_utf8_lossy(&output.stdout);
        assert_eq!(report.lines().count(), 2, "{report}");
        for line in report.lines() {
            let (name, mask) = line.split_once(':').expect("field");
            assert_eq!(
                mask.trim(),
                "0000000000000000",
                "{name} of the node ({keyword:?})"
            );
        }
    }
}

/// A SIGTERM kubevali inherited blocked is still caught and forwarded.
#[test]
fn inherited_blocked_sigterm_is_still_forwarded() {
    let dir = Scratch::new("blocked-term");
    let ready = dir.join("ready");
    let script = format!(": > {}; exec sleep 30", ready.display());
    let config = dir.config(&node_config(&sh(&script), &Options::default()));
    let mut child = with_messy_signal_state(&mut kubevali(&config)).spawn_guarded();
    wait_for_file(&ready);
    send(child.id(), libc::SIGTERM);
    assert_eq!(code(wait(&mut child)), 143);
}

/// SIGTSTP is forwarded, and kubevali does not stop itself on it.
#[test]
fn sigtstp_stops_the_node_not_kubevali() {
    let dir = Scratch::new("tstp");
    let ready = dir.join("ready");
    let script = format!(": > {}; exec sleep 30", ready.display());
    let mut child = start(&dir, &sh(&script), &Options::default());
    wait_for_file(&ready);
    let node = node_pid(child.id());
    send(child.id(), libc::SIGTSTP);
    wait_until("the node to stop", || proc_state(node) == Some('T'));
    assert_ne!(proc_state(child.id()), Some('T'), "kubevali stopped itself");
    send(child.id(), libc::SIGCONT);
    wait_until("the node to continue", || proc_state(node) == Some('S'));
    send(child.id(), libc::SIGTERM);
    assert_eq!(code(wait(&mut child)), 143);
}

/// When not PID 1, kubevali is a subreaper: what the node leaves behind
/// becomes kubevali's child and is reaped by it.
#[test]
fn orphans_of_the_node_are_reaped_by_kubevali() {
    let dir = Scratch::new("subreaper");
    let (pids, ready, go, left) = (
        dir.join("pids"),
        dir.join("ready"),
        dir.join("go"),
        dir.join("left"),
    );
    let script = format!(
        "for i in 1 2 3; do (sh -c 'while [ ! -e {go} ]; do sleep 0.02; done' & echo $! >> {pids}); done; \
         : > {ready}; \
         for i in $(seq 500); do n=0; for p in $(cat {pids}); do [ -e /proc/$p ] && n=$((n+1)); done; \
         [ $n = 0 ] && break; sleep 0.02; done; echo $n > {left}; exit 42",
        go = go.display(),
        pids = pids.display(),
        ready = ready.display(),
        left = left.display(),
    );
    let mut child = start(&dir, &sh(&script), &Options::default());
    wait_for_file(&ready);
    let orphans = std::fs::read_to_string(&pids).expect("pids");
    for pid in orphans.split_whitespace() {
        // Reparented once the subshell that started it has exited.
        wait_until(&format!("orphan {pid} to become kubevali's child"), || {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            status
                .lines()
                .find_map(|l| l.strip_prefix("PPid:"))
                .is_some_and(|parent| parent.trim() == child.id().to_string())
        });
    }
    std::fs::write(&go, "").expect("go");
    assert_eq!(code(wait(&mut child)), 42);
    let left = std::fs::read_to_string(&left).expect("left");
    assert_eq!(left.trim(), "0", "orphans still in /proc (zombies)");
}

/// As PID 1 of a PID namespace, kubevali reaps the orphans the node starts
/// and still exits with the node's own code.
#[test]
fn as_pid_1_reaps_every_orphan_and_keeps_the_node_status() {
    let probe = Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "true"])
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        // Needs root (CI runs as root); nothing to test without a namespace.
        eprintln!("skipped: unshare --pid --fork --mount-proc is not available here");
        return;
    }
    let dir = Scratch::new("pid1");
    let report = dir.join("report");
    // 20 orphans that all exit at the same moment; then the node waits
    // until no `sleep` is left in /proc (a zombie still is) and reports.
    let script = format!(
        "for i in $(seq 20); do (sleep 0.3 &); done; \
         for i in $(seq 500); do n=$(cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^sleep$'); \
         [ $n = 0 ] && break; sleep 0.02; done; \
         echo \"$PPID $n\" > {}; exit 42",
        report.display()
    );
    let config = dir.config(&node_config(&sh(&script), &Options::default()));
    let mut child = Command::new("unshare")
        .args(["--pid", "--fork", "--kill-child", "--mount-proc"])
        .arg(binary())
        .arg("--config")
        .arg(&config)
        .spawn_guarded();
    assert_eq!(code(wait(&mut child)), 42);
    let report = std::fs::read_to_string(&report).expect("report");
    assert_eq!(report.trim(), "1 0", "node's parent pid, and sleeps left");
}

/// In a PID namespace, kubevali as PID 1 still gets (and forwards) SIGTERM.
#[test]
fn as_pid_1_forwards_sigterm() {
    let probe = Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "true"])
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("skipped: unshare --pid --fork --mount-proc is not available here");
        return;
    }
    let dir = Scratch::new("pid1-term");
    let command = trapping_node(&dir, libc::SIGTERM);
    let words: Vec<&str> = command.iter().map(String::as_str).collect();
    let config = dir.config(&node_config(&words, &Options::default()));
    let mut child = Command::new("unshare")
        .args(["--pid", "--fork", "--kill-child", "--mount-proc"])
        .arg(binary())
        .arg("--config")
        .arg(&config)
        .spawn_guarded();
    wait_for_file(&dir.join("ready"));
    // unshare's child is kubevali, PID 1 inside.
    let inner = children_of(child.id());
    assert_eq!(inner.len(), 1, "unshare's children: {inner:?}");
    send(inner[0], libc::SIGTERM);
    assert_eq!(code(wait(&mut child)), 100 + libc::SIGTERM);
}

fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?.1.chars().next()
}

/// The supervisor's own API, each scenario in a fresh copy of this test
/// binary running only `api_scenario`: a Supervisor reaps every child of
/// its process, so it cannot share one with the other tests.
#[test]
fn supervisor_api() {
    for scenario in [
        "stop_lets_the_node_finish",
        "stop_escalates_to_sigkill",
        "config_change_wakes_the_loop",
        "exit_reported_once_orphans_silent",
        "forwarded_stop_request_is_planned",
        "stop_request_before_spawn",
    ] {
        let output = Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "api_scenario",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("KUBEVALI_API_SCENARIO", scenario)
            .output()
            .expect("run scenario");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() && stdout.contains(&format!("scenario {scenario} passed")),
            "{scenario}: {:?}\n{stdout}\n{stderr}",
            output.status
        );
    }
}

/// One scenario of `supervisor_api`, in a process of its own.
#[test]
#[ignore = "needs a process of its own; supervisor_api runs it once per scenario"]
fn api_scenario() {
    use kubevali::supervisor::{Event, Input, NodeExit, NodeSpec, Supervisor};
    use std::time::Duration;
    let scenario = std::env::var("KUBEVALI_API_SCENARIO").expect("KUBEVALI_API_SCENARIO");
    let dir = Scratch::new("api");
    let ready = dir.join("ready");
    let spec = |script: &str| NodeSpec {
        argv: vec!["sh".into(), "-c".into(), script.into()],
        stdout: kubevali::config::Stream::Stdout,
        stderr: kubevali::config::Stream::Stderr,
        heartbeat: None,
        output_bytes: Default::default(),
    };
    let mut sup = Supervisor::install().expect("install");
    let ended = |sup: &mut Supervisor| -> NodeExit {
        match sup.next_event() {
            Event::NodeEnded(exit) => exit,
            other => panic!("expected the node's end, got {other:?}"),
        }
    };
    match scenario.as_str() {
        "stop_lets_the_node_finish" => {
            let script = format!(
                "trap 'exit 7' TERM; : > {}; while :; do sleep 0.05; done",
                ready.display()
            );
            sup.start(&spec(&script)).expect("spawn");
            wait_for_file(&ready);
            sup.stop(libc::SIGTERM, Duration::from_secs(30));
            let exit = ended(&mut sup);
            assert_eq!(
                (exit.code, exit.signal, exit.stopped_by_us),
                (7, None, true)
            );
        }
        "stop_escalates_to_sigkill" => {
            let script = format!(
                "trap '' TERM; : > {}; while :; do sleep 0.05; done",
                ready.display()
            );
            sup.start(&spec(&script)).expect("spawn");
            wait_for_file(&ready);
            sup.stop(libc::SIGTERM, Duration::from_millis(300));
            let exit = ended(&mut sup);
            assert_eq!(
                (exit.code, exit.signal, exit.stopped_by_us),
                (137, Some(libc::SIGKILL), true)
            );
        }
        "config_change_wakes_the_loop" => {
            sup.start(&spec("exec sleep 30")).expect("spawn");
            let sender = sup.sender();
            std::thread::spawn(move || sender.send(Input::ConfigChanged).expect("send"));
            assert_eq!(sup.next_event(), Event::ConfigChanged);
            sup.stop(libc::SIGTERM, Duration::from_secs(30));
            let exit = ended(&mut sup);
            assert_eq!((exit.code, exit.stopped_by_us), (143, true));
        }
        "exit_reported_once_orphans_silent" => {
            // The orphan outlives the node and ends later; its end must not
            // be reported as the node's.
            let script = format!("(sleep 0.3; : > {}) & exit 3", ready.display());
            sup.start(&spec(&script)).expect("spawn");
            let exit = ended(&mut sup);
            assert_eq!((exit.code, exit.stopped_by_us), (3, false));
            wait_for_file(&ready);
            let sender = sup.sender();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(500));
                sender.send(Input::ConfigChanged).expect("send")
            });
            assert_eq!(sup.next_event(), Event::ConfigChanged);
            // SAFETY: waitpid with WNOHANG and a null status.
            let left = unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) };
            assert_eq!(left, -1, "a child was left unreaped");
        }
        "forwarded_stop_request_is_planned" => {
            let script = format!(
                "trap 'exit 9' INT; : > {}; while :; do sleep 0.05; done",
                ready.display()
            );
            sup.start(&spec(&script)).expect("spawn");
            wait_for_file(&ready);
            // SAFETY: raising a signal kubevali handles (and forwards).
            unsafe { libc::raise(libc::SIGINT) };
            let exit = ended(&mut sup);
            assert_eq!((exit.code, exit.stopped_by_us), (9, true));
        }
        "stop_request_before_spawn" => {
            // SAFETY: raising a handled signal.
            unsafe { libc::raise(libc::SIGTERM) };
            assert_eq!(sup.stop_requested(), Some(libc::SIGTERM));
        }
        other => panic!("unknown scenario {other}"),
    }
    println!("scenario {scenario} passed");
}
