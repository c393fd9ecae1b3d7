//! The probes and metrics endpoint (issue 14) through the real binary, over
//! real loopback sockets: probes following the node and its heartbeat,
//! abusive clients while 100 MiB pass through, binding and rebinding, and
//! the page checked by promtool and scraped by a real Prometheus server.
//!
//! kubevali listens on `127.0.0.1:0` and logs the port it got, so no test
//! guesses a free port where kubevali is concerned.

mod support;

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use support::*;

const KEYWORD: &str = "Prepared block";

/// kubevali under test. Dropping it stops kubevali and kills whatever is
/// left of the node (its process group), also when the test panics.
struct Kubevali {
    child: Child,
    stderr: PathBuf,
    node_pid: PathBuf,
}

impl Kubevali {
    fn start(dir: &Scratch, yaml: &str, args: &[&str], stdout: Stdio) -> Kubevali {
        let config = dir.config(yaml);
        let stderr = dir.join("kubevali.stderr");
        let child = kubevali(&config)
            .args(args)
            .current_dir(&dir.dir)
            .env_remove("KUBEVALI_LOG")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(File::create(&stderr).expect("create stderr file"))
            .spawn()
            .expect("start kubevali");
        Kubevali {
            child,
            stderr,
            node_pid: dir.join("node.pid"),
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// The address kubevali says it serves on (the latest, after a rebind).
    fn addr(&self) -> SocketAddr {
        let mut found = None;
        wait_until("kubevali to log its HTTP address", || {
            found = self
                .log()
                .lines()
                .rev()
                .find_map(|line| {
                    line.split_once("http: serving /healthz, /readyz and /metrics on ")
                        .or_else(|| line.split_once("http: now serving on "))
                        .map(|(_, rest)| rest.split(' ').next().unwrap_or("").to_owned())
                })
                .and_then(|addr| addr.parse().ok());
            found.is_some()
        });
        found.unwrap()
    }

    fn port(&self) -> u16 {
        self.addr().port()
    }

    /// Asks kubevali to stop (it passes SIGTERM on to the node) and waits.
    fn stop(&mut self) -> i32 {
        send(self.child.id(), libc::SIGTERM);
        code(wait(&mut self.child))
    }
}

impl Drop for Kubevali {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            // SAFETY: kill with plain integers.
            unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(10);
            while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(10));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // The node runs in a process group of its own, led by the pid it
        // wrote; kill the group in case kubevali could not.
        if let Some(pid) = std::fs::read_to_string(&self.node_pid)
            .ok()
            .and_then(|text| text.trim().parse::<i32>().ok())
            .filter(|&pid| pid > 1)
        {
            // SAFETY: kill with plain integers.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
    }
}

/// A node config listening on a port of the system's choice.
fn config(script: &str, watchlog: Option<&str>, http: &str) -> String {
    let mut yaml = format!(
        "nodeTemplate:\n  index: \"0\"\n  command: [sh, -c, {}]\nlogging:\n  level: info\n",
        yaml_str(&format!("echo $$ > node.pid; {script}"))
    );
    if let Some(watchlog) = watchlog {
        yaml.push_str(&format!(
            "watchlog:\n  enabled: true\n  keyword: {}\n{watchlog}",
            yaml_str(KEYWORD)
        ));
    }
    yaml.push_str(http);
    yaml
}

const LISTEN_ANY_PORT: &str = "http:\n  listen: \"127.0.0.1:0\"\n";

/// Pings go nowhere: nothing listens on port 9 of loopback.
const NO_PINGS: &str = "  healthcheckIDs: [test]\n  pingBaseURL: http://127.0.0.1:9\n";

/// An HTTP answer as received.
#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Sends `raw` as the request and reads the answer to its end.
fn exchange(port: u16, raw: &[u8]) -> Answer {
    try_exchange(port, raw).unwrap_or_else(|e| panic!("request to port {port}: {e}"))
}

fn try_exchange(port: u16, raw: &[u8]) -> Result<Answer, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(raw).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no complete head in {text:?}"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {head:?}"))?;
    Ok(Answer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    })
}

fn get(port: u16, path: &str) -> Answer {
    exchange(
        port,
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: kube-probe/1.30\r\n\r\n")
            .as_bytes(),
    )
}

/// The value of a sample line (`name{labels} value`) on the metrics page.
fn sample(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.parse().ok())
}

fn metric(port: u16, series: &str) -> Option<f64> {
    sample(&get(port, "/metrics").body, series)
}

#[test]
fn probes_follow_the_node_and_its_heartbeat() {
    let dir = Scratch::new("probes");
    let script =
        format!("while [ ! -e go ]; do sleep 0.05; done; echo '{KEYWORD} #1'; exec sleep 600");
    let watchlog = format!("  lastThreshold: 2s\n{NO_PINGS}");
    let mut kv = Kubevali::start(
        &dir,
        &config(&script, Some(&watchlog), LISTEN_ANY_PORT),
        &[],
        Stdio::null(),
    );
    let port = kv.port();
    wait_until("the node to run", || get(port, "/healthz").status == 200);
    let live = get(port, "/healthz");
    assert_eq!(
        live.body,
        "the node is running; keyword \"Prepared block\" not seen yet\n"
    );
    let ready = get(port, "/readyz");
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (503, "keyword \"Prepared block\" not seen yet\n")
    );

    std::fs::write(dir.join("go"), "").unwrap();
    wait_until("readiness after the first match", || {
        get(port, "/readyz").status == 200
    });
    let fresh = get(port, "/healthz");
    assert_eq!(fresh.status, 200);
    assert!(
        fresh
            .body
            .starts_with("keyword \"Prepared block\" last seen ")
            && fresh.body.ends_with(" ago (threshold 2s)\n"),
        "{fresh:?}"
    );

    // Nothing more is logged: both turn 503 once 2s have passed.
    wait_until("liveness to fail on a stale heartbeat", || {
        get(port, "/healthz").status == 503
    });
    let stale = get(port, "/readyz");
    assert_eq!(stale.status, 503);
    assert!(
        stale.body.contains("last seen ") && stale.body.ends_with(" ago (threshold 2s)\n"),
        "{stale:?}"
    );
    let page = get(port, "/metrics").body;
    assert_eq!(sample(&page, "kubevali_keyword_matches_total"), Some(1.0));
    let seen = sample(&page, "kubevali_keyword_last_seen_timestamp_seconds").expect("a timestamp");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        seen <= now && now - seen < PATIENCE.as_secs_f64(),
        "last seen at {seen}, now {now}"
    );
    assert_eq!(sample(&page, "kubevali_node_up"), Some(1.0));
    assert!(
        !page.contains("kubevali_node_last_exit_code"),
        "no exit yet:\n{page}"
    );
    assert_eq!(kv.stop(), 128 + libc::SIGTERM);
}

#[test]
fn without_watchlog_running_is_enough_and_bytes_are_not_counted() {
    let dir = Scratch::new("unwatched");
    let mut kv = Kubevali::start(
        &dir,
        &config("exec sleep 600", None, LISTEN_ANY_PORT),
        &[],
        Stdio::null(),
    );
    let port = kv.port();
    wait_until("the node to run", || get(port, "/healthz").status == 200);
    for path in ["/healthz", "/readyz"] {
        let answer = get(port, path);
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (200, "the node is running\n"),
            "{path}"
        );
    }
    let page = get(port, "/metrics").body;
    assert_eq!(sample(&page, "kubevali_node_starts_total"), Some(1.0));
    // The node writes to kubevali's descriptors itself: nothing to count.
    assert!(!page.contains("kubevali_output_bytes_total"), "{page}");
    assert_eq!(kv.stop(), 128 + libc::SIGTERM);
}

/// Connects and sends `head` one byte at a time, every `pause`; returns how
/// long after connecting kubevali closed the connection, and what it sent.
fn drip(port: u16, head: &'static [u8], pause: Duration) -> (Duration, Vec<u8>) {
    let start = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_millis(1)))
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let mut next = head.iter().cycle();
    loop {
        if start.elapsed() > PATIENCE {
            panic!("kubevali never closed a dripping connection");
        }
        if let Some(byte) = next.next() {
            if stream.write_all(&[*byte]).is_err() {
                break;
            }
        }
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
        thread::sleep(if pause.is_zero() {
            Duration::from_millis(20)
        } else {
            pause
        });
    }
    (start.elapsed(), got)
}

/// 100 MiB pass through kubevali byte-exact while the endpoint is scraped
/// without pause and abused: idle and dripping clients (closed after the
/// read timeout), a flood of a thousand connections (a probe still gets its
/// answer at once), HEAD, 404, 405 and an oversized head.
#[test]
fn abusive_clients_change_nothing_while_100_mib_pass_byte_exact() {
    let dir = Scratch::new("abuse");
    // Three keyword lines among random bytes, so matches are countable.
    let mut data = Vec::with_capacity(100 << 20);
    for i in 0..3 {
        data.extend_from_slice(&random_bytes(33 << 20));
        data.extend_from_slice(format!("\n{KEYWORD} #{i}\n").as_bytes());
    }
    data.extend_from_slice(&random_bytes((100 << 20) - data.len()));
    assert_eq!(data.len(), 100 << 20);
    std::fs::write(dir.join("data"), &data).unwrap();
    // 1 MiB every 50 ms: the data keeps flowing for the whole test.
    let script = "i=0; while [ $i -lt 100 ]; do \
                  dd if=data bs=1048576 skip=$i count=1 2>/dev/null; i=$((i+1)); sleep 0.05; done; \
                  while [ ! -e stop ]; do sleep 0.05; done";
    let watchlog = format!("  lastThreshold: 1h\n{NO_PINGS}");
    let mut kv = Kubevali::start(
        &dir,
        &config(script, Some(&watchlog), LISTEN_ANY_PORT),
        &[],
        Stdio::piped(),
    );
    let stdout = kv.child.stdout.take().expect("stdout");
    let expected = data.clone();
    let reader = thread::spawn(move || compare_stream(stdout, &expected));
    let port = kv.port();
    wait_until("the node to run", || get(port, "/healthz").status == 200);

    // A scraper that never pauses, except while the flood below connects
    // (a flood pushes out the connections that have not asked anything yet,
    // and under load the scraper's request may not have arrived).
    let scraping = Arc::new(AtomicBool::new(true));
    let paused = Arc::new(AtomicBool::new(false));
    let scrapes = Arc::new(AtomicUsize::new(0));
    let scraper = {
        let (scraping, scrapes) = (Arc::clone(&scraping), Arc::clone(&scrapes));
        let paused = Arc::clone(&paused);
        thread::spawn(move || {
            while scraping.load(Ordering::Relaxed) {
                if paused.load(Ordering::Acquire) {
                    thread::sleep(Duration::from_millis(5));
                    continue;
                }
                let answer = get(port, "/metrics");
                assert_eq!(answer.status, 200);
                assert!(answer.body.contains("kubevali_node_up 1"));
                scrapes.fetch_add(1, Ordering::Relaxed);
            }
        })
    };

    // Slow loris: one client silent, one dripping a head that never ends.
    let idle = thread::spawn(move || drip(port, b"", Duration::ZERO));
    let dripping = thread::spawn(move || {
        drip(
            port,
            b"GET /healthz HTTP/1.1\r\nX: ",
            Duration::from_millis(200),
        )
    });
    thread::sleep(Duration::from_millis(500));
    let probe = get(port, "/healthz");
    assert_eq!(probe.status, 200, "{probe:?}");
    for (name, client) in [("idle", idle), ("dripping", dripping)] {
        let (closed_after, got) = client.join().expect("slow client");
        assert!(got.is_empty(), "{name}: no answer to half a head: {got:?}");
        assert!(
            closed_after >= Duration::from_secs(4) && closed_after < Duration::from_secs(15),
            "{name}: closed after {closed_after:?}, want the 5s read timeout"
        );
    }

    // A flood of idle connections; a probe amid it is answered long before
    // any of them would time out.
    paused.store(true, Ordering::Release);
    // Let a scrape in flight finish.
    thread::sleep(Duration::from_millis(200));
    let mut flood = Vec::new();
    for _ in 0..1000 {
        if let Ok(stream) =
            TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1))
        {
            flood.push(stream);
        }
    }
    assert!(
        flood.len() >= 500,
        "only {} flood connections made it",
        flood.len()
    );
    let asked = Instant::now();
    let probe = get(port, "/healthz");
    let waited = asked.elapsed();
    assert_eq!(probe.status, 200, "{probe:?}");
    assert!(
        waited < Duration::from_secs(3),
        "a probe amid the flood took {waited:?}"
    );
    drop(flood);
    paused.store(false, Ordering::Release);

    let head = exchange(port, b"HEAD /metrics HTTP/1.1\r\n\r\n");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "HEAD has no body");
    let length: usize = head.header("content-length").unwrap().parse().unwrap();
    assert!(
        length > 500,
        "HEAD announces the GET body's length: {length}"
    );
    assert_eq!(head.header("connection"), Some("close"));

    let missing = get(port, "/");
    assert_eq!(missing.status, 404);
    let post = exchange(
        port,
        b"POST /healthz HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    let big = format!(
        "GET /healthz HTTP/1.1\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(9000)
    );
    let oversized = exchange(port, big.as_bytes());
    assert_eq!(oversized.status, 431);
    // Exactly at the limit still counts as a head.
    let filler = 8192 - "GET /healthz HTTP/1.1\r\nX: \r\n\r\n".len();
    let at_limit = format!("GET /healthz HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(filler));
    assert_eq!(at_limit.len(), 8192);
    assert_eq!(exchange(port, at_limit.as_bytes()).status, 200);

    // Every byte went through, and the counters say so.
    wait_until("all 100 MiB to pass", || {
        metric(port, "kubevali_output_bytes_total{stream=\"stdout\"}") == Some((100 << 20) as f64)
    });
    assert_eq!(metric(port, "kubevali_keyword_matches_total"), Some(3.0));
    scraping.store(false, Ordering::Relaxed);
    scraper.join().expect("scraper");
    assert!(scrapes.load(Ordering::Relaxed) > 10);
    std::fs::write(dir.join("stop"), "").unwrap();
    assert_eq!(code(wait(&mut kv.child)), 0);
    let (matched, total) = reader.join().expect("reader");
    assert_eq!(
        (matched, total),
        (100 << 20, 100 << 20),
        "bytes matched, bytes total"
    );
}

#[test]
fn a_port_that_cannot_be_bound_is_a_config_error_before_the_node_starts() {
    let dir = Scratch::new("bindfail");
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let http = format!("http:\n  listen: \"127.0.0.1:{port}\"\n");
    let mut kv = Kubevali::start(
        &dir,
        &config("touch started; exec sleep 600", None, &http),
        &[],
        Stdio::null(),
    );
    assert_eq!(code(wait(&mut kv.child)), 2);
    let log = kv.log();
    assert!(
        log.contains(&format!(
            "kubevali.yaml:7:11: http.listen: cannot listen on 127.0.0.1:{port}: "
        )),
        "{log}"
    );
    assert!(!dir.join("started").exists(), "the node must not start");
}

/// A port nobody listens on right now (the test's own listener, closed).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn refused(port: u16) -> bool {
    matches!(
        TcpStream::connect(("127.0.0.1", port)),
        Err(e) if e.kind() == ErrorKind::ConnectionRefused
    )
}

/// Replaces a file the way editors and the kubelet do: aside, then rename.
fn replace_file(path: &Path, content: &str) {
    let aside = path.with_extension("tmp");
    std::fs::write(&aside, content).unwrap();
    std::fs::rename(&aside, path).unwrap();
}

#[test]
fn watch_config_moves_the_endpoint_without_restarting_the_node() {
    let dir = Scratch::new("rebind");
    let node = "exec sleep 600";
    let mut kv = Kubevali::start(
        &dir,
        &config(node, None, LISTEN_ANY_PORT),
        &["--watch-config"],
        Stdio::null(),
    );
    let first = kv.port();
    wait_until("the node to run", || get(first, "/healthz").status == 200);
    let mut node_pid = String::new();
    wait_until("the node to write its pid", || {
        node_pid = std::fs::read_to_string(dir.join("node.pid")).unwrap_or_default();
        node_pid.ends_with('\n')
    });

    let second = free_port();
    let moved = format!("http:\n  listen: \"127.0.0.1:{second}\"\n");
    replace_file(&dir.join("kubevali.yaml"), &config(node, None, &moved));
    wait_until("the endpoint to move", || {
        TcpStream::connect(("127.0.0.1", second)).is_ok()
    });
    assert_eq!(kv.port(), second);
    assert!(refused(first), "the old port is closed");
    let page = get(second, "/metrics").body;
    assert_eq!(sample(&page, "kubevali_node_starts_total"), Some(1.0));
    assert_eq!(
        sample(&page, "kubevali_config_reloads_total{result=\"success\"}"),
        Some(1.0)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("node.pid")).unwrap(),
        node_pid,
        "the node was not restarted"
    );

    // A port that is taken: the endpoint stays where it is.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().port();
    let blocked = format!("http:\n  listen: \"127.0.0.1:{taken_port}\"\n");
    replace_file(&dir.join("kubevali.yaml"), &config(node, None, &blocked));
    wait_until("the failed reload to be counted", || {
        metric(second, "kubevali_config_reloads_total{result=\"failure\"}") == Some(1.0)
    });
    assert_eq!(get(second, "/healthz").status, 200);
    assert!(
        kv.log().contains(&format!(
            "http.listen: cannot listen on 127.0.0.1:{taken_port}"
        )),
        "{}",
        kv.log()
    );

    // The same port on every interface conflicts with the listener on
    // loopback: kubevali lets that one go first.
    let everywhere = format!("http:\n  listen: \":{second}\"\n");
    replace_file(&dir.join("kubevali.yaml"), &config(node, None, &everywhere));
    wait_until("the endpoint to move to every interface", || {
        kv.log().contains(&format!("now serving on [::]:{second}"))
            || kv
                .log()
                .contains(&format!("now serving on 0.0.0.0:{second}"))
    });
    assert_eq!(
        metric(second, "kubevali_config_reloads_total{result=\"success\"}"),
        Some(2.0)
    );

    // A new command restarts the node; the endpoint stays and counts it.
    let restarted = "exec sleep 601";
    replace_file(
        &dir.join("kubevali.yaml"),
        &config(restarted, None, &everywhere),
    );
    wait_until("the node to be restarted", || {
        metric(second, "kubevali_node_starts_total") == Some(2.0)
    });
    let page = get(second, "/metrics").body;
    assert_eq!(
        sample(&page, "kubevali_node_last_exit_code"),
        Some(f64::from(128 + libc::SIGTERM)),
        "the old node was stopped with SIGTERM"
    );
    wait_until("the new node to run", || {
        get(second, "/healthz").status == 200
    });

    // No http section: the endpoint goes away, the node stays.
    replace_file(&dir.join("kubevali.yaml"), &config(restarted, None, ""));
    wait_until("the endpoint to stop", || refused(second));
    assert!(kv.child.try_wait().unwrap().is_none(), "kubevali runs on");
    assert_eq!(kv.stop(), 128 + libc::SIGTERM);
}

/// Whether an external tool is there; without it the test is skipped
/// loudly, except under CI=true, where a missing tool is a failure.
fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        let message = format!(
            "{name} is not installed (Debian package prometheus; `make test` installs it as root)"
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{message}");
        }
        eprintln!("SKIPPED: {message}");
    }
    found
}

#[test]
fn a_real_scrape_passes_promtool_and_carries_no_secret() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let recorder = http::Recorder::start();
    let dir = Scratch::new("promtool");
    let check_id = "secret-check-id-5b6f";
    let watchlog = format!(
        "  lastThreshold: 1h\n  pingInterval: 1s\n  healthcheckIDs: [{check_id}]\n  pingBaseURL: {}\n",
        recorder.url()
    );
    let mut kv = Kubevali::start(
        &dir,
        &config(
            &format!("echo '{KEYWORD} #1' >&2; exec sleep 600"),
            Some(&watchlog),
            LISTEN_ANY_PORT,
        ),
        &[],
        Stdio::null(),
    );
    let port = kv.port();
    let pings = recorder.wait_for(1, PATIENCE);
    assert!(
        pings.first().is_some_and(|p| p.path.contains(check_id)),
        "pings reach the recorder"
    );
    wait_until("the ping to be counted", || {
        metric(port, "kubevali_pings_total{result=\"success\"}").is_some_and(|n| n >= 1.0)
    });
    let page = get(port, "/metrics").body;
    assert!(sample(&page, "kubevali_ping_last_success_timestamp_seconds").is_some());
    assert!(
        sample(&page, "kubevali_output_bytes_total{stream=\"stderr\"}").is_some_and(|n| n > 0.0),
        "{page}"
    );
    for path in ["/metrics", "/healthz", "/readyz"] {
        let answer = get(port, path);
        assert!(
            !answer.head.contains(check_id) && !answer.body.contains(check_id),
            "{path} shows the check ID"
        );
    }
    // From a file, so that nothing can leave promtool waiting for input.
    let scrape = dir.join("scrape.txt");
    std::fs::write(&scrape, &page).unwrap();
    let result = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(File::open(&scrape).unwrap())
        .output()
        .expect("run promtool");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(
        result.status.success() && said.trim().is_empty(),
        "promtool check metrics: {:?}\n{said}\n{page}",
        result.status
    );
    assert_eq!(kv.stop(), 128 + libc::SIGTERM);
}

/// A Prometheus server on loopback, stopped and reaped when dropped.
struct Prometheus {
    child: Child,
    port: u16,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        // SAFETY: kill with plain integers.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    /// The value of `query` as Prometheus' HTTP API answers it, if it has
    /// exactly one series.
    fn query(&self, query: &str) -> Option<String> {
        let answer = try_exchange(
            self.port,
            format!("GET /api/v1/query?query={query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .ok()?;
        if answer.status != 200 {
            return None;
        }
        // Prometheus may answer chunked; the JSON is the one long line.
        let json = answer.body.lines().find(|l| l.starts_with('{'))?;
        let value: serde_json::Value = serde_json::from_str(json).ok()?;
        let result = value["data"]["result"].as_array()?;
        match result.as_slice() {
            [series] => series["value"][1].as_str().map(str::to_owned),
            _ => None,
        }
    }
}

#[test]
fn a_real_prometheus_scrapes_what_kubevali_reports() {
    let Some(prometheus) = tool("prometheus") else {
        return;
    };
    let dir = Scratch::new("prometheus");
    let watchlog = format!("  lastThreshold: 1h\n{NO_PINGS}");
    let script = format!("for i in 1 2 3 4 5 6 7; do echo \"{KEYWORD} #$i\"; done; exec sleep 600");
    let kv = Kubevali::start(
        &dir,
        &config(&script, Some(&watchlog), LISTEN_ANY_PORT),
        &[],
        Stdio::null(),
    );
    let port = kv.port();
    wait_until("kubevali to count seven matches", || {
        metric(port, "kubevali_keyword_matches_total") == Some(7.0)
    });
    let reported = sample(
        &get(port, "/metrics").body,
        "kubevali_keyword_matches_total",
    );

    let prometheus_config = dir.join("prometheus.yml");
    std::fs::write(
        &prometheus_config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: kubevali\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        ),
    )
    .unwrap();
    let prometheus_port = free_port();
    let log = File::create(dir.join("prometheus.log")).unwrap();
    let server = Prometheus {
        child: Command::new(prometheus)
            .arg(format!("--config.file={}", prometheus_config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prometheus_port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start prometheus"),
        port: prometheus_port,
    };
    let mut seen = None;
    wait_until("Prometheus to have scraped kubevali", || {
        seen = server.query("kubevali_keyword_matches_total");
        seen.is_some()
    });
    assert_eq!(
        seen.as_deref().and_then(|v| v.parse::<f64>().ok()),
        reported,
        "Prometheus holds what kubevali reported"
    );
    // The scrape itself was healthy.
    assert_eq!(server.query("up").as_deref(), Some("1"));
    drop(server);
    drop(kv);
}

/// The endpoint in-process: at most MAX_CONNECTIONS are held open, the
/// oldest silent one goes first, and a stopped endpoint listens no more.
#[test]
fn a_full_table_pushes_out_the_oldest_silent_client() {
    use kubevali::health::{Endpoint, Listen, MAX_CONNECTIONS, NodeStats};

    let stats = NodeStats::new();
    stats.node_started(None);
    let endpoint = Endpoint::start(
        Listen::Addr("127.0.0.1:0".parse().unwrap()),
        Arc::clone(&stats),
    )
    .expect("bind loopback");
    let port = endpoint.local_addr().port();
    let connect = || {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        stream
    };
    let closed = |stream: &mut TcpStream| {
        let mut buf = [0u8; 16];
        match stream.read(&mut buf) {
            Ok(0) => true,
            Ok(n) => panic!("unexpected answer {:?}", &buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => false,
            Err(_) => true,
        }
    };
    // One that has sent half a head, then silent ones filling the table.
    let mut half = connect();
    half.write_all(b"GET /hea").unwrap();
    let mut silent: Vec<TcpStream> = Vec::new();
    for _ in 1..MAX_CONNECTIONS - 1 {
        silent.push(connect());
        thread::sleep(Duration::from_millis(20));
    }
    // One place is left, so the probe is answered whenever its request
    // arrives; its answer shows the server has taken in all before it.
    assert_eq!(get(port, "/healthz").status, 200);
    // The last place is filled by another silent client.
    silent.push(connect());
    assert!(!closed(&mut half) && !closed(&mut silent[0]));
    // One more pushes out the oldest silent client, not the older one that
    // has asked something.
    let _extra = connect();
    wait_until("the oldest silent client to be pushed out", || {
        closed(&mut silent[0])
    });
    assert!(!closed(&mut half), "a client that asked something stays");
    assert!(!closed(&mut silent[1]), "only one was pushed out");

    endpoint.stop();
    assert!(refused(port), "a stopped endpoint listens no more");
}
