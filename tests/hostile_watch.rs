//! `--watch-config` when the config path turns into something that is not a
//! config file (issue 13, items 3 and 16): the watcher never blocks, warns
//! once per change of what is wrong, keeps the node running, and picks up a
//! good config afterwards.

mod support;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::thread;
use std::time::{Duration, Instant};

use support::{Guard, Scratch, SpawnGuarded, kubevali, wait_within as wait_for};

/// Ends kubevali and the node it started, also when the test panics.
struct Cleanup {
    kubevali: Guard,
    node_pid_file: PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = self.kubevali.kill();
        let _ = self.kubevali.wait();
        if let Some(pid) = read_pid(&self.node_pid_file) {
            // SAFETY: plain kill on a pid this test's node wrote.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

fn read_pid(path: &Path) -> Option<libc::pid_t> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn alive(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

fn config(generation: u32) -> String {
    format!(
        "nodeTemplate:\n  index: '0'\n  command: [sh, -c, 'echo $$ > node.pid; exec sleep 60', \
         'gen{generation}']\nstopTimeout: 5s\n"
    )
}

fn remove_whatever(path: &Path) {
    let _ = fs::remove_file(path);
    let _ = fs::remove_dir(path);
}

#[test]
fn unusable_config_paths_are_warned_once_and_never_block_the_watcher() {
    let scratch = Scratch::new("states");
    let dir = scratch.path();
    let config_path = dir.join("kubevali.yaml");
    let log_path = dir.join("kubevali.log");
    fs::write(&config_path, config(1)).unwrap();
    let log = fs::File::create(&log_path).unwrap();
    let kubevali = kubevali(Path::new("kubevali.yaml"))
        .current_dir(dir)
        .arg("-w")
        .env_remove("KUBEVALI_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn_guarded();
    let mut cleanup = Cleanup {
        kubevali,
        node_pid_file: dir.join("node.pid"),
    };
    let read_log = || fs::read_to_string(&log_path).unwrap_or_default();
    wait_for("the node", Duration::from_secs(10), || {
        read_pid(&cleanup.node_pid_file).is_some()
    });
    let node = read_pid(&cleanup.node_pid_file).unwrap();

    // Each state is held for three polls or more: one warning each.
    let c_path = std::ffi::CString::new(config_path.as_os_str().as_encoded_bytes()).unwrap();
    let states: [(&str, &dyn Fn()); 4] = [
        ("is a FIFO, not a regular file", &|| {
            remove_whatever(&config_path);
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        }),
        ("is a directory, not a config file", &|| {
            remove_whatever(&config_path);
            fs::create_dir(&config_path).unwrap();
        }),
        ("it is gone (deleted, or a dangling symlink)", &|| {
            remove_whatever(&config_path);
            symlink("nowhere.yaml", &config_path).unwrap();
        }),
        ("Too many levels of symbolic links", &|| {
            remove_whatever(&config_path);
            symlink("kubevali.yaml", &config_path).unwrap();
        }),
    ];
    for (needle, make) in states {
        make();
        thread::sleep(Duration::from_millis(3_500));
        let log = read_log();
        let warnings: Vec<&str> = log.lines().filter(|line| line.contains(needle)).collect();
        assert_eq!(warnings.len(), 1, "{needle}: {log}");
        assert!(
            warnings[0].contains(" WARN kubevali.yaml: ")
                && warnings[0].ends_with("the node keeps running with the config it has"),
            "{}",
            warnings[0]
        );
        assert!(alive(node), "the node must keep running: {log}");
    }

    // A good, different config is still picked up: the watcher is alive.
    remove_whatever(&config_path);
    fs::write(&config_path, config(2)).unwrap();
    wait_for("the restarted node", Duration::from_secs(20), || {
        read_pid(&cleanup.node_pid_file).is_some_and(|pid| pid != node)
    });
    let log = read_log();
    assert_eq!(
        log.matches("kubevali.yaml: readable again").count(),
        1,
        "{log}"
    );

    // SAFETY: plain kill on our own child.
    unsafe { libc::kill(cleanup.kubevali.id() as libc::pid_t, libc::SIGTERM) };
    let start = Instant::now();
    while cleanup.kubevali.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "kubevali did not end"
        );
        thread::sleep(Duration::from_millis(20));
    }
}
