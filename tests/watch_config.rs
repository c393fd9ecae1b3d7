//! `--watch-config` against a real node process and real file changes.
//!
//! The node is a shell script that prints its argv, then waits; the tests
//! edit the config the ways operators and Kubernetes do and watch what
//! kubevali and the node print.

mod support;

use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use support::{Guard, Scratch, SpawnGuarded, collect_into, kubevali};

/// Prints its argv, answers SIGTERM by saying so and exiting 0.
const NODE: &str =
    r#"trap 'echo "got TERM"; exit 0' TERM; echo "argv: $*"; while :; do sleep 0.1; done"#;

/// Ignores SIGTERM (but says it got it).
const STUBBORN_NODE: &str =
    r#"trap 'echo "got TERM, ignoring"' TERM; echo "argv: $*"; while :; do sleep 0.1; done"#;

/// Says when it gets SIGTERM, and exits 42 on the second one.
const SECOND_TERM_EXITS_NODE: &str = r#"n=0; trap 'n=$((n+1)); echo "got TERM $n"; [ $n -ge 2 ] && exit 42' TERM; echo "argv: $*"; while :; do sleep 0.1; done"#;

fn config(node: &str, port_template: &str, extra: &str) -> String {
    format!(
        "nodeTemplate:\n  index: '0'\n  command: [sh, -c, {}, node]\n  args:\n    port: '{port_template}'\n{extra}",
        serde_json::to_string(node).unwrap()
    )
}

/// Replaces a file's content the way editors do: write aside, rename over.
fn replace_file(path: &Path, content: &str) {
    let aside = path.with_extension("tmp");
    std::fs::write(&aside, content).unwrap();
    std::fs::rename(&aside, path).unwrap();
}

/// kubevali under test, with everything it and the node print collected.
/// Never leaves kubevali behind (the guard), nor (through its parent-death
/// signal) the node.
struct Running {
    child: Guard,
    output: Arc<Mutex<String>>,
}

impl Running {
    fn start(config: &Path) -> Running {
        let mut child = kubevali(config)
            .arg("--watch-config")
            .env_remove("KUBEVALI_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn_guarded();
        let output = Arc::new(Mutex::new(String::new()));
        collect_into(child.stdout.take().unwrap(), &output);
        collect_into(child.stderr.take().unwrap(), &output);
        Running { child, output }
    }

    fn text(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// How many lines the node printed that start with `prefix` (kubevali's
    /// own lines start with a timestamp, and quote the script's text).
    fn count(&self, prefix: &str) -> usize {
        self.text()
            .lines()
            .filter(|line| line.starts_with(prefix))
            .count()
    }

    /// Waits until the node has printed `times` lines starting with `prefix`.
    fn wait_for(&self, prefix: &str, times: usize) {
        self.wait_until(&format!("{times}x {prefix:?}"), || {
            self.count(prefix) >= times
        });
    }

    /// Waits until kubevali has logged `needle`.
    fn wait_for_log(&self, needle: &str) {
        self.wait_until(needle, || self.text().contains(needle));
    }

    fn wait_until(&self, what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done() {
            assert!(
                Instant::now() < deadline,
                "waited for {what}; output so far:\n{}",
                self.text()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&self, signal: i32) {
        support::send(self.child.id(), signal);
    }

    fn wait(mut self) -> (ExitStatus, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the readers take the last bytes.
                thread::sleep(Duration::from_millis(200));
                return (status, self.text());
            }
            if Instant::now() > deadline {
                panic!("kubevali did not exit; output:\n{}", self.text());
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn still_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

#[test]
fn changed_arg_restarts_the_node_after_a_graceful_stop() {
    let dir = Scratch::new("watch");
    let path = dir.join("kubevali.yaml");
    std::fs::write(&path, config(NODE, "{{ add 30333 .Index }}", "")).unwrap();
    let kubevali = Running::start(&path);
    kubevali.wait_for("argv: --port 30333", 1);

    replace_file(&path, &config(NODE, "{{ add 40000 .Index }}", ""));
    kubevali.wait_for("argv: --port 40000", 1);
    let text = kubevali.text();
    let term = text.find("\ngot TERM").expect("the old node got SIGTERM");
    assert!(term < text.find("\nargv: --port 40000").unwrap(), "{text}");

    kubevali.signal(libc_sigterm());
    let (status, text) = kubevali.wait();
    assert_eq!(status.code(), Some(0), "{text}");
    let node_lines = text
        .lines()
        .filter(|line| line.starts_with("argv:"))
        .count();
    assert_eq!(node_lines, 2, "{text}");
}

#[test]
fn broken_edit_keeps_the_node_and_a_fix_is_picked_up() {
    let dir = Scratch::new("watch");
    let path = dir.join("kubevali.yaml");
    std::fs::write(&path, config(NODE, "{{ add 30333 .Index }}", "")).unwrap();
    let mut kubevali = Running::start(&path);
    kubevali.wait_for("argv: --port 30333", 1);

    replace_file(&path, "nodeTemplate:\n  command: [x\n  index: '0'\n");
    kubevali.wait_for_log("kubevali.yaml:3:");
    thread::sleep(Duration::from_secs(3));
    assert!(kubevali.still_running());
    assert_eq!(kubevali.count("argv:"), 1);
    assert_eq!(kubevali.count("got TERM"), 0);

    replace_file(&path, &config(NODE, "{{ add 30400 .Index }}", ""));
    kubevali.wait_for("argv: --port 30400", 1);
}

#[test]
fn configmap_symlink_swap_is_detected() {
    let dir = Scratch::new("watch");
    let first = dir.join("..2026_11_25_12_00_00.1");
    std::fs::create_dir(&first).unwrap();
    std::fs::write(first.join("kubevali.yaml"), config(NODE, "30500", "")).unwrap();
    std::os::unix::fs::symlink("..2026_11_25_12_00_00.1", dir.join("..data")).unwrap();
    std::os::unix::fs::symlink("..data/kubevali.yaml", dir.join("kubevali.yaml")).unwrap();
    let kubevali = Running::start(&dir.join("kubevali.yaml"));
    kubevali.wait_for("argv: --port 30500", 1);

    // What the kubelet does: a new timestamped directory, a new symlink
    // beside the old one, renamed over `..data` in one step.
    let second = dir.join("..2026_11_25_12_05_00.2");
    std::fs::create_dir(&second).unwrap();
    std::fs::write(second.join("kubevali.yaml"), config(NODE, "30501", "")).unwrap();
    std::os::unix::fs::symlink("..2026_11_25_12_05_00.2", dir.join("..data_tmp")).unwrap();
    std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).unwrap();
    std::fs::remove_dir_all(&first).unwrap();

    kubevali.wait_for("argv: --port 30501", 1);
}

#[test]
fn node_ignoring_the_stop_signal_is_killed_after_stop_timeout() {
    let dir = Scratch::new("watch");
    let path = dir.join("kubevali.yaml");
    std::fs::write(&path, config(STUBBORN_NODE, "1", "stopTimeout: 1s\n")).unwrap();
    let kubevali = Running::start(&path);
    kubevali.wait_for("argv: --port 1", 1);

    let changed = Instant::now();
    replace_file(&path, &config(STUBBORN_NODE, "2", "stopTimeout: 1s\n"));
    kubevali.wait_for("got TERM, ignoring", 1);
    kubevali.wait_for("argv: --port 2", 1);
    assert!(
        changed.elapsed() >= Duration::from_secs(1),
        "{}",
        kubevali.text()
    );
    assert!(kubevali.text().contains("SIGKILL"), "{}", kubevali.text());
}

#[test]
fn same_content_or_same_argv_does_not_restart() {
    let dir = Scratch::new("watch");
    let path = dir.join("kubevali.yaml");
    let original = config(NODE, "{{ add 30333 .Index }}", "");
    std::fs::write(&path, &original).unwrap();
    let kubevali = Running::start(&path);
    kubevali.wait_for("argv: --port 30333", 1);

    // Identical bytes, rewritten.
    replace_file(&path, &original);
    // Different text, same rendered command.
    replace_file(&path, &config(NODE, "{{ add 30330 3 }}", "# a comment\n"));
    kubevali.wait_for_log("unchanged");
    thread::sleep(Duration::from_secs(2));
    assert_eq!(kubevali.count("argv:"), 1, "{}", kubevali.text());
    assert_eq!(kubevali.count("got TERM"), 0, "{}", kubevali.text());
}

#[test]
fn sigterm_during_a_restart_ends_everything_with_the_nodes_status() {
    let dir = Scratch::new("watch");
    let path = dir.join("kubevali.yaml");
    let extra = "stopTimeout: 30s\n";
    std::fs::write(&path, config(SECOND_TERM_EXITS_NODE, "1", extra)).unwrap();
    let kubevali = Running::start(&path);
    kubevali.wait_for("argv: --port 1", 1);

    replace_file(&path, &config(SECOND_TERM_EXITS_NODE, "2", extra));
    kubevali.wait_for("got TERM 1", 1);
    kubevali.signal(libc_sigterm());
    let (status, text) = kubevali.wait();
    assert_eq!(status.code(), Some(42), "{text}");
    assert!(text.contains("got TERM 2"), "{text}");
    assert!(
        !text.contains("argv: --port 2"),
        "no new node may start: {text}"
    );
}

#[test]
fn node_exiting_on_its_own_ends_kubevali_with_its_status() {
    let dir = Scratch::new("watch");
    let path = dir.join("kubevali.yaml");
    std::fs::write(
        &path,
        config(r#"echo "argv: $*"; sleep 0.5; exit 3"#, "1", ""),
    )
    .unwrap();
    let kubevali = Running::start(&path);
    let (status, text) = kubevali.wait();
    assert_eq!(status.code(), Some(3), "{text}");
}

fn libc_sigterm() -> i32 {
    15
}

/// A config edit naming a program that cannot be started is refused before
/// the running node is touched: the node keeps running, the log says which
/// file and field and why; a later fix restarts the node once.
#[test]
fn an_edit_naming_a_program_that_cannot_start_keeps_the_node() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Scratch::new("watch");
    let path = dir.join("kubevali.yaml");
    std::fs::write(&path, config(NODE, "1", "")).unwrap();
    let mut kubevali = Running::start(&path);
    kubevali.wait_for("argv: --port 1", 1);

    replace_file(
        &path,
        "nodeTemplate:\n  index: '0'\n  command: [/usr/bin/darwina-typo]\n",
    );
    kubevali.wait_for_log("nodeTemplate.command[0]");
    let text = kubevali.text();
    let logged = text
        .lines()
        .find(|line| line.contains("nodeTemplate.command[0]"))
        .unwrap();
    assert!(logged.contains(&path.display().to_string()), "{logged}");
    assert!(logged.contains("/usr/bin/darwina-typo"), "{logged}");
    assert!(logged.contains("no such file"), "{logged}");

    // A file exec would refuse (no ELF, no #!): also caught beforehand.
    let text_file = dir.write("not-a-program", "touch PWNED\n");
    std::fs::set_permissions(&text_file, std::fs::Permissions::from_mode(0o755)).unwrap();
    replace_file(
        &path,
        &format!(
            "nodeTemplate:\n  index: '0'\n  command: [{}]\n",
            text_file.display()
        ),
    );
    kubevali.wait_for_log("neither an ELF binary");

    thread::sleep(Duration::from_secs(5));
    assert!(kubevali.still_running(), "{}", kubevali.text());
    assert_eq!(kubevali.count("argv:"), 1, "{}", kubevali.text());
    assert_eq!(kubevali.count("got TERM"), 0, "{}", kubevali.text());

    replace_file(&path, &config(NODE, "2", ""));
    kubevali.wait_for("argv: --port 2", 1);
    thread::sleep(Duration::from_secs(3));
    assert_eq!(kubevali.count("argv:"), 2, "{}", kubevali.text());
    assert_eq!(kubevali.count("got TERM"), 1, "{}", kubevali.text());
}
