//! Watchlog against a real HTTP server on loopback.
//!
//! The Pinger tests drive the library API with a Heartbeat fed by hand; the
//! timing settings are pingInterval 1s and lastThreshold 2s throughout, and
//! every wait has a generous bound that only matters when something is
//! broken.

mod support;
use support::http;

use std::sync::{Arc, Mutex, Once};
use std::thread;
use std::time::{Duration, Instant};

use kubevali::config;
use kubevali::heartbeat::Heartbeat;
use kubevali::watchlog::{Check, Pinger};

use http::{Recorder, Reply, Request};

const KEYWORD: &str = "Prepared block";
const PATIENCE: Duration = Duration::from_secs(15);

fn settings(base_url: &str) -> config::Watchlog {
    config::Watchlog {
        enabled: true,
        keyword: KEYWORD.to_owned(),
        last_threshold: Some(Duration::from_secs(2)),
        healthcheck_ids: Vec::new(),
        ping_key: None,
        slug: None,
        ping_base_url: base_url.to_owned(),
        ping_interval: Duration::from_secs(1),
        ping_timeout: Duration::from_secs(2),
    }
}

fn heartbeat() -> Arc<Heartbeat> {
    Arc::new(Heartbeat::new(KEYWORD))
}

/// Log records, kept so tests can count warnings. Every test uses its own
/// check ID prefix, which is all the logs show of the ID.
static LOGS: Mutex<Vec<(log::Level, String)>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        let text = record.args().to_string();
        LOGS.lock().unwrap().push((record.level(), text));
    }
    fn flush(&self) {}
}

fn capture_logs() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        log::set_logger(&Capture).expect("no other logger");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

fn logged(level: log::Level, containing: &str) -> Vec<String> {
    LOGS.lock()
        .unwrap()
        .iter()
        .filter(|(l, text)| *l == level && text.contains(containing))
        .map(|(_, text)| text.clone())
        .collect()
}

fn paths(requests: &[Request]) -> Vec<&str> {
    requests.iter().map(|r| r.path.as_str()).collect()
}

#[test]
fn pings_start_at_the_first_match_and_go_to_the_check() {
    capture_logs();
    let server = Recorder::start();
    let beat = heartbeat();
    let id = "a1b2c3d4-0000-4000-8000-000000000001";
    let pinger = Pinger::start(
        &settings(&server.url()),
        Check::Id(id.to_owned()),
        Arc::clone(&beat),
    );

    // Longer than a pingInterval: a ticker that did not wait would have pinged.
    thread::sleep(Duration::from_millis(1500));
    assert!(server.requests().is_empty(), "pinged before any match");

    beat.record_match(b"2026-11-25 INFO Prepared block for proposing at 42\n");
    let requests = server.wait_for(1, PATIENCE);
    let first = &requests[0];
    assert_eq!(first.method, "POST");
    assert_eq!(first.path, format!("/{id}"));
    assert_eq!(
        first.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        first.header("user-agent"),
        Some(concat!("kubevali/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(
        first.body_text(),
        "keyword \"Prepared block\" last seen 0s ago (threshold 2s)\n\n\
         2026-11-25 INFO Prepared block for proposing at 42"
    );
    // The ID is a credential: info and above show only its start.
    let first_seen = logged(log::Level::Info, "a1b2…");
    assert_eq!(first_seen.len(), 1, "{first_seen:?}");
    assert!(!first_seen[0].contains(id));
    pinger.stop();
}

#[test]
fn a_stale_heartbeat_pings_fail_until_the_keyword_returns() {
    capture_logs();
    let server = Recorder::start();
    let beat = heartbeat();
    let id = "b1b2c3d4-0000-4000-8000-000000000002";
    let pinger = Pinger::start(
        &settings(&server.url()),
        Check::Id(id.to_owned()),
        Arc::clone(&beat),
    );
    beat.record_match(b"Prepared block #1");

    let fail_path = format!("/{id}/fail");
    let requests = server.wait_until(PATIENCE, |r| r.iter().any(|r| r.path == fail_path));
    let first_fail = requests
        .iter()
        .position(|r| r.path == fail_path)
        .expect("a /fail ping");
    assert!(
        first_fail >= 1,
        "the first ping is healthy: {:?}",
        paths(&requests)
    );
    let fail_body = requests[first_fail].body_text();
    let status = fail_body.lines().next().unwrap_or_default();
    // At least the threshold; exactly 2s unless the machine is very busy.
    assert!(
        status.starts_with("keyword \"Prepared block\" last seen ")
            && status.ends_with("s ago (threshold 2s)")
            && !status.contains(" 0s ago")
            && !status.contains(" 1s ago"),
        "{status}"
    );
    assert!(
        requests[first_fail]
            .body_text()
            .ends_with("\n\nPrepared block #1")
    );

    let revived_at = Instant::now();
    beat.record_match(b"Prepared block #2");
    let healthy_path = format!("/{id}");
    let requests = server.wait_until(PATIENCE, |r| {
        r.iter()
            .any(|r| r.at > revived_at && r.path == healthy_path)
    });
    let revived = requests
        .iter()
        .find(|r| r.at > revived_at && r.path == healthy_path)
        .expect("a healthy ping after the keyword returned");
    assert!(revived.body_text().ends_with("\n\nPrepared block #2"));
    assert!(!logged(log::Level::Info, "unhealthy: no \"Prepared block\" for ").is_empty());
    assert!(!logged(log::Level::Info, "healthy again").is_empty());
    pinger.stop();
}

#[test]
fn slug_ids_and_base_urls_with_a_path_join_cleanly() {
    let server = Recorder::start();
    let beat = heartbeat();
    let base = format!("{}/ping/", server.url());
    let pinger = Pinger::start(
        &settings(&base),
        Check::Id("c1key-ping/darwinia-1".to_owned()),
        Arc::clone(&beat),
    );
    beat.record_match(b"Prepared block");
    let requests = server.wait_for(1, PATIENCE);
    assert_eq!(requests[0].path, "/ping/c1key-ping/darwinia-1");
    pinger.node_exited("node was killed by SIGKILL", None);
    let requests = server.wait_until(PATIENCE, |r| r.iter().any(|r| r.path.ends_with("/fail")));
    assert_eq!(
        requests.last().map(|r| r.path.as_str()),
        Some("/ping/c1key-ping/darwinia-1/fail")
    );
}

#[test]
fn server_errors_are_retried() {
    capture_logs();
    let server = Recorder::scripted(&[Reply::Status(500)], Reply::Status(200));
    let beat = heartbeat();
    let id = "d1b2c3d4-0000-4000-8000-000000000004";
    let mut settings = settings(&server.url());
    // One tick in the whole test: every further request is a retry.
    settings.ping_interval = Duration::from_secs(3600);
    let pinger = Pinger::start(&settings, Check::Id(id.to_owned()), Arc::clone(&beat));
    beat.record_match(b"Prepared block");
    let requests = server.wait_for(2, PATIENCE);
    assert_eq!(paths(&requests), [format!("/{id}"), format!("/{id}")]);
    assert_eq!(requests[0].body, requests[1].body);
    // Delivered on the second attempt: nothing to warn about, no third one.
    thread::sleep(Duration::from_millis(2500));
    assert_eq!(server.requests().len(), 2);
    assert!(logged(log::Level::Warn, "d1b2").is_empty());
    pinger.stop();
}

#[test]
fn unknown_checks_are_not_retried_and_warned_about_once() {
    capture_logs();
    let server = Recorder::scripted(&[], Reply::Status(404));
    let beat = heartbeat();
    let id = "e1b2c3d4-0000-4000-8000-000000000005";
    let mut slow = settings(&server.url());
    slow.ping_interval = Duration::from_secs(3600);
    let pinger = Pinger::start(&slow, Check::Id(id.to_owned()), Arc::clone(&beat));
    beat.record_match(b"Prepared block");
    server.wait_for(1, PATIENCE);
    // Longer than both retry pauses together.
    thread::sleep(Duration::from_millis(3500));
    assert_eq!(server.requests().len(), 1, "a 404 was retried");
    let warnings = logged(log::Level::Warn, "e1b2…");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("HTTP 404") && warnings[0].contains("healthcheckIDs"),
        "{}",
        warnings[0]
    );
    assert!(!warnings[0].contains(id));
    pinger.stop();

    // Every tick refused the same way: still one warning.
    let server = Recorder::scripted(&[], Reply::Status(404));
    let beat = heartbeat();
    let id = "f1b2c3d4-0000-4000-8000-000000000006";
    let pinger = Pinger::start(
        &settings(&server.url()),
        Check::Id(id.to_owned()),
        Arc::clone(&beat),
    );
    beat.record_match(b"Prepared block");
    assert_eq!(server.wait_for(4, PATIENCE).len(), 4);
    assert_eq!(logged(log::Level::Warn, "f1b2…").len(), 1);
    pinger.stop();
}

#[test]
fn the_node_exiting_sends_its_exit_status_as_the_final_ping() {
    let server = Recorder::start();
    let beat = heartbeat();
    let id = "g1b2c3d4-0000-4000-8000-000000000007";
    let pinger = Pinger::start(
        &settings(&server.url()),
        Check::Id(id.to_owned()),
        Arc::clone(&beat),
    );
    beat.record_match(b"Prepared block #9");
    server.wait_for(1, PATIENCE);
    pinger.node_exited("node exited with status 3", Some(3));
    let requests = server.requests();
    let last = requests.last().expect("requests");
    assert_eq!(last.path, format!("/{id}/3"));
    assert_eq!(
        last.body_text(),
        "node exited with status 3\n\nPrepared block #9"
    );
    // The ticker is done: nothing follows the final ping.
    let count = requests.len();
    thread::sleep(Duration::from_millis(2500));
    assert_eq!(server.requests().len(), count);
}

#[test]
fn a_node_that_never_matched_still_reports_its_exit() {
    let server = Recorder::start();
    let id = "h1b2c3d4-0000-4000-8000-000000000008";
    let pinger = Pinger::start(
        &settings(&server.url()),
        Check::Id(id.to_owned()),
        heartbeat(),
    );
    pinger.node_exited("node exited with status 101", Some(101));
    let requests = server.requests();
    assert_eq!(paths(&requests), [format!("/{id}/101")]);
    assert_eq!(requests[0].body_text(), "node exited with status 101");
}

#[test]
fn a_planned_stop_sends_nothing_more() {
    let server = Recorder::start();
    let beat = heartbeat();
    let pinger = Pinger::start(
        &settings(&server.url()),
        Check::Id("i1b2".to_owned()),
        Arc::clone(&beat),
    );
    beat.record_match(b"Prepared block");
    server.wait_for(1, PATIENCE);
    pinger.stop();
    let count = server.requests().len();
    thread::sleep(Duration::from_millis(2500));
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        count,
        "pinged after stop: {:?}",
        paths(&requests)
    );
    assert!(requests.iter().all(|r| !r.path.ends_with("/fail")));
}

#[test]
fn a_hanging_endpoint_bounds_the_final_ping_by_the_timeout() {
    capture_logs();
    let server = Recorder::scripted(&[], Reply::Hang);
    let beat = heartbeat();
    let mut hanging = settings(&server.url());
    hanging.ping_timeout = Duration::from_secs(1);
    let pinger = Pinger::start(
        &hanging,
        Check::Id("j1b2-hang".to_owned()),
        Arc::clone(&beat),
    );
    beat.record_match(b"Prepared block");
    server.wait_for(1, PATIENCE);
    // The ticker's ping hangs; recording matches meanwhile must not wait for it.
    for n in 0..100_000 {
        beat.record_match(format!("Prepared block #{n}").as_bytes());
    }
    let started = Instant::now();
    pinger.node_exited("node exited with status 1", Some(1));
    let took = started.elapsed();
    // About pingTimeout; the bound is generous and fails only if the call
    // waited for retries or for both requests in full.
    assert!(took < Duration::from_secs(5), "node_exited took {took:?}");
    assert!(!logged(log::Level::Warn, "j1b2…").is_empty());
}

#[test]
fn the_body_stays_under_ten_thousand_bytes() {
    let server = Recorder::start();
    let beat = heartbeat();
    let pinger = Pinger::start(
        &settings(&server.url()),
        Check::Id("k1b2".to_owned()),
        Arc::clone(&beat),
    );
    let mut line = b"Prepared block ".to_vec();
    line.extend(std::iter::repeat_n(b"\xe2\x82\xac"[..].iter().copied(), 1 << 18).flatten());
    beat.record_match(&line);
    let requests = server.wait_for(1, PATIENCE);
    assert!(requests[0].body.len() <= 10_000);
    assert!(std::str::from_utf8(&requests[0].body).is_ok());
    pinger.stop();
}

// ---------------------------------------------------------------------------
// Through the kubevali binary, with a shell script as the node.

mod binary {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{ExitStatus, Stdio};
    use std::sync::mpsc::{self, Receiver};
    use std::sync::{Arc, Mutex};
    use std::thread;
    use std::time::{Duration, Instant};

    use super::http::{Recorder, Reply, Request};
    use super::support::{Guard, Scratch, SpawnGuarded, kubevali};
    use super::{PATIENCE, paths};

    pub const FIRST_ID: &str = "0a1b2c3d-1111-4000-8000-00000000aaaa";
    pub const SECOND_ID: &str = "9f8e7d6c-2222-4000-8000-00000000bbbb";

    /// A kubevali run: killed and reaped (the guard), then its directory
    /// removed, when dropped, also when the test panics.
    pub struct Run {
        pub child: Guard,
        /// Declared after `child`, so it is removed once kubevali is gone.
        _dir: Scratch,
        stderr: Arc<Mutex<Vec<u8>>>,
        stderr_reader: Option<thread::JoinHandle<()>>,
    }

    /// Starts kubevali as replica 1 with `node_script` as the node
    /// (`sh <script>`), pinging `server` every second with lastThreshold 2s.
    pub fn start(name: &str, node_script: &str, server: &Recorder) -> Run {
        start_naming(name, node_script, server, &default_check(), &[])
    }

    /// The healthcheckIDs line every run uses unless told otherwise.
    fn default_check() -> String {
        format!("healthcheckIDs: [{FIRST_ID}, {SECOND_ID}]")
    }

    /// Like [`start`], naming the check with `check` (YAML lines under
    /// `watchlog:`, indented by two) and with `env` set.
    pub fn start_naming(
        name: &str,
        node_script: &str,
        server: &Recorder,
        check: &str,
        env: &[(&str, &str)],
    ) -> Run {
        let dir = Scratch::new(name);
        let script = dir.join("node.sh");
        std::fs::write(&script, node_script).expect("write node script");
        start_full(dir, &format!("[sh, {script:?}]"), server, check, env)
    }

    /// Like [`start`] with `command` (YAML) as nodeTemplate.command.
    fn start_command(dir: Scratch, command: &str, server: &Recorder) -> Run {
        start_full(dir, command, server, &default_check(), &[])
    }

    fn start_full(
        dir: Scratch,
        command: &str,
        server: &Recorder,
        check: &str,
        env: &[(&str, &str)],
    ) -> Run {
        let config = dir.join("kubevali.yaml");
        std::fs::write(
            &config,
            format!(
                "nodeTemplate:\n  index: '1'\n  command: {command}\n\
                 watchlog:\n  enabled: true\n  keyword: Prepared block\n  lastThreshold: 2s\n  \
                 {check}\n  pingBaseURL: {}\n  \
                 pingInterval: 1s\n  pingTimeout: 2s\n",
                server.url()
            ),
        )
        .expect("write config");
        let mut child = kubevali(&config)
            .env("HOSTNAME", "validator-sts-1")
            .env_remove("KUBEVALI_LOG")
            .env_remove("KUBEVALI_CONFIG")
            .env_remove("http_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("https_proxy")
            .env_remove("HTTPS_PROXY")
            .env_remove("all_proxy")
            .env_remove("ALL_PROXY")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn_guarded();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut pipe = child.stderr.take().expect("stderr pipe");
        let sink = Arc::clone(&stderr);
        let stderr_reader = thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n @ 1..) = pipe.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Run {
            child,
            _dir: dir,
            stderr,
            stderr_reader: Some(stderr_reader),
        }
    }

    impl Run {
        /// The node's output, line by line, as kubevali passes it on.
        pub fn stdout_lines(&mut self) -> Receiver<Vec<u8>> {
            let stdout = self.child.stdout.take().expect("stdout pipe");
            let (send, receive) = mpsc::channel();
            thread::spawn(move || {
                let mut reader = BufReader::new(stdout);
                loop {
                    let mut line = Vec::new();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(1..) => {
                            if send.send(line).is_err() {
                                return;
                            }
                        }
                        _ => return,
                    }
                }
            });
            receive
        }

        pub fn terminate(&self) {
            // SAFETY: plain kill(2) on our own child's pid.
            unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        }

        /// Waits for kubevali to exit; panics after PATIENCE × 4.
        pub fn wait(&mut self) -> ExitStatus {
            let deadline = Instant::now() + PATIENCE * 4;
            loop {
                if let Some(status) = self.child.try_wait().expect("wait") {
                    if let Some(reader) = self.stderr_reader.take() {
                        let _ = reader.join();
                    }
                    return status;
                }
                if Instant::now() > deadline {
                    let _ = self.child.kill();
                    panic!("kubevali did not exit; its log:\n{}", self.log());
                }
                thread::sleep(Duration::from_millis(20));
            }
        }

        /// kubevali's own log (stderr).
        pub fn log(&self) -> String {
            String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
        }
    }

    /// Waits for a line containing `marker` in the node's output.
    pub fn wait_for_line(lines: &Receiver<Vec<u8>>, marker: &str) -> Vec<u8> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if String::from_utf8_lossy(&line).contains(marker) => return line,
                Ok(_) => {}
                Err(e) => panic!("no line with {marker:?} from the node: {e}"),
            }
        }
    }

    pub fn fail_path(id: &str) -> String {
        format!("/{id}/fail")
    }

    pub fn has_path(requests: &[Request], path: &str) -> bool {
        requests.iter().any(|r| r.path == path)
    }

    #[test]
    fn replica_one_pings_its_own_check_from_the_first_match_and_not_after_sigterm() {
        let server = Recorder::start();
        let mut run = start(
            "replica",
            "echo starting\nsleep 2\necho 'INFO Prepared block for proposing at #1'\nexec sleep 60\n",
            &server,
        );
        let lines = run.stdout_lines();
        wait_for_line(&lines, "starting");
        // Longer than a pingInterval, still before the node's first match.
        thread::sleep(Duration::from_millis(1200));
        assert!(
            server.requests().is_empty(),
            "pinged before the first match"
        );

        wait_for_line(&lines, "Prepared block");
        let requests = server.wait_for(2, PATIENCE);
        assert_eq!(
            requests[0].path,
            format!("/{SECOND_ID}"),
            "{:?}",
            paths(&requests)
        );
        assert!(requests.iter().all(|r| r.path == format!("/{SECOND_ID}")));
        assert!(
            requests[0]
                .body_text()
                .ends_with("\n\nINFO Prepared block for proposing at #1"),
            "{:?}",
            requests[0].body_text()
        );

        run.terminate();
        let status = run.wait();
        let count = server.requests().len();
        thread::sleep(Duration::from_millis(1500));
        let requests = server.requests();
        assert_eq!(requests.len(), count, "pinged after kubevali exited");
        assert!(
            !has_path(&requests, &fail_path(SECOND_ID)),
            "a planned stop sent /fail"
        );
        assert_eq!(status.code(), Some(128 + libc::SIGTERM), "{}", run.log());
        let log = run.log();
        assert!(log.contains("9f8e…"), "{log}");
        assert!(
            !log.contains(SECOND_ID),
            "the full check ID was logged:\n{log}"
        );
    }

    #[test]
    fn a_silent_node_is_reported_failing_until_the_keyword_returns() {
        let server = Recorder::start();
        let mut run = start(
            "stale",
            "echo 'Prepared block #1'\nsleep 4\necho 'Prepared block #2'\nexec sleep 60\n",
            &server,
        );
        let lines = run.stdout_lines();
        let fail = fail_path(SECOND_ID);
        let requests = server.wait_until(PATIENCE, |r| has_path(r, &fail));
        assert!(
            has_path(&requests, &fail),
            "no /fail ping: {:?}",
            paths(&requests)
        );
        assert_eq!(requests[0].path, format!("/{SECOND_ID}"));

        wait_for_line(&lines, "Prepared block #2");
        let back = Instant::now();
        let healthy = format!("/{SECOND_ID}");
        let requests = server.wait_until(PATIENCE, |r| {
            r.iter().any(|r| r.at > back && r.path == healthy)
        });
        let revived = requests
            .iter()
            .find(|r| r.at > back && r.path == healthy)
            .unwrap_or_else(|| {
                panic!(
                    "no healthy ping after the keyword returned: {:?}",
                    paths(&requests)
                )
            });
        assert!(revived.body_text().ends_with("\n\nPrepared block #2"));
        run.terminate();
        run.wait();
        let log = run.log();
        assert!(log.contains("unhealthy"), "{log}");
        assert!(log.contains("healthy again"), "{log}");
    }

    #[test]
    fn a_node_exiting_on_its_own_reports_its_exit_status() {
        // (script end, kubevali's exit code, final ping path suffix, headline)
        let cases = [
            ("exit 3", 3, "/3", "node exited with status 3"),
            ("exit 255", 255, "/255", "node exited with status 255"),
            // Healthchecks takes /0 for a success; a validator exiting is not one.
            ("exit 0", 0, "/fail", "node exited with status 0"),
            (
                "kill -KILL $$",
                128 + 9,
                "/fail",
                "node was killed by SIGKILL",
            ),
        ];
        for (end, code, suffix, headline) in cases {
            let server = Recorder::start();
            let mut run = start(
                "exit",
                &format!("echo 'Prepared block #7'\nsleep 1\n{end}\n"),
                &server,
            );
            let _lines = run.stdout_lines();
            let status = run.wait();
            assert_eq!(status.code(), Some(code), "{end}: {}", run.log());
            let requests = server.requests();
            let last = requests
                .last()
                .unwrap_or_else(|| panic!("{end}: no ping; log:\n{}", run.log()));
            let final_path = format!("/{SECOND_ID}{suffix}");
            assert_eq!(last.path, final_path, "{end}");
            assert_eq!(
                last.body_text(),
                format!("{headline}\n\nPrepared block #7"),
                "{end}"
            );
            let finals = requests.iter().filter(|r| r.path == final_path).count();
            assert_eq!(finals, 1, "{end}: {:?}", paths(&requests));
            let log = run.log();
            assert!(
                log.contains(&format!("exit with a {suffix} ping")),
                "{end}: {log}"
            );
        }
    }

    #[test]
    fn a_hanging_endpoint_does_not_slow_the_logs() {
        const TOTAL: usize = 100 << 20;
        const LINE: &[u8] =
            b"2026-11-25 12:00:00 INFO Prepared block for proposing at 1234567 (filler)\n";
        let server = Recorder::scripted(&[], Reply::Hang);
        let mut run = start(
            "hang",
            &format!(
                "yes '{}' | head -c {TOTAL}\n",
                String::from_utf8_lossy(&LINE[..LINE.len() - 1])
            ),
            &server,
        );
        let started = Instant::now();
        let mut stdout = run.child.stdout.take().expect("stdout");
        // The expected stream is LINE repeated; compare chunk by chunk.
        let pattern: Vec<u8> = LINE.repeat((128 << 10) / LINE.len() + 2);
        let mut buf = vec![0u8; 64 << 10];
        let mut received = 0usize;
        let mut intact = true;
        loop {
            let n = stdout.read(&mut buf).expect("read stdout");
            if n == 0 {
                break;
            }
            let offset = received % LINE.len();
            intact &= buf[..n] == pattern[offset..offset + n];
            received += n;
        }
        let status = run.wait();
        let took = started.elapsed();
        assert_eq!(received, TOTAL, "bytes delivered");
        assert!(intact, "the output was altered");
        assert_eq!(status.code(), Some(0));
        assert!(
            !server.requests().is_empty(),
            "the pinger never reached the endpoint"
        );
        // Generous: a stall on the pings (3 attempts × 2 s + pauses per tick)
        // would show as far more than this.
        assert!(took < Duration::from_secs(90), "took {took:?}");
        let log = run.log();
        assert!(log.contains("WARN") && log.contains("9f8e…"), "{log}");
    }

    #[test]
    fn keywords_split_across_reads_or_in_invalid_utf8_are_found() {
        let server = Recorder::start();
        let mut run = start(
            "split",
            "printf 'INFO Prep'\nsleep 0.5\nprintf 'ared block #1\\n'\nexec sleep 60\n",
            &server,
        );
        let _lines = run.stdout_lines();
        let requests = server.wait_for(1, PATIENCE);
        assert!(
            !requests.is_empty(),
            "the split keyword was missed; log:\n{}",
            run.log()
        );
        assert!(
            requests[0]
                .body_text()
                .ends_with("\n\nINFO Prepared block #1")
        );
        run.terminate();
        run.wait();

        let server = Recorder::start();
        let mut run = start(
            "invalid-utf8",
            "printf '\\377\\376 Prepared block \\303\\n'\nexec sleep 60\n",
            &server,
        );
        let _lines = run.stdout_lines();
        let requests = server.wait_for(1, PATIENCE);
        assert!(
            !requests.is_empty(),
            "the keyword in invalid UTF-8 was missed"
        );
        assert!(
            requests[0]
                .body_text()
                .ends_with("\n\n\u{fffd}\u{fffd} Prepared block \u{fffd}"),
            "{:?}",
            requests[0].body_text()
        );
        run.terminate();
        run.wait();
    }

    #[test]
    fn a_huge_matching_line_gives_a_body_under_the_limit() {
        let server = Recorder::start();
        let mut run = start(
            "huge",
            "printf 'Prepared block '\nhead -c 1048576 /dev/zero | tr '\\0' '\\342'\necho\nexec sleep 60\n",
            &server,
        );
        let _lines = run.stdout_lines();
        let requests = server.wait_for(1, PATIENCE);
        let body = &requests.first().expect("a ping").body;
        assert!(body.len() <= 10_000, "{} bytes", body.len());
        assert!(std::str::from_utf8(body).is_ok());
        assert!(String::from_utf8_lossy(body).contains("\n\nPrepared block "));
        run.terminate();
        run.wait();
    }

    #[test]
    fn an_unknown_check_is_warned_about_once() {
        let server = Recorder::scripted(&[], Reply::Status(404));
        let mut run = start(
            "not-found",
            "echo 'Prepared block'\nexec sleep 60\n",
            &server,
        );
        let _lines = run.stdout_lines();
        let requests = server.wait_for(4, PATIENCE);
        assert!(requests.len() >= 4, "{:?}", paths(&requests));
        run.terminate();
        run.wait();
        let log = run.log();
        let warnings = log
            .lines()
            .filter(|l| l.contains("WARN") && l.contains("HTTP 404"))
            .count();
        assert_eq!(warnings, 1, "{log}");
    }

    #[test]
    fn a_node_that_cannot_start_is_reported_with_a_fail() {
        let server = Recorder::start();
        let dir = Scratch::new("no-such-node");
        let missing = dir.join("no-such-node");
        let mut run = start_command(dir, &format!("[{missing:?}]"), &server);
        let _lines = run.stdout_lines();
        let status = run.wait();
        assert_ne!(status.code(), Some(0));
        let requests = server.requests();
        assert_eq!(
            paths(&requests),
            [fail_path(SECOND_ID)],
            "log:\n{}",
            run.log()
        );
        let body = requests[0].body_text();
        assert!(body.starts_with("node could not be started: "), "{body}");
    }
}

#[test]
fn an_update_moves_the_pings_to_the_new_check() {
    let old = Recorder::start();
    let new = Recorder::start();
    let beat = heartbeat();
    let pinger = Pinger::start(
        &settings(&old.url()),
        Check::Id("l1b2-old".to_owned()),
        Arc::clone(&beat),
    );
    beat.record_match(b"Prepared block");
    old.wait_for(1, PATIENCE);
    pinger.update(
        &settings(&format!("{}/ping", new.url())),
        Check::Id("l1b2-new".to_owned()),
    );
    let requests = new.wait_for(1, PATIENCE);
    assert_eq!(paths(&requests[..1]), ["/ping/l1b2-new"]);
    pinger.stop();
}

// ---------------------------------------------------------------------------
// Auto-provisioning, templates and load-time checks, through the binary.

mod provisioning {
    use std::thread;
    use std::time::Duration;

    use super::binary::{self, SECOND_ID};
    use super::http::{Recorder, Reply};
    use super::support::{Scratch, kubevali};
    use super::{PATIENCE, paths};

    const PING_KEY: &str = "Fq0Od6-F4MMNuCEnzTU01w";

    #[test]
    fn a_check_named_by_ping_key_and_pod_name_creates_itself_and_gets_the_exit_status() {
        let server = Recorder::scripted(&[Reply::Status(201)], Reply::Status(200));
        let mut run = binary::start_naming(
            "provisioned",
            "echo 'Prepared block #1'\nsleep 1.5\nexit 3\n",
            &server,
            "pingKey: '{{ env \"HC_PING_KEY\" }}'",
            // Even debug logs mask the key.
            &[("HC_PING_KEY", PING_KEY), ("KUBEVALI_LOG", "debug")],
        );
        let _lines = run.stdout_lines();
        let status = run.wait();
        assert_eq!(status.code(), Some(3), "{}", run.log());
        let requests = server.requests();
        let all = paths(&requests);
        // The slug defaults to the pod name, HOSTNAME=validator-sts-1.
        assert_eq!(
            all.first().copied(),
            Some(format!("/{PING_KEY}/validator-sts-1?create=1").as_str()),
            "{all:?}"
        );
        let last = requests.last().expect("a final ping");
        assert_eq!(last.path, format!("/{PING_KEY}/validator-sts-1/3?create=1"));
        assert_eq!(
            last.body_text(),
            "node exited with status 3\n\nPrepared block #1"
        );
        let log = run.log();
        assert!(log.contains("created check Fq0O…/validator-sts-1"), "{log}");
        assert!(
            log.contains("POST http://127.0.0.1:")
                && log.contains("/Fq0O…/validator-sts-1/3?create=1"),
            "{log}"
        );
        assert!(!log.contains(PING_KEY), "the ping key was logged:\n{log}");
    }

    #[test]
    fn a_templated_slug_is_used_and_a_404_points_at_the_ping_key() {
        let server = Recorder::scripted(&[], Reply::Status(404));
        let mut run = binary::start_naming(
            "provisioned-404",
            "echo 'Prepared block'\nexec sleep 60\n",
            &server,
            "pingKey: '{{ env \"HC_PING_KEY\" }}'\n  slug: 'validator-{{ .Index }}'",
            &[("HC_PING_KEY", PING_KEY)],
        );
        let _lines = run.stdout_lines();
        let requests = server.wait_for(3, PATIENCE);
        assert!(requests.len() >= 3, "{:?}", paths(&requests));
        // /fail too once lastThreshold (2s) passes.
        assert!(
            requests.iter().all(|r| {
                r.path == format!("/{PING_KEY}/validator-1?create=1")
                    || r.path == format!("/{PING_KEY}/validator-1/fail?create=1")
            }),
            "{:?}",
            paths(&requests)
        );
        run.terminate();
        run.wait();
        let log = run.log();
        let warnings: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("WARN") && l.contains("HTTP 404"))
            .collect();
        assert_eq!(warnings.len(), 1, "{log}");
        assert!(warnings[0].contains("watchlog.pingKey"), "{}", warnings[0]);
        assert!(warnings[0].contains("Fq0O…/validator-1"), "{}", warnings[0]);
        assert!(!log.contains(PING_KEY), "the ping key was logged:\n{log}");
    }

    #[test]
    fn check_ids_can_come_from_the_environment() {
        let server = Recorder::start();
        let mut run = binary::start_naming(
            "ids-from-env",
            "echo 'Prepared block'\nexec sleep 60\n",
            &server,
            "healthcheckIDs: ['{{ env \"ID_0\" }}', '{{ env \"ID_1\" }}']",
            &[("ID_0", "unused"), ("ID_1", SECOND_ID)],
        );
        let _lines = run.stdout_lines();
        let requests = server.wait_for(1, PATIENCE);
        assert_eq!(
            paths(&requests[..1]),
            [format!("/{SECOND_ID}")],
            "{}",
            run.log()
        );
        run.terminate();
        run.wait();
    }

    /// Runs `kubevali --dry-run` on a config whose watchlog section ends
    /// with `lines`; gives the exit code and stderr.
    fn dry_run(lines: &str, env: &[(&str, &str)]) -> (Option<i32>, String) {
        let dir = Scratch::new("dry");
        let config = dir.join("kubevali.yaml");
        std::fs::write(
            &config,
            format!(
                "nodeTemplate:\n  index: '1'\n  command: [x]\nwatchlog:\n  enabled: true\n  \
                 keyword: k\n  lastThreshold: 1h\n{lines}\n"
            ),
        )
        .expect("write config");
        let output = kubevali(&config)
            .arg("--dry-run")
            .env("HOSTNAME", "validator-sts-1")
            .env_remove("KUBEVALI_LOG")
            .env_remove("KUBEVALI_CONFIG")
            .envs(env.iter().copied())
            .output()
            .expect("run kubevali");
        drop(dir);
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    #[test]
    fn ids_keys_slugs_and_base_urls_are_checked_at_load() {
        // (watchlog lines, environment, expected in the error)
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case] = &[
            (
                "  healthcheckIDs: [a, 'x#frag']",
                &[],
                "kubevali.yaml:8:23: watchlog.healthcheckIDs[1]: has '#' at character 2",
            ),
            (
                "  healthcheckIDs: [a, 'x?y=1']",
                &[],
                "watchlog.healthcheckIDs[1]: has '?' at character 2",
            ),
            (
                "  healthcheckIDs: [a, '']",
                &[],
                "watchlog.healthcheckIDs[1]: is empty",
            ),
            (
                "  healthcheckIDs: [a, '/']",
                &[],
                "watchlog.healthcheckIDs[1]: has an empty part before or after '/'",
            ),
            (
                "  healthcheckIDs: [a, 'b c']",
                &[],
                "watchlog.healthcheckIDs[1]: has a space at character 2",
            ),
            (
                "  healthcheckIDs: [a, \"bc\\r\\n\"]",
                &[],
                "watchlog.healthcheckIDs[1]: has a carriage return (\\r) at character 3 (a trailing line break",
            ),
            (
                "  healthcheckIDs: [a, '{{ env \"ID\" }}']",
                &[("ID", "s3cret-value\r\n")],
                "watchlog.healthcheckIDs[1]: rendered a value that has a carriage return",
            ),
            (
                "  healthcheckIDs: [a, b]\n  pingBaseURL: 'http://[::1'",
                &[],
                "kubevali.yaml:9:16: watchlog.pingBaseURL: \"http://[::1\" has an IPv6 host whose '[' is not closed",
            ),
            (
                "  healthcheckIDs: [a, b]\n  pingBaseURL: 'https://hc.example.com/ping?x=1'",
                &[],
                "watchlog.pingBaseURL: \"https://hc.example.com/ping?x=1\" has a query",
            ),
            (
                "  healthcheckIDs: [a, b]\n  pingBaseURL: 'https://hc.example.com/#x'",
                &[],
                "has a fragment",
            ),
            (
                "  healthcheckIDs: [a, b]\n  pingKey: key",
                &[],
                "watchlog.pingKey: and healthcheckIDs are two ways to name the check: set only one",
            ),
            (
                "  healthcheckIDs: [a, b]\n  slug: s",
                &[],
                "watchlog.slug: names an auto-provisioned check, so it needs watchlog.pingKey",
            ),
            (
                "  pingKey: '{{ env \"HC_PING_KEY\" }}'",
                &[("HC_PING_KEY", "")],
                "watchlog.pingKey: rendered a value that is empty",
            ),
            (
                "  pingKey: key\n  slug: Validator-1",
                &[],
                "watchlog.slug: has a capital letter at character 1",
            ),
            (
                "  pingKey: key",
                &[("HOSTNAME", "sts.x-1")],
                "watchlog.slug: is not set, and the pod name (HOSTNAME=\"sts.x-1\") that stands in for it has '.'",
            ),
        ];
        for (lines, env, expected) in cases {
            let (code, stderr) = dry_run(lines, env);
            assert_eq!(code, Some(2), "{lines}: {stderr}");
            assert!(stderr.contains(expected), "{lines}:\n{stderr}");
            assert!(!stderr.contains("s3cret"), "a secret was printed: {stderr}");
        }
        // And what passes.
        for (lines, env) in [
            ("  healthcheckIDs: [a, 'key/slug-1']", &[][..]),
            ("  pingKey: '{{ env \"K\" }}'", &[("K", PING_KEY)][..]),
            ("  pingKey: key\n  slug: 'validator-{{ .Index }}'", &[][..]),
        ] {
            let (code, stderr) = dry_run(lines, env);
            assert_eq!(code, Some(0), "{lines}: {stderr}");
        }
    }

    #[test]
    fn a_keyword_far_into_a_long_line_is_in_the_body_with_the_cuts_marked() {
        let server = Recorder::start();
        let mut run = binary::start(
            "far-keyword",
            "head -c 30000 /dev/zero | tr '\\0' x\nprintf ' Prepared block #1 '\n\
             head -c 30000 /dev/zero | tr '\\0' y\necho\nexec sleep 60\n",
            &server,
        );
        let _lines = run.stdout_lines();
        let requests = server.wait_for(1, PATIENCE);
        let body = requests
            .first()
            .unwrap_or_else(|| panic!("no ping: {}", run.log()))
            .body_text();
        // How much around the keyword is kept depends on how the pipe's
        // reads fell; the keyword and the marks on both sides do not.
        assert!(body.len() <= 10_000, "{}", body.len());
        let (headline, excerpt) = body.split_once("\n\n").expect("a blank line");
        assert!(headline.starts_with("keyword \"Prepared block\" last seen"));
        assert!(excerpt.contains(" Prepared block #1 "), "{excerpt}");
        assert!(
            excerpt.starts_with("[…]") && excerpt.ends_with("[…]"),
            "{excerpt}"
        );
        run.terminate();
        run.wait();

        // A line that fits is passed whole: 9,800 bytes and the keyword last.
        let server = Recorder::start();
        let mut run = binary::start(
            "fitting-line",
            "head -c 9800 /dev/zero | tr '\\0' x\nprintf ' Prepared block\\n'\nexec sleep 60\n",
            &server,
        );
        let _lines = run.stdout_lines();
        let requests = server.wait_for(1, PATIENCE);
        let body = requests.first().expect("a ping").body_text();
        let excerpt = body.split_once("\n\n").expect("a blank line").1;
        assert_eq!(excerpt, format!("{} Prepared block", "x".repeat(9800)));
        run.terminate();
        run.wait();
        // Nothing more after the stop.
        thread::sleep(Duration::from_millis(100));
    }
}

// ---------------------------------------------------------------------------
// Warnings that point at the cause, and the counts for metrics.

/// Waits until exactly one warning names `shown`, and gives it.
fn the_warning_about(shown: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let warnings = logged(log::Level::Warn, shown);
        if !warnings.is_empty() || Instant::now() > deadline {
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            return warnings[0].clone();
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn one_tick(base_url: &str) -> config::Watchlog {
    let mut settings = settings(base_url);
    settings.ping_interval = Duration::from_secs(3600);
    settings
}

#[test]
fn server_errors_say_the_server_failed_after_the_retries() {
    capture_logs();
    let server = Recorder::scripted(&[], Reply::Status(503));
    let beat = heartbeat();
    let pinger = Pinger::start(
        &one_tick(&server.url()),
        Check::Id("m1b2-five-hundred".to_owned()),
        Arc::clone(&beat),
    );
    beat.record_match(b"Prepared block");
    assert_eq!(server.wait_for(3, PATIENCE).len(), 3);
    let warning = the_warning_about("m1b2…");
    assert!(
        warning.contains("HTTP 503")
            && warning.contains("after 3 attempts")
            && warning.contains("server failed"),
        "{warning}"
    );
    // Not the address: the server answered, so the address is right.
    assert!(!warning.contains("pingBaseURL"), "{warning}");
    pinger.stop();
}

#[test]
fn a_server_that_does_not_answer_is_named_as_such() {
    capture_logs();
    let server = Recorder::scripted(&[], Reply::Hang);
    let beat = heartbeat();
    let mut settings = one_tick(&server.url());
    settings.ping_timeout = Duration::from_secs(1);
    let pinger = Pinger::start(
        &settings,
        Check::Id("n1b2-silent".to_owned()),
        Arc::clone(&beat),
    );
    beat.record_match(b"Prepared block");
    let warning = the_warning_about("n1b2…");
    assert!(
        warning.contains("timed out") && warning.contains("did not answer within pingTimeout (1s)"),
        "{warning}"
    );
    pinger.stop();
}

#[test]
fn refusals_get_a_hint_of_their_own() {
    capture_logs();
    let plain = |status: &str| {
        format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    };
    // (ID, answer, what the warning must say)
    let moved_id = "o3b2c3d4-0000-4000-8000-00000000000f";
    let cases = [
        (
            "o1b2-unauthorized",
            plain("401 Unauthorized"),
            "credentials".to_owned(),
        ),
        (
            "o2b2-forbidden",
            plain("403 Forbidden"),
            "refused the ping".to_owned(),
        ),
        (
            moved_id,
            format!(
                "HTTP/1.1 301 Moved Permanently\r\n\
                 Location: https://hc.example.com/healthchecks/ping/{moved_id}\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n"
            ),
            // The whole Location, path and all, with the ID masked.
            "redirects to \"https://hc.example.com/healthchecks/ping/o3b2…\"".to_owned(),
        ),
    ];
    for (id, answer, hint) in cases {
        let server = Recorder::raw(move |_| answer.clone().into_bytes());
        let beat = heartbeat();
        let pinger = Pinger::start(
            &one_tick(&server.url()),
            Check::Id(id.to_owned()),
            Arc::clone(&beat),
        );
        beat.record_match(b"Prepared block");
        let warning = the_warning_about(&format!("{}…", &id[..4]));
        assert!(warning.contains(&hint), "{warning}");
        assert!(!warning.contains(id), "the ID was logged: {warning}");
        // Not retried: the answer would be the same.
        thread::sleep(Duration::from_millis(1500));
        assert_eq!(server.wait_for(1, PATIENCE).len(), 1);
        pinger.stop();
    }
}

#[test]
fn a_warning_that_differs_only_in_a_number_is_given_once() {
    capture_logs();
    // A response head over ureq's 64 KiB limit, a little larger each time,
    // so the error's text changes only in its numbers.
    let server = Recorder::raw(|n| {
        let filler = "x".repeat(70_000 + 1000 * n);
        format!("HTTP/1.1 200 OK\r\nX-Filler: {filler}\r\nContent-Length: 2\r\n\r\nOK").into_bytes()
    });
    let beat = heartbeat();
    let pinger = Pinger::start(
        &settings(&server.url()),
        Check::Id("p1b2-big-head".to_owned()),
        Arc::clone(&beat),
    );
    beat.record_match(b"Prepared block");
    // Two ticks of three attempts each.
    assert!(server.wait_for(6, PATIENCE).len() >= 6);
    let warnings = logged(log::Level::Warn, "p1b2…");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("too big"), "{}", warnings[0]);
    pinger.stop();
}

#[test]
fn ping_outcomes_are_counted() {
    let server = Recorder::start();
    let beat = heartbeat();
    let before = std::time::SystemTime::now();
    let pinger = Pinger::start(
        &settings(&server.url()),
        Check::Id("q1b2-counted".to_owned()),
        Arc::clone(&beat),
    );
    let stats = pinger.stats();
    assert_eq!(
        (stats.successes(), stats.fails(), stats.errors()),
        (0, 0, 0)
    );
    assert_eq!(stats.last_success(), None);
    beat.record_match(b"Prepared block");
    server.wait_for(2, PATIENCE);
    pinger.node_exited("node exited with status 3", Some(3));
    let delivered = server.requests().len() as u64;
    assert_eq!(stats.fails() + stats.successes(), delivered);
    assert!(stats.successes() >= 1);
    assert_eq!(stats.errors(), 0);
    let last = stats.last_success().expect("a success time");
    assert!(last >= before && last <= std::time::SystemTime::now());

    // Refused pings are errors.
    let server = Recorder::scripted(&[], Reply::Status(404));
    let beat = heartbeat();
    let pinger = Pinger::start(
        &one_tick(&server.url()),
        Check::Id("r1b2-refused".to_owned()),
        Arc::clone(&beat),
    );
    let stats = pinger.stats();
    beat.record_match(b"Prepared block");
    server.wait_for(1, PATIENCE);
    let deadline = Instant::now() + PATIENCE;
    while stats.errors() == 0 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        (stats.successes(), stats.fails(), stats.errors()),
        (0, 0, 1)
    );
    pinger.stop();
}
