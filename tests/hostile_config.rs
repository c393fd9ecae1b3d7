//! Hostile and broken input through the real binary (issue 13): configs
//! built to make the loader work hard, files that are not files, values
//! that would quietly change the node's command line, and a stdout that
//! cannot be written. Each case asserts the exit code and the message
//! (file, key path, line:column); the bounded-work cases also measure the
//! child's CPU time and peak memory (from `wait4`) against generous bounds.

mod support;

use std::fs;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use support::{Scratch, SpawnGuarded};

/// At least 10x what the fixed loader needs (about 0.05 s and 10 MiB in a
/// debug build) and never tighter than the floor; before the fix
/// the same inputs took 44 s and 981 MB, or never ended.
const CPU_BOUND: Duration = Duration::from_secs(2);
const RSS_BOUND_KIB: u64 = 100 * 1024;
/// A run that takes this long hangs: it is killed and the test fails.
const HANG: Duration = Duration::from_secs(30);

fn kubevali(dir: &Path) -> Command {
    let mut command = Command::new(support::binary());
    command
        .current_dir(dir)
        .env_remove("KUBEVALI_CONFIG")
        .env_remove("KUBEVALI_LOG")
        .env("HOSTNAME", "pod-0");
    command
}

#[derive(Debug)]
struct Measured {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    cpu: Duration,
    max_rss_kib: u64,
}

impl Measured {
    fn assert_bounded(&self) {
        println!("cpu {:?}, peak RSS {} KiB", self.cpu, self.max_rss_kib);
        assert!(
            self.cpu < CPU_BOUND,
            "took {:?} of CPU (bound {CPU_BOUND:?})",
            self.cpu
        );
        assert!(
            self.max_rss_kib < RSS_BOUND_KIB,
            "peaked at {} KiB (bound {RSS_BOUND_KIB} KiB)",
            self.max_rss_kib
        );
    }

    /// Exit 2 and one stderr line holding every needle.
    fn assert_config_error(&self, needles: &[&str]) {
        assert_eq!((self.code, self.signal), (Some(2), None), "{self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "{}", self.stderr);
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "no {needle:?} in {}",
                self.stderr
            );
        }
        assert!(self.stdout.is_empty());
    }
}

/// Runs to the end (or kills it after [`HANG`]) and measures it.
// Reaped by wait4 (for its rusage); the guard kills and reaps it only if
// the test panics first (once wait4 has reaped it, the guard does nothing).
fn run_measured(command: &mut Command) -> Measured {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn_guarded();
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = out.read_to_end(&mut bytes);
        bytes
    });
    let err = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = err.read_to_end(&mut bytes);
        bytes
    });
    let started = Instant::now();
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: our own child; status and usage are valid for writes.
        let done = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if done == pid {
            break;
        }
        assert!(started.elapsed() < HANG, "kubevali hangs: {command:?}");
        thread::sleep(Duration::from_millis(5));
    }
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Measured {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        stdout: out.join().unwrap(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss as u64,
    }
}

fn dry_run(test: &str, yaml: &str) -> Measured {
    let scratch = Scratch::new(test);
    let dir = scratch.path().to_path_buf();
    fs::write(dir.join("kubevali.yaml"), yaml).unwrap();
    run_measured(kubevali(&dir).arg("--dry-run"))
}

// 1. Alias amplification.

fn alias_bomb(references: usize) -> String {
    let anchored = "x".repeat(100_000);
    let list = vec!["*big"; references].join(", ");
    format!("nodeTemplate:\n  command: [echo]\n  args:\n    s: &big {anchored}\n    l: [{list}]\n")
}

#[test]
fn alias_amplification_is_refused_naming_the_alias() {
    for references in [2_000, 10_000] {
        let run = dry_run("alias", &alias_bomb(references));
        run.assert_config_error(&[
            "kubevali.yaml:5:",
            "nodeTemplate.args.l[",
            "alias *big makes the config expand past 4 MiB",
        ]);
        run.assert_bounded();
    }
}

#[test]
fn nested_aliases_count_as_their_full_expansion() {
    // Each level doubles: 2^30 copies of "x" from a few hundred bytes.
    let mut yaml = String::from("a0: &a0 [x, x]\n");
    for level in 1..30 {
        let prev = level - 1;
        yaml.push_str(&format!("a{level}: &a{level} [*a{prev}, *a{prev}]\n"));
    }
    yaml.push_str("nodeTemplate:\n  command: [echo]\n");
    let run = dry_run("nested_alias", &yaml);
    run.assert_config_error(&["kubevali.yaml:", "alias *a", "expand past 4 MiB"]);
    run.assert_bounded();
}

// 2. Deep nesting.

#[test]
fn deep_flow_collections_are_refused_at_once() {
    let depth = 100_000;
    let sequences = format!(
        "nodeTemplate:\n  command: {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let maps = format!(
        "nodeTemplate:\n  command: {}{}\n",
        "{a: ".repeat(depth),
        "}".repeat(depth)
    );
    let blocks = format!("nodeTemplate:\n  command:\n    {}x\n", "- ".repeat(depth));
    for (name, yaml, line) in [
        ("seq", sequences, "kubevali.yaml:2:74:"),
        ("map", maps, "kubevali.yaml:2:260:"),
        ("block", blocks, "kubevali.yaml:3:129:"),
    ] {
        let run = dry_run(&format!("deep_{name}"), &yaml);
        run.assert_config_error(&[
            line,
            "nodeTemplate.command",
            "collections nest deeper than 64 levels",
        ]);
        run.assert_bounded();
    }
}

// 3. Files that are not config files.

#[test]
fn devices_fifos_and_huge_files_are_refused_without_reading_them() {
    let scratch = Scratch::new("not_files");
    let dir = scratch.path().to_path_buf();
    let fifo = dir.join("fifo.yaml");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let link = dir.join("link.yaml");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let huge = dir.join("huge.yaml");
    let mut text = String::from("nodeTemplate:\n  command: [echo]\n");
    text.push_str(&format!("# {}\n", "x".repeat(1 << 20)));
    fs::write(&huge, text).unwrap();
    let cases: [(&Path, &str); 5] = [
        (
            Path::new("/dev/zero"),
            "/dev/zero: is a character device, not a regular file",
        ),
        (
            Path::new("/dev/urandom"),
            "/dev/urandom: is a character device",
        ),
        (&fifo, "fifo.yaml: is a FIFO, not a regular file"),
        (&link, "link.yaml: is a FIFO, not a regular file"),
        (
            &huge,
            "huge.yaml: is 1048611 bytes; a config may be at most 1048576 bytes",
        ),
    ];
    for (path, needle) in cases {
        let run = run_measured(kubevali(&dir).arg("--dry-run").arg("-c").arg(path));
        run.assert_config_error(&[needle]);
        run.assert_bounded();
    }
}

// 5. Duplicate keys.

#[test]
fn duplicate_keys_anywhere_name_both_positions() {
    let cases = [
        (
            "nodeTemplate:\n  command: [echo]\n  args:\n    port: 1\n    port: 2\n",
            "kubevali.yaml:5:5: nodeTemplate.args.port: duplicate key: already set at 4:5",
        ),
        (
            "nodeTemplate:\n  command: [echo]\n  args:\n    n: 16\n    n: 0x10\n",
            "kubevali.yaml:5:5: nodeTemplate.args.n: duplicate key: already set at 4:5",
        ),
        (
            "nodeTemplate:\n  command: [echo]\nnodeTemplate:\n  command: [other]\n",
            "kubevali.yaml:3:1: nodeTemplate: duplicate key: already set at 1:1",
        ),
        (
            "nodeTemplate: {command: [echo], command: [x]}\n",
            "kubevali.yaml:1:33: nodeTemplate.command: duplicate key: already set at 1:16",
        ),
    ];
    for (yaml, expected) in cases {
        let run = dry_run("duplicates", yaml);
        run.assert_config_error(&[expected]);
    }
}

// 6. Numbers exactly as written.

#[test]
fn numbers_reach_the_node_exactly_as_written() {
    let yaml = "nodeTemplate:\n  command: [echo]\n  args:\n    a: .nan\n    b: &h 0x10\n    \
                c: *h\n    l: [\"ééééé\", 0x10]\n    big: 99999999999999999999999\n    \
                e: 1e400\n    f: -.inf\n    g: 1.50\n    o: 0o17\n";
    let run = dry_run("numbers", yaml);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "echo -a .nan -b 0x10 --big 99999999999999999999999 -c 0x10 -e 1e400 -f -.inf \
         -g 1.50 -l 'ééééé' -l 0x10 -o 0o17\n"
    );
}

// 7. Null where a string must be.

#[test]
fn null_in_command_or_index_is_an_error() {
    let cases = [
        (
            "nodeTemplate:\n  command: [echo, ~]\n",
            "kubevali.yaml:2:19: nodeTemplate.command[1]: null (\"~\") is not a value",
        ),
        (
            "nodeTemplate:\n  command:\n    - null\n",
            "kubevali.yaml:3:7: nodeTemplate.command[0]: null (\"null\") is not a value",
        ),
        (
            "nodeTemplate:\n  index: ~\n  command: [echo]\n",
            "kubevali.yaml:2:10: nodeTemplate.index: null (\"~\") is not a value",
        ),
        (
            "nodeTemplate:\n  index:\n  command: [echo]\n",
            "kubevali.yaml:2:9: nodeTemplate.index: null (\"\") is not a value",
        ),
    ];
    for (yaml, expected) in cases {
        dry_run("nulls", yaml).assert_config_error(&[expected]);
    }
    // Quoted, they are text like any other.
    let quoted = dry_run(
        "quoted_null",
        "nodeTemplate:\n  command: [echo, '~', \"null\"]\n",
    );
    assert_eq!(String::from_utf8_lossy(&quoted.stdout), "echo '~' null\n");
}

// 8. An empty argument name.

#[test]
fn an_empty_argument_name_is_an_error() {
    dry_run(
        "empty_name",
        "nodeTemplate:\n  command: [echo]\n  args:\n    \"\": 1\n",
    )
    .assert_config_error(&[
        "kubevali.yaml:4:5: nodeTemplate.args.\"\": an argument name cannot be empty",
        "\"--\"",
    ]);
}

// 11. Settings that can never work.

#[test]
fn a_keyword_with_a_line_break_is_an_error() {
    dry_run(
        "keyword",
        "nodeTemplate:\n  command: [echo]\nwatchlog:\n  keyword: \"Prepared\\nblock\"\n",
    )
    .assert_config_error(&[
        "kubevali.yaml:4:12: watchlog.keyword: contains a line break, so it can never match",
    ]);
}

#[test]
fn stop_signals_that_do_not_stop_a_process_are_errors() {
    for (written, name) in [
        ("SIGCONT", "SIGCONT"),
        ("CHLD", "SIGCHLD"),
        ("SIGWINCH", "SIGWINCH"),
        ("SIGSTOP", "SIGSTOP"),
        ("SIGURG", "SIGURG"),
        ("SIGTSTP", "SIGTSTP"),
        ("18", "SIGCONT"),
    ] {
        let yaml = format!("nodeTemplate:\n  command: [echo]\nstopSignal: {written}\n");
        dry_run("stop_signal", &yaml).assert_config_error(&[&format!(
            "kubevali.yaml:3:13: stopSignal: {name} cannot stop the node"
        )]);
    }
    let fine = dry_run(
        "stop_signal_ok",
        "nodeTemplate:\n  command: [echo]\nstopSignal: SIGINT\n",
    );
    assert_eq!(fine.code, Some(0), "{}", fine.stderr);
}

// 12. An ordinal past 64 bits.

#[test]
fn an_overflowing_ordinal_is_out_of_range() {
    let scratch = Scratch::new("ordinal");
    let dir = scratch.path().to_path_buf();
    fs::write(
        dir.join("kubevali.yaml"),
        "nodeTemplate:\n  command: [echo]\n",
    )
    .unwrap();
    let run = run_measured(
        kubevali(&dir)
            .arg("--dry-run")
            .env("HOSTNAME", "pod-99999999999999999999"),
    );
    run.assert_config_error(&[
        "kubevali.yaml:2:3: nodeTemplate.index: rendered \"99999999999999999999\", which is \
         out of range for an ordinal (at most 9223372036854775807)",
    ]);
}

// 14. Log lines stay single lines without terminal escapes.

#[test]
fn config_text_cannot_forge_log_lines_or_terminal_escapes() {
    let run = dry_run(
        "escapes",
        "nodeTemplate:\n  command: [echo]\n\"evil\\e[31mRED\\nFAKE LOG LINE\": 1\n",
    );
    run.assert_config_error(&["kubevali.yaml:3:1:", "unknown field"]);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(run.stderr.contains("FAKE LOG LINE"), "{}", run.stderr);
}

#[test]
fn a_del_byte_is_reported_at_its_line() {
    dry_run("del", "nodeTemplate:\n  command: [echo]\nfoo: a\u{7f}b\n").assert_config_error(&[
        "kubevali.yaml:3:7: YAML syntax error: control characters are not allowed",
    ]);
}

// 13. Writes to stdout that fail.

/// A pipe whose reading end is already closed.
fn widowed_pipe() -> std::os::fd::OwnedFd {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe2 returns.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both descriptors are new and owned only here.
    unsafe {
        drop(std::os::fd::OwnedFd::from_raw_fd(fds[0]));
        std::os::fd::OwnedFd::from_raw_fd(fds[1])
    }
}

fn run_with_stdout(dir: &Path, args: &[&str], stdout: Stdio) -> (Option<i32>, Option<i32>, String) {
    let output = kubevali(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .output()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    (
        output.status.code(),
        output.status.signal(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_closed_pipe_ends_quietly_with_141() {
    let scratch = Scratch::new("closed_pipe");
    let dir = scratch.path().to_path_buf();
    fs::write(
        dir.join("kubevali.yaml"),
        "nodeTemplate:\n  command: [echo]\n",
    )
    .unwrap();
    for args in [&["--dry-run"][..], &["--help"], &["--version"]] {
        let (code, signal, stderr) = run_with_stdout(&dir, args, Stdio::from(widowed_pipe()));
        assert_eq!((code, signal), (Some(141), None), "{args:?}: {stderr}");
        assert!(!stderr.contains("ERROR"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_full_disk_is_one_error_line() {
    let scratch = Scratch::new("full");
    let dir = scratch.path().to_path_buf();
    fs::write(
        dir.join("kubevali.yaml"),
        "nodeTemplate:\n  command: [echo]\n",
    )
    .unwrap();
    for args in [&["--dry-run"][..], &["--help"], &["--version"]] {
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let (code, signal, stderr) = run_with_stdout(&dir, args, Stdio::from(full));
        assert_eq!((code, signal), (Some(1), None), "{args:?}: {stderr}");
        assert!(
            stderr.contains("ERROR cannot write to stdout: No space left on device"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_dry_run_into_a_closed_stdout_fails() {
    let scratch = Scratch::new("closed_stdout");
    let dir = scratch.path().to_path_buf();
    fs::write(
        dir.join("kubevali.yaml"),
        "nodeTemplate:\n  command: [echo]\n",
    )
    .unwrap();
    let mut command = kubevali(&dir);
    command
        .arg("--dry-run")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: close(2) is async-signal-safe; it runs in the child between
    // fork and exec, so kubevali starts with descriptor 1 closed (`>&-`).
    unsafe {
        command.pre_exec(|| {
            libc::close(libc::STDOUT_FILENO);
            Ok(())
        });
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot write to stdout: it was closed when kubevali started"),
        "{stderr}"
    );
}
