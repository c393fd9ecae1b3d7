//! Watchlog against a real HTTP server on loopback.
//!
//! The Pinger tests drive the library API with a Heartbeat fed by hand; the
//! timing settings are pingInterval 1s and lastThreshold 2s throughout, and
//! every wait has a generous bound that only matters when something is
//! broken.

#[path = "support/http.rs"]
mod http;

use std::sync::{Arc, Mutex, Once};
use std::thread;
use std::time::{Duration, Instant};

use kubevali::config;
use kubevali::heartbeat::Heartbeat;
use kubevali::watchlog::Pinger;

use http::{Recorder, Reply, Request};

const KEYWORD: &str = "Prepared block";
const PATIENCE: Duration = Duration::from_secs(15);

fn settings(base_url: &str) -> config::Watchlog {
    config::Watchlog {
        enabled: true,
        keyword: KEYWORD.to_owned(),
        last_threshold: Some(Duration::from_secs(2)),
        healthcheck_ids: Vec::new(),
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
    let pinger = Pinger::start(&settings(&server.url()), id.to_owned(), Arc::clone(&beat));

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
    let pinger = Pinger::start(&settings(&server.url()), id.to_owned(), Arc::clone(&beat));
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
        "c1key-ping/darwinia-1".to_owned(),
        Arc::clone(&beat),
    );
    beat.record_match(b"Prepared block");
    let requests = server.wait_for(1, PATIENCE);
    assert_eq!(requests[0].path, "/ping/c1key-ping/darwinia-1");
    pinger.node_exited("node exited with status 1");
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
    let pinger = Pinger::start(&settings, id.to_owned(), Arc::clone(&beat));
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
    let pinger = Pinger::start(&slow, id.to_owned(), Arc::clone(&beat));
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
    let pinger = Pinger::start(&settings(&server.url()), id.to_owned(), Arc::clone(&beat));
    beat.record_match(b"Prepared block");
    assert_eq!(server.wait_for(4, PATIENCE).len(), 4);
    assert_eq!(logged(log::Level::Warn, "f1b2…").len(), 1);
    pinger.stop();
}

#[test]
fn the_node_exiting_sends_a_final_fail_with_its_status() {
    let server = Recorder::start();
    let beat = heartbeat();
    let id = "g1b2c3d4-0000-4000-8000-000000000007";
    let pinger = Pinger::start(&settings(&server.url()), id.to_owned(), Arc::clone(&beat));
    beat.record_match(b"Prepared block #9");
    server.wait_for(1, PATIENCE);
    pinger.node_exited("node exited with status 3");
    let requests = server.requests();
    let last = requests.last().expect("requests");
    assert_eq!(last.path, format!("/{id}/fail"));
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
    let pinger = Pinger::start(&settings(&server.url()), id.to_owned(), heartbeat());
    pinger.node_exited("node exited with status 101");
    let requests = server.requests();
    assert_eq!(paths(&requests), [format!("/{id}/fail")]);
    assert_eq!(requests[0].body_text(), "node exited with status 101");
}

#[test]
fn a_planned_stop_sends_nothing_more() {
    let server = Recorder::start();
    let beat = heartbeat();
    let pinger = Pinger::start(
        &settings(&server.url()),
        "i1b2".to_owned(),
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
    let pinger = Pinger::start(&hanging, "j1b2-hang".to_owned(), Arc::clone(&beat));
    beat.record_match(b"Prepared block");
    server.wait_for(1, PATIENCE);
    // The ticker's ping hangs; recording matches meanwhile must not wait for it.
    for n in 0..100_000 {
        beat.record_match(format!("Prepared block #{n}").as_bytes());
    }
    let started = Instant::now();
    pinger.node_exited("node exited with status 1");
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
        "k1b2".to_owned(),
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
