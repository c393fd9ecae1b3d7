//! A deliberately small HTTP/1.1 server on one thread.
//!
//! One thread polls the listener and every open connection without ever
//! blocking on any of them. Limits: a request head of at most
//! [`MAX_HEAD`] bytes (431 beyond), [`READ_TIMEOUT`] to send it whole
//! (measured from the connection's start, so a client that drips one byte
//! at a time gains nothing), [`WRITE_TIMEOUT`] to take the answer, and at
//! most [`MAX_CONNECTIONS`] open at once. Every answer says
//! `Connection: close`.
//!
//! When the table is full a new connection evicts the oldest one that has
//! not asked anything yet, so idle clients, however many, cannot lock a
//! kubelet probe out; the probe's request is read the moment it is accepted.
//! The thread shares nothing with the log pumps but atomics: it cannot slow
//! the node's output.

use std::fmt;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::listen::{self, Listen};
use super::{NodeStats, liveness, metrics, readiness};

/// Largest request head (request line and headers) read.
pub const MAX_HEAD: usize = 8 * 1024;
/// Time a client has, from connecting, to send its whole request head.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Time a client has to take the answer.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections open at once; more evict the oldest idle one. Each holds at
/// most a request head and an answer, so all of them together stay well
/// under a MiB.
pub const MAX_CONNECTIONS: usize = 16;
/// After answering: how long to read and discard what the client still
/// sends (a body we do not want), so that closing does not reset the
/// connection under an answer it has not read yet.
const LINGER: Duration = Duration::from_secs(1);
/// Connections accepted per turn of the loop, so that a flood cannot keep
/// the loop from serving the ones it has.
const ACCEPT_BATCH: usize = 64;
/// After accept fails for lack of descriptors or memory: wait this long
/// before trying again rather than spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

#[derive(Debug)]
pub enum EndpointError {
    Bind { listen: Listen, error: io::Error },
    Thread(io::Error),
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::Bind { listen, error } => {
                write!(f, "cannot listen on {listen}: {error}")
            }
            EndpointError::Thread(error) => {
                write!(f, "cannot start the HTTP endpoint's thread: {error}")
            }
        }
    }
}

impl std::error::Error for EndpointError {}

enum Command {
    Listen(TcpListener),
    /// Close the listener (to bind its port on another address); answers
    /// once it is closed.
    Release(Sender<()>),
    Stop,
}

/// The running endpoint. Dropping it stops the thread.
pub struct Endpoint {
    listen: Listen,
    local_addr: SocketAddr,
    commands: Sender<Command>,
    /// Wakes the thread's poll; one byte per command.
    wake: Mutex<UnixStream>,
    thread: Option<JoinHandle<()>>,
}

impl Endpoint {
    /// Binds `listen` and starts serving `stats` from a thread of its own.
    pub fn start(listen: Listen, stats: Arc<NodeStats>) -> Result<Endpoint, EndpointError> {
        let listener = bind(listen)?;
        let local_addr = local_addr(&listener, listen)?;
        let (wake, wake_receiver) = UnixStream::pair().map_err(EndpointError::Thread)?;
        wake_receiver
            .set_nonblocking(true)
            .map_err(EndpointError::Thread)?;
        let (commands, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("http".to_owned())
            .stack_size(256 * 1024)
            .spawn(move || serve(listener, wake_receiver, receiver, &stats))
            .map_err(EndpointError::Thread)?;
        log::info!("http: serving /healthz, /readyz and /metrics on {local_addr}");
        Ok(Endpoint {
            listen,
            local_addr,
            commands,
            wake: Mutex::new(wake),
            thread: Some(thread),
        })
    }

    /// The address as configured.
    pub fn listen(&self) -> Listen {
        self.listen
    }

    /// The address actually bound (with the port the system chose for 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Moves the endpoint to `listen` (a config reload changed it). The old
    /// address keeps serving until the new one is bound; if the new one
    /// cannot be bound, the old one stays and the error says why.
    pub fn rebind(&mut self, listen: Listen) -> Result<(), EndpointError> {
        if listen == self.listen {
            return Ok(());
        }
        let listener = match bind(listen) {
            Ok(listener) => listener,
            // The same port on a different address (127.0.0.1:9616 to
            // :9616) conflicts with our own listener: let it go first.
            Err(EndpointError::Bind { error, .. })
                if error.kind() == ErrorKind::AddrInUse && listen.port() == self.listen.port() =>
            {
                let (done, released) = mpsc::channel();
                self.send(Command::Release(done));
                // The thread answers within one turn of its loop.
                let _ = released.recv_timeout(Duration::from_secs(5));
                match bind(listen) {
                    Ok(listener) => listener,
                    Err(e) => {
                        match bind(self.listen) {
                            Ok(old) => self.send(Command::Listen(old)),
                            Err(again) => log::error!(
                                "http: cannot listen on {} again either: {again}; the endpoint is down until the next change of http.listen",
                                self.listen
                            ),
                        }
                        return Err(e);
                    }
                }
            }
            Err(e) => return Err(e),
        };
        let local_addr = local_addr(&listener, listen)?;
        self.send(Command::Listen(listener));
        log::info!(
            "http: now serving on {local_addr} (was {})",
            self.local_addr
        );
        self.listen = listen;
        self.local_addr = local_addr;
        Ok(())
    }

    /// Stops serving and waits for the thread (which never blocks).
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.send(Command::Stop);
            let _ = thread.join();
        }
    }

    fn send(&self, command: Command) {
        if self.commands.send(command).is_ok() {
            let mut wake = self.wake.lock().unwrap_or_else(|e| e.into_inner());
            // A full socket buffer means wake-ups are pending anyway.
            let _ = wake.write(&[1]);
        }
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.shut_down();
    }
}

fn bind(listen: Listen) -> Result<TcpListener, EndpointError> {
    let listener = listen::bind(listen).map_err(|error| EndpointError::Bind { listen, error })?;
    listener
        .set_nonblocking(true)
        .map_err(|error| EndpointError::Bind { listen, error })?;
    Ok(listener)
}

fn local_addr(listener: &TcpListener, listen: Listen) -> Result<SocketAddr, EndpointError> {
    listener
        .local_addr()
        .map_err(|error| EndpointError::Bind { listen, error })
}

/// One client connection and where it stands.
struct Conn {
    stream: TcpStream,
    /// When it was accepted: eviction takes the oldest idle one.
    since: Instant,
    deadline: Instant,
    phase: Phase,
}

enum Phase {
    /// Reading the request head, at most [`MAX_HEAD`] bytes.
    Head(Vec<u8>),
    /// Sending the answer.
    Answer {
        bytes: Vec<u8>,
        sent: usize,
    },
    /// Answered; discarding whatever else arrives until the client closes.
    Linger,
    Done,
}

fn serve(listener: TcpListener, wake: UnixStream, commands: Receiver<Command>, stats: &NodeStats) {
    let mut listener = Some(listener);
    let mut conns: Vec<Conn> = Vec::with_capacity(MAX_CONNECTIONS);
    let mut accept_paused_until: Option<Instant> = None;
    let mut fds: Vec<libc::pollfd> = Vec::with_capacity(MAX_CONNECTIONS + 2);
    loop {
        let now = Instant::now();
        if accept_paused_until.is_some_and(|until| now >= until) {
            accept_paused_until = None;
        }
        let accepting = listener.as_ref().filter(|_| accept_paused_until.is_none());
        fds.clear();
        fds.push(pollfd(wake.as_raw_fd(), libc::POLLIN));
        // A negative descriptor is skipped by poll.
        fds.push(pollfd(
            accepting.map_or(-1, |l| l.as_raw_fd()),
            libc::POLLIN,
        ));
        for conn in &conns {
            let events = match conn.phase {
                Phase::Answer { .. } => libc::POLLOUT,
                _ => libc::POLLIN,
            };
            fds.push(pollfd(conn.stream.as_raw_fd(), events));
        }
        let next = conns
            .iter()
            .map(|c| c.deadline)
            .chain(accept_paused_until)
            .min();
        let timeout = next.map_or(-1, |at| {
            let wait = at.saturating_duration_since(now);
            // Round up, so the deadline has passed when poll returns.
            i32::try_from(wait.as_millis() + 1).unwrap_or(i32::MAX)
        });
        if let Err(error) = crate::sys::poll_many(&mut fds, timeout) {
            if error.kind() != ErrorKind::Interrupted {
                log::error!("http: poll failed: {error}; the endpoint stops");
                return;
            }
            continue;
        }
        if fds[0].revents != 0 {
            drain_wakeups(&wake);
            loop {
                match commands.try_recv() {
                    Ok(Command::Listen(new)) => listener = Some(new),
                    Ok(Command::Release(done)) => {
                        listener = None;
                        let _ = done.send(());
                    }
                    Err(TryRecvError::Empty) => break,
                    // The Endpoint is gone: nobody can stop us otherwise.
                    Ok(Command::Stop) | Err(TryRecvError::Disconnected) => return,
                }
            }
        }
        // Connections first: the ones already open are served before new
        // ones can evict them.
        for (conn, fd) in conns.iter_mut().zip(&fds[2..]) {
            if fd.revents != 0 {
                advance(conn, stats);
            }
        }
        let now = Instant::now();
        conns.retain(|c| !matches!(c.phase, Phase::Done) && c.deadline > now);
        let accepting = listener.as_ref().filter(|_| fds[1].fd >= 0);
        if let Some(listener) = accepting.filter(|_| fds[1].revents != 0) {
            for _ in 0..ACCEPT_BATCH {
                match listener.accept() {
                    Ok((stream, _)) => admit(&mut conns, stream, stats),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e)
                        if matches!(
                            e.kind(),
                            ErrorKind::Interrupted | ErrorKind::ConnectionAborted
                        ) => {}
                    Err(e) => {
                        // EMFILE, ENFILE, ENOMEM: the listener stays
                        // readable, so back off instead of spinning.
                        log::debug!("http: accept failed: {e}");
                        accept_paused_until = Some(Instant::now() + ACCEPT_BACKOFF);
                        break;
                    }
                }
            }
        }
    }
}

fn pollfd(fd: RawFd, events: libc::c_short) -> libc::pollfd {
    libc::pollfd {
        fd,
        events,
        revents: 0,
    }
}

fn drain_wakeups(mut wake: &UnixStream) {
    let mut buf = [0u8; 64];
    while matches!(wake.read(&mut buf), Ok(n) if n > 0) {}
}

/// Takes a new connection in, evicting one if the table is full, and reads
/// its request at once: it is usually there already.
fn admit(conns: &mut Vec<Conn>, stream: TcpStream, stats: &NodeStats) {
    if stream.set_nonblocking(true).is_err() {
        return;
    }
    let _ = stream.set_nodelay(true);
    let now = Instant::now();
    let mut conn = Conn {
        stream,
        since: now,
        deadline: now + READ_TIMEOUT,
        phase: Phase::Head(Vec::new()),
    };
    advance(&mut conn, stats);
    if matches!(conn.phase, Phase::Done) {
        return;
    }
    if matches!(conn.phase, Phase::Linger) && conns.len() >= MAX_CONNECTIONS {
        // Answered already: closing it now costs the client nothing (the
        // answer and our FIN are on their way), evicting another might.
        return;
    }
    if conns.len() >= MAX_CONNECTIONS {
        // A request that arrived since the last poll is answered rather
        // than pushed out.
        for waiting in conns.iter_mut() {
            if matches!(waiting.phase, Phase::Head(_)) {
                advance(waiting, stats);
            }
        }
        conns.retain(|c| !matches!(c.phase, Phase::Done));
    }
    if conns.len() >= MAX_CONNECTIONS {
        // Answered ones first (they only linger), then the oldest that has
        // sent nothing, then the oldest with half a head, then the oldest
        // of all.
        let rank = |c: &Conn| match &c.phase {
            Phase::Linger | Phase::Done => 0,
            Phase::Head(head) if head.is_empty() => 1,
            Phase::Head(_) => 2,
            Phase::Answer { .. } => 3,
        };
        if let Some(victim) = conns
            .iter()
            .enumerate()
            .min_by_key(|(_, c)| (rank(c), c.since))
            .map(|(i, _)| i)
        {
            conns.swap_remove(victim);
        }
    }
    conns.push(conn);
}

/// Moves a connection on as far as it can go without blocking.
fn advance(conn: &mut Conn, stats: &NodeStats) {
    loop {
        match &mut conn.phase {
            Phase::Head(head) => match read_head(&mut conn.stream, head) {
                HeadRead::Pending => return,
                HeadRead::Closed => {
                    conn.phase = Phase::Done;
                    return;
                }
                HeadRead::Complete(len) => {
                    let bytes = answer(&head[..len], stats);
                    conn.phase = Phase::Answer { bytes, sent: 0 };
                    conn.deadline = Instant::now() + WRITE_TIMEOUT;
                }
                HeadRead::TooLarge => {
                    let bytes = Response::text(
                        431,
                        "Request Header Fields Too Large",
                        format!("request head over {MAX_HEAD} bytes\n"),
                    )
                    .encode(false);
                    conn.phase = Phase::Answer { bytes, sent: 0 };
                    conn.deadline = Instant::now() + WRITE_TIMEOUT;
                }
            },
            Phase::Answer { bytes, sent } => {
                while *sent < bytes.len() {
                    match conn.stream.write(&bytes[*sent..]) {
                        Ok(0) => {
                            conn.phase = Phase::Done;
                            return;
                        }
                        Ok(n) => *sent += n,
                        Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                        Err(e) if e.kind() == ErrorKind::Interrupted => {}
                        Err(_) => {
                            conn.phase = Phase::Done;
                            return;
                        }
                    }
                }
                let _ = conn.stream.shutdown(Shutdown::Write);
                conn.phase = Phase::Linger;
                conn.deadline = Instant::now() + LINGER;
            }
            Phase::Linger => {
                let mut sink = [0u8; 4096];
                loop {
                    match conn.stream.read(&mut sink) {
                        Ok(0) => {
                            conn.phase = Phase::Done;
                            return;
                        }
                        Ok(_) => {}
                        Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                        Err(e) if e.kind() == ErrorKind::Interrupted => {}
                        Err(_) => {
                            conn.phase = Phase::Done;
                            return;
                        }
                    }
                }
            }
            Phase::Done => return,
        }
    }
}

enum HeadRead {
    Pending,
    Closed,
    /// The head is complete; its length, terminator included.
    Complete(usize),
    TooLarge,
}

fn read_head(stream: &mut TcpStream, head: &mut Vec<u8>) -> HeadRead {
    let mut buf = [0u8; 2048];
    loop {
        // Never more than one byte past the limit: enough to know it is
        // exceeded, and the buffer stays bounded.
        let room = (MAX_HEAD + 1 - head.len()).min(buf.len());
        match stream.read(&mut buf[..room]) {
            Ok(0) => return HeadRead::Closed,
            Ok(n) => {
                let searched_from = head.len().saturating_sub(3);
                head.extend_from_slice(&buf[..n]);
                if let Some(end) = head_end(head, searched_from) {
                    return HeadRead::Complete(end);
                }
                if head.len() > MAX_HEAD {
                    return HeadRead::TooLarge;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return HeadRead::Pending,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return HeadRead::Closed,
        }
    }
}

/// Where the head ends (after its blank line), searching from `from`. Bare
/// LF line ends are taken too, as most servers do.
fn head_end(bytes: &[u8], from: usize) -> Option<usize> {
    let limit = bytes.len().min(MAX_HEAD);
    (from..limit).find_map(|i| {
        if bytes[i..].starts_with(b"\r\n\r\n") && i + 4 <= MAX_HEAD {
            Some(i + 4)
        } else if bytes[i..].starts_with(b"\n\n") && i + 2 <= MAX_HEAD {
            Some(i + 2)
        } else if bytes[i..].starts_with(b"\n\r\n") && i + 3 <= MAX_HEAD {
            Some(i + 3)
        } else {
            None
        }
    })
}

struct Response {
    status: u16,
    reason: &'static str,
    content_type: &'static str,
    extra_header: Option<&'static str>,
    body: String,
}

impl Response {
    fn text(status: u16, reason: &'static str, body: String) -> Response {
        Response {
            status,
            reason,
            content_type: "text/plain; charset=utf-8",
            extra_header: None,
            body,
        }
    }

    fn encode(&self, head_only: bool) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
            self.status,
            self.reason,
            self.content_type,
            self.body.len()
        );
        if let Some(header) = self.extra_header {
            out.push_str(header);
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        if !head_only {
            out.push_str(&self.body);
        }
        out.into_bytes()
    }
}

/// The whole answer to one request head.
fn answer(head: &[u8], stats: &NodeStats) -> Vec<u8> {
    let request_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let request_line = request_line.strip_suffix(b"\r").unwrap_or(request_line);
    let mut words = request_line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return bad_request();
    };
    if !version.starts_with(b"HTTP/1.") {
        return bad_request();
    }
    let head_only = match method {
        b"GET" => false,
        b"HEAD" => true,
        _ => {
            let mut response = Response::text(
                405,
                "Method Not Allowed",
                "only GET and HEAD are allowed\n".to_owned(),
            );
            response.extra_header = Some("Allow: GET, HEAD");
            return response.encode(false);
        }
    };
    // Origin form only (`/healthz?x`): nobody proxies through kubevali.
    if target.first() != Some(&b'/') {
        return bad_request();
    }
    let path = target.split(|&b| b == b'?').next().unwrap_or_default();
    let response = match path {
        b"/healthz" => probe(liveness(&stats.snapshot())),
        b"/readyz" => probe(readiness(&stats.snapshot())),
        b"/metrics" => Response {
            content_type: metrics::CONTENT_TYPE,
            ..Response::text(200, "OK", metrics::render(&stats.snapshot()))
        },
        _ => Response::text(
            404,
            "Not Found",
            "not found; kubevali serves /healthz, /readyz and /metrics\n".to_owned(),
        ),
    };
    response.encode(head_only)
}

fn probe(verdict: super::Verdict) -> Response {
    let body = format!("{}\n", verdict.reason);
    if verdict.ok {
        Response::text(200, "OK", body)
    } else {
        Response::text(503, "Service Unavailable", body)
    }
}

fn bad_request() -> Vec<u8> {
    Response::text(400, "Bad Request", "not an HTTP/1 request\n".to_owned()).encode(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(request: &str) -> (String, String) {
        let stats = NodeStats::default();
        stats.node_started(None);
        let raw = String::from_utf8(answer(request.as_bytes(), &stats)).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        (head.lines().next().unwrap().to_owned(), body.to_owned())
    }

    #[test]
    fn routes_and_methods() {
        assert_eq!(
            status_of("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
            (
                "HTTP/1.1 200 OK".to_owned(),
                "the node is running\n".to_owned()
            )
        );
        assert_eq!(
            status_of("GET /readyz?verbose HTTP/1.0\r\n\r\n").0,
            "HTTP/1.1 200 OK"
        );
        assert_eq!(status_of("HEAD /healthz HTTP/1.1\r\n\r\n").1, "");
        assert_eq!(
            status_of("GET /nope HTTP/1.1\r\n\r\n").0,
            "HTTP/1.1 404 Not Found"
        );
        for other in ["POST /healthz", "PUT /metrics", "OPTIONS *", "DELETE /nope"] {
            assert_eq!(
                status_of(&format!("{other} HTTP/1.1\r\n\r\n")).0,
                "HTTP/1.1 405 Method Not Allowed",
                "{other}"
            );
        }
        for bad in [
            "GET\r\n\r\n",
            "GET /healthz\r\n\r\n",
            "GET /healthz HTTP/1.1 extra\r\n\r\n",
            "PRI * HTTP/2.0\r\n\r\n",
            "GET healthz HTTP/1.1\r\n\r\n",
            "GET http://x/healthz HTTP/1.1\r\n\r\n",
        ] {
            assert_eq!(status_of(bad).0, "HTTP/1.1 400 Bad Request", "{bad:?}");
        }
    }

    #[test]
    fn head_answer_keeps_the_length_of_the_body_it_leaves_out() {
        let stats = NodeStats::default();
        let get = String::from_utf8(answer(b"GET /metrics HTTP/1.1\r\n\r\n", &stats)).unwrap();
        let head = String::from_utf8(answer(b"HEAD /metrics HTTP/1.1\r\n\r\n", &stats)).unwrap();
        let (get_head, body) = get.split_once("\r\n\r\n").unwrap();
        assert_eq!(format!("{get_head}\r\n\r\n"), head);
        assert!(get_head.contains(&format!("Content-Length: {}", body.len())));
        assert!(get_head.contains("Content-Type: text/plain; version=0.0.4"));
        assert!(get_head.contains("Connection: close"));
    }

    #[test]
    fn any_bytes_get_an_answer_and_never_a_panic() {
        let stats = NodeStats::default();
        // A small deterministic generator: no dependency, same cases each run.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"GETHAD /?hlzrmics\r\n\0\xff:1.";
        for _ in 0..5000 {
            let len = (next() % 64) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 4 == 0 {
                        r as u8
                    } else {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            let answer = answer(&bytes, &stats);
            assert!(answer.starts_with(b"HTTP/1.1 "), "{bytes:?}");
            let _ = head_end(&bytes, (next() % 70) as usize);
        }
    }

    #[test]
    fn head_end_is_found_within_the_limit_only() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\n", 0), Some(18));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\n", 0), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n", 0), None);
        let mut exact = vec![b'a'; MAX_HEAD - 4];
        exact.extend_from_slice(b"\r\n\r\n");
        assert_eq!(head_end(&exact, 0), Some(MAX_HEAD));
        let mut over = vec![b'a'; MAX_HEAD - 3];
        over.extend_from_slice(b"\r\n\r\n");
        assert_eq!(head_end(&over, 0), None);
    }
}
