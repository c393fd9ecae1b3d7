//! The one support module for the integration tests: a scratch
//! directory, running the real kubevali binary (with a guard that never
//! leaves a process behind), a loopback HTTP server ([`http`]) and a fake
//! Kubernetes API server ([`kube`]). Each test binary uses a different
//! part.
#![allow(dead_code)]

pub mod http;
pub mod kube;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Generous: the CI machine is shared and slow; no test waits this long
/// unless something is broken.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// A fresh directory under the system's temp dir, removed when dropped.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("kubevali-test-{}-{n}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch { dir }
    }

    /// The directory itself.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// A path inside it.
    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes `contents` to `name` (creating directories on the way) and
    /// returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent dir");
        }
        std::fs::write(&path, contents).expect("write scratch file");
        path
    }

    /// Writes `yaml` as kubevali.yaml and returns its path.
    pub fn config(&self, yaml: &str) -> PathBuf {
        self.write("kubevali.yaml", yaml)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::fs::remove_dir_all(&self.dir).is_err() {
            // A test that made a directory read-only may have panicked
            // before undoing it.
            make_writable(&self.dir);
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Gives `dir` and every directory under it (not following symlinks)
/// mode 0755, so that it can be removed.
fn make_writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            make_writable(&entry.path());
        }
    }
}

/// A YAML single-quoted scalar.
pub fn yaml_str(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Settings appended to a node config.
#[derive(Default)]
pub struct Options<'a> {
    /// Watch the logs for this keyword (so output passes through kubevali).
    pub keyword: Option<&'a str>,
    pub node_stdout: Option<&'a str>,
    pub node_stderr: Option<&'a str>,
    /// kubevali's own log level; `warn` unless set.
    pub log_level: Option<&'a str>,
}

/// A config running `command` with index 0 and kubevali's own logging at
/// warn (by default), so its stderr carries only what matters.
pub fn node_config(command: &[&str], options: &Options) -> String {
    let words: Vec<String> = command.iter().map(|w| yaml_str(w)).collect();
    let mut yaml = format!(
        "nodeTemplate:\n  index: \"0\"\n  command: [{}]\nlogging:\n  level: {}\n",
        words.join(", "),
        options.log_level.unwrap_or("warn")
    );
    if let Some(keyword) = options.keyword {
        // Nothing listens on port 9 of loopback: pings, once a pinger
        // exists, fail at once without leaving the machine.
        yaml.push_str(&format!(
            "watchlog:\n  enabled: true\n  keyword: {}\n  lastThreshold: 5m\n  healthcheckIDs: [test]\n  pingBaseURL: http://127.0.0.1:9\n",
            yaml_str(keyword)
        ));
    }
    if let Some(stream) = options.node_stdout {
        yaml.push_str(&format!("nodeStdout: {stream}\n"));
    }
    if let Some(stream) = options.node_stderr {
        yaml.push_str(&format!("nodeStderr: {stream}\n"));
    }
    yaml
}

/// `sh -c script` as a node command.
pub fn sh(script: &str) -> Vec<&str> {
    vec!["sh", "-c", script]
}

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_kubevali")
}

/// kubevali with `--config config`.
pub fn kubevali(config: &Path) -> Command {
    let mut cmd = Command::new(binary());
    cmd.arg("--config").arg(config);
    cmd
}

/// Waits for `child` to exit; kills it and fails the test after
/// [`PATIENCE`].
pub fn wait(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match child.try_wait().expect("try_wait") {
            Some(status) => return status,
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("kubevali did not exit within {PATIENCE:?}");
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// The exit code, failing the test if kubevali itself died of a signal.
pub fn code(status: ExitStatus) -> i32 {
    status
        .code()
        .unwrap_or_else(|| panic!("kubevali itself was killed: {status:?}"))
}

/// Polls until `path` exists; fails the test after [`PATIENCE`].
pub fn wait_for_file(path: &Path) {
    wait_until(&format!("{} to appear", path.display()), || path.exists());
}

/// Polls `ready` every few milliseconds; fails the test after [`PATIENCE`].
pub fn wait_until(what: &str, ready: impl FnMut() -> bool) {
    wait_within(what, PATIENCE, ready);
}

/// Polls `ready` every few milliseconds; fails the test after `timeout`
/// (for tests whose bound is part of what they check).
pub fn wait_within(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether process `pid` catches `signal` (SigCgt in /proc): kubevali has
/// installed its handlers once it catches SIGTERM.
pub fn catches(pid: u32, signal: i32) -> bool {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    status
        .lines()
        .find_map(|line| line.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1u64 << (signal - 1)) != 0)
}

/// Sends `signal` to `pid`.
pub fn send(pid: u32, signal: i32) {
    // SAFETY: kill with plain integers.
    let rc = unsafe { libc::kill(pid as i32, signal) };
    assert_eq!(
        rc,
        0,
        "kill({pid}, {signal}): {}",
        std::io::Error::last_os_error()
    );
}

/// `len` random bytes from /dev/urandom.
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("read /dev/urandom");
    bytes
}

/// Reads `reader` to its end, checking it against `expected` chunk by
/// chunk without keeping it; returns how many bytes matched before the
/// first difference and how many arrived in all.
pub fn compare_stream(mut reader: impl Read, expected: &[u8]) -> (usize, usize) {
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0;
    let mut matched = None;
    loop {
        let n = reader.read(&mut buf).expect("read kubevali output");
        if n == 0 {
            break;
        }
        if matched.is_none() {
            let want = expected.get(total..).unwrap_or(&[]);
            let same = buf[..n]
                .iter()
                .zip(want)
                .take_while(|(a, b)| a == b)
                .count();
            if same < n {
                matched = Some(total + same);
            }
        }
        total += n;
    }
    (matched.unwrap_or(total.min(expected.len())), total)
}

/// A started kubevali that is killed and reaped when dropped, also when a
/// test panics: no test leaves a process behind. (Its node goes with it:
/// kubevali gives the node a parent-death signal.)
pub struct Guard {
    pub child: Child,
}

impl Guard {
    pub fn spawn(cmd: &mut Command) -> Guard {
        Guard {
            child: cmd.spawn().expect("start kubevali"),
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the exit like [`wait`].
    pub fn wait(&mut self) -> ExitStatus {
        wait(&mut self.child)
    }
}

impl std::ops::Deref for Guard {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.child
    }
}

impl std::ops::DerefMut for Guard {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.child
    }
}

/// `Command::spawn` for kubevali, under a [`Guard`].
pub trait SpawnGuarded {
    fn spawn_guarded(&mut self) -> Guard;
}

impl SpawnGuarded for Command {
    fn spawn_guarded(&mut self) -> Guard {
        Guard::spawn(self)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Collects everything read from `stream` on a thread of its own.
pub fn collect(stream: impl Read + Send + 'static) -> std::sync::Arc<std::sync::Mutex<String>> {
    let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    collect_into(stream, &text);
    text
}

/// Like [`collect`], appending to `text` (which several streams may
/// share, each chunk appended whole as it arrives).
pub fn collect_into(
    mut stream: impl Read + Send + 'static,
    text: &std::sync::Arc<std::sync::Mutex<String>>,
) {
    let sink = std::sync::Arc::clone(text);
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            sink.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
}

/// A copy of what [`collect`] has gathered so far.
pub fn collected(text: &std::sync::Mutex<String>) -> String {
    text.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Whether process `pid` is gone (or a zombie nobody reaped yet).
pub fn is_dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next())
            .is_none_or(|state| state == 'Z' || state == 'X'),
    }
}

/// The pids of `pid`'s children.
pub fn children_of(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// kubevali's one child, the node, once it has started.
pub fn node_pid(kubevali: u32) -> u32 {
    let mut found = Vec::new();
    wait_until("the node to appear", || {
        found = children_of(kubevali);
        found.len() == 1
    });
    found[0]
}
