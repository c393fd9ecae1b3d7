//! Starting and ending the node at the edges, through the real binary: a
//! kubevali killed with SIGKILL, files `execve` refuses, a controlling
//! terminal, a ping endpoint that never answers, and what is logged when
//! there is no node or a process the node left behind holds its output.

mod support;

use std::ffi::CString;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::http::{Recorder, Reply};
use support::*;

/// How the node's output is set up when kubevali is killed.
#[derive(Debug, Clone, Copy)]
enum Output {
    /// No keyword: the node writes to kubevali's descriptors itself.
    Direct,
    /// Keyword, kubevali's stdout a file: read and write.
    Copied,
    /// Keyword, kubevali's stdout a pipe: tee and splice.
    Spliced,
}

#[test]
fn a_node_dies_with_a_kubevali_killed_by_sigkill() {
    for output in [Output::Direct, Output::Copied, Output::Spliced] {
        let dir = Scratch::new("pdeathsig");
        let ready = dir.join("ready");
        let script = format!("echo up; : > {}; exec sleep 60", ready.display());
        let options = Options {
            keyword: (!matches!(output, Output::Direct)).then_some("up"),
            ..Options::default()
        };
        let config = dir.config(&node_config(&sh(&script), &options));
        let mut cmd = kubevali(&config);
        match output {
            Output::Direct | Output::Copied => {
                cmd.stdout(std::fs::File::create(dir.join("out")).expect("create"));
            }
            Output::Spliced => {
                cmd.stdout(Stdio::piped());
            }
        }
        let mut kubevali = Guard::spawn(&mut cmd);
        wait_for_file(&ready);
        let node = node_pid(kubevali.id());
        send(kubevali.id(), libc::SIGKILL);
        let status = kubevali.wait();
        assert_eq!(status.code(), None, "{output:?}: kubevali was not killed");
        let killed = Instant::now();
        while !is_dead(node) && killed.elapsed() < Duration::from_secs(1) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let alive = !is_dead(node);
        if alive {
            // Do not leave it behind, whatever the outcome.
            let _ = std::process::Command::new("kill")
                .args(["-9", &node.to_string()])
                .status();
        }
        assert!(!alive, "{output:?}: the node outlived kubevali by 1 s");
    }
}

/// A minimal 64-bit little-endian ELF header for `machine`.
fn elf_header(machine: u16) -> Vec<u8> {
    let mut header = vec![0u8; 64];
    header[..4].copy_from_slice(b"\x7fELF");
    header[4] = 2; // 64-bit
    header[5] = 1; // little endian
    header[6] = 1; // version
    header[16..18].copy_from_slice(&2u16.to_le_bytes()); // executable
    header[18..20].copy_from_slice(&machine.to_le_bytes());
    header[20..24].copy_from_slice(&1u32.to_le_bytes());
    header
}

/// Files `execve` refuses with ENOEXEC end in 126 with a message saying
/// what the file is not; none is run through /bin/sh (which would run the
/// text inside them as commands).
#[test]
fn files_execve_refuses_give_126_and_never_reach_a_shell() {
    let dir = Scratch::new("enoexec");
    // EM_VAX: no machine this runs on executes it, and nothing emulates it.
    let mut foreign = elf_header(75);
    foreign.extend_from_slice(b"\n(touch PWNED)\n");
    let cases: [(&str, Vec<u8>, &str); 3] = [
        (
            "corrupt-elf",
            b"\x7fELF\ntouch PWNED\n".to_vec(),
            "is an ELF file this machine cannot run",
        ),
        (
            "foreign-elf",
            foreign,
            "is an ELF file this machine cannot run",
        ),
        (
            "text-without-hashbang",
            b"touch PWNED\n".to_vec(),
            "neither an ELF binary nor a script starting with #!",
        ),
    ];
    for (name, bytes, message) in cases {
        let program = dir.write(name, bytes);
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let config = dir.config(&node_config(
            &[&program.display().to_string()],
            &Options::default(),
        ));
        let output = kubevali(&config)
            .current_dir(&dir.dir)
            .stdin(Stdio::null())
            .output()
            .expect("run kubevali");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(126), "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert!(stderr.contains(name), "{name}: {stderr}");
        assert!(!stderr.contains("Syntax error"), "{name}: {stderr}");
        assert!(!dir.join("PWNED").exists(), "{name} ran through a shell");
    }
}

/// A pseudo-terminal pair from openpty: (master, slave).
fn openpty() -> (OwnedFd, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two descriptors; the other pointers may be null.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both are fresh descriptors nobody else owns.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

/// The foreground process group of the terminal behind `master`.
fn foreground_group(master: &OwnedFd) -> i32 {
    // SAFETY: tcgetpgrp on a descriptor we own.
    unsafe { libc::tcgetpgrp(master.as_raw_fd()) }
}

/// With kubevali on a controlling terminal (`docker run -it`), a node that
/// reads stdin gets the terminal's foreground (it is not stopped by
/// SIGTTIN), and kubevali takes the terminal back when the node has ended.
#[test]
fn a_node_on_a_terminal_reads_it_and_kubevali_takes_it_back() {
    let dir = Scratch::new("tty");
    let fifo = dir.join("hold");
    let c_fifo = CString::new(fifo.display().to_string()).expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_fifo.as_ptr(), 0o600) }, 0);
    // The node reads a line from the terminal, then leaves a process
    // behind that holds its output until the test writes to the FIFO:
    // kubevali then lingers, and the test can look at the terminal.
    let script = format!(
        "read line; echo \"got $line\"; (read x < {fifo}) & exit 0",
        fifo = fifo.display()
    );
    let options = Options {
        keyword: Some("got"),
        log_level: Some("info"),
        ..Options::default()
    };
    let config = dir.config(&node_config(&sh(&script), &options));
    let (master, slave) = openpty();
    let mut cmd = kubevali(&config);
    let terminal = || Stdio::from(slave.try_clone().expect("dup"));
    cmd.stdin(terminal()).stdout(terminal()).stderr(terminal());
    // SAFETY: setsid and ioctl are async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut kubevali = Guard::spawn(&mut cmd);
    drop(slave);
    let reader = master.try_clone().expect("dup");
    let screen = collect(std::fs::File::from(reader));
    let node = node_pid(kubevali.id());
    wait_until("the node to get the terminal's foreground", || {
        foreground_group(&master) == node as i32
    });
    let mut typing = std::fs::File::from(master.try_clone().expect("dup"));
    typing.write_all(b"hello\n").expect("type");
    wait_until("the node to answer", || {
        collected(&screen).contains("got hello")
    });
    wait_until("kubevali to take the terminal back", || {
        foreground_group(&master) == kubevali.id() as i32
    });
    release(&fifo);
    assert_eq!(code(kubevali.wait()), 0, "{}", collected(&screen));
}

/// A node that matched once, then exits 3, with every ping hanging.
fn hanging_ping_run(
    dir: &Scratch,
    server: &Recorder,
) -> (Guard, std::sync::Arc<std::sync::Mutex<String>>) {
    let script = "echo tick; sleep 1; exit 3";
    let yaml = format!(
        "nodeTemplate:\n  index: '0'\n  command: [sh, -c, {script:?}]\nlogging:\n  level: info\n\
         watchlog:\n  enabled: true\n  keyword: tick\n  lastThreshold: 5m\n  \
         healthcheckIDs: [check]\n  pingBaseURL: {}\n  pingInterval: 1s\n  pingTimeout: 25s\n",
        server.url()
    );
    let config = dir.config(&yaml);
    let mut kubevali = Guard::spawn(
        kubevali(&config)
            .env_remove("KUBEVALI_LOG")
            .env_remove("http_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("all_proxy")
            .env_remove("ALL_PROXY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    let stderr = collect(kubevali.child.stderr.take().expect("stderr"));
    (kubevali, stderr)
}

/// The node exits while a ping hangs: a SIGTERM ends kubevali at once,
/// with the node's status.
#[test]
fn sigterm_ends_the_wait_for_a_hanging_final_ping() {
    let server = Recorder::scripted(&[], Reply::Hang);
    let dir = Scratch::new("hang-term");
    let (mut kubevali, stderr) = hanging_ping_run(&dir, &server);
    wait_until("the node to end", || {
        collected(&stderr).contains("node ended")
    });
    let sent = Instant::now();
    send(kubevali.id(), libc::SIGTERM);
    assert_eq!(code(kubevali.wait()), 3, "{}", collected(&stderr));
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "kubevali took {:?} after SIGTERM",
        sent.elapsed()
    );
}

/// Without a SIGTERM, the final ping (to `/3`: the node exited with 3)
/// still goes out, within its own short
/// deadline rather than pingTimeout (25 s here), and kubevali then ends.
#[test]
fn the_final_ping_is_sent_within_its_own_deadline() {
    let server = Recorder::scripted(&[], Reply::Hang);
    let dir = Scratch::new("hang-final");
    let (mut kubevali, stderr) = hanging_ping_run(&dir, &server);
    wait_until("the node to end", || {
        collected(&stderr).contains("node ended")
    });
    let ended = Instant::now();
    let requests = server.wait_until(Duration::from_secs(10), |requests| {
        requests.iter().any(|r| r.path.ends_with("/3"))
    });
    let final_ping = requests
        .iter()
        .find(|r| r.path.ends_with("/3"))
        .unwrap_or_else(|| {
            panic!(
                "no exit-status ping (/3): {requests:?}\n{}",
                collected(&stderr)
            )
        });
    assert!(
        final_ping.body_text().contains("exited with status 3"),
        "{}",
        final_ping.body_text()
    );
    assert!(
        final_ping.at.saturating_duration_since(ended) < Duration::from_secs(5),
        "the final ping came {:?} after the node ended",
        final_ping.at.saturating_duration_since(ended)
    );
    assert_eq!(code(kubevali.wait()), 3, "{}", collected(&stderr));
    assert!(
        ended.elapsed() < Duration::from_secs(10),
        "kubevali took {:?} after the node ended",
        ended.elapsed()
    );
}

/// A stop request before the node started: kubevali exits 128+N and does
/// not claim that a node ended.
#[test]
fn a_stop_before_the_start_logs_no_node_end() {
    let dir = Scratch::new("early-term-log");
    let options = Options {
        log_level: Some("info"),
        ..Options::default()
    };
    // The config must be a regular file (a FIFO is refused), so what holds
    // kubevali before the node starts is a slow render: 9M template steps,
    // under the 10M budget, about a second in a debug build.
    let slow_index = "index: \"{{ range until 60000 }}{{ range until 150 }}{{ end }}{{ end }}0\"";
    let yaml = node_config(&sh("exit 0"), &options).replace("index: \"0\"", slow_index);
    let config = dir.config(&yaml);
    let mut kubevali = Guard::spawn(
        kubevali(&config)
            .env_remove("KUBEVALI_LOG")
            .stderr(Stdio::piped()),
    );
    let stderr = collect(kubevali.child.stderr.take().expect("stderr"));
    let pid = kubevali.id();
    wait_until("kubevali to catch SIGTERM", || catches(pid, libc::SIGTERM));
    send(pid, libc::SIGTERM);
    assert_eq!(code(kubevali.wait()), 143, "{}", collected(&stderr));
    std::thread::sleep(Duration::from_millis(100));
    let text = collected(&stderr);
    assert!(text.contains("not starting the node"), "{text}");
    assert!(!text.contains("node ended"), "{text}");
}

/// A process the node left behind holds both of its streams open: one
/// warning naming both, not one per stream.
#[test]
fn a_left_behind_process_holding_the_output_is_warned_about_once() {
    let dir = Scratch::new("left-behind");
    let fifo = dir.join("hold");
    let c_fifo = CString::new(fifo.display().to_string()).expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_fifo.as_ptr(), 0o600) }, 0);
    let script = format!("(read x < {}) & echo bye; exit 0", fifo.display());
    let options = Options {
        keyword: Some("bye"),
        ..Options::default()
    };
    let config = dir.config(&node_config(&sh(&script), &options));
    let mut kubevali = Guard::spawn(
        kubevali(&config)
            .env_remove("KUBEVALI_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    let stderr = collect(kubevali.child.stderr.take().expect("stderr"));
    let status = kubevali.wait();
    release(&fifo);
    std::thread::sleep(Duration::from_millis(100));
    let text = collected(&stderr);
    assert_eq!(code(status), 0, "{text}");
    assert_eq!(text.matches("left behind").count(), 1, "{text}");
    assert!(text.contains("stdout and stderr"), "{text}");
}

/// Lets the process blocked reading `fifo` go, if it is still there (a
/// non-blocking open fails at once when nobody reads).
fn release(fifo: &std::path::Path) {
    use std::os::unix::fs::OpenOptionsExt;
    if let Ok(mut writer) = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(fifo)
    {
        let _ = writer.write_all(b"\n");
    }
}
