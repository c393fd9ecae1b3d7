//! A loopback HTTP/1.1 server for tests: records every request (method,
//! path, headers, body) and answers from a script. Plain std, one thread
//! per connection, keep-alive supported, bodies by Content-Length or
//! chunked.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// How the server answers one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// This status, body "OK" or the reason phrase.
    Status(u16),
    /// Read the request, record it, never answer; the connection stays
    /// open until the client gives up.
    Hang,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target as sent, such as `/5b6f…/fail`.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When the request was fully read, to order it against test events.
    pub at: Instant,
}

impl Request {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub struct Recorder {
    port: u16,
    shared: Arc<Shared>,
}

struct Shared {
    requests: Mutex<Vec<Request>>,
    arrived: Condvar,
    script: Mutex<VecDeque<Reply>>,
    then: Reply,
    /// Set by [`Recorder::raw`]: the bytes that answer request number n.
    raw: Option<RawAnswer>,
}

type RawAnswer = Box<dyn Fn(usize) -> Vec<u8> + Send + Sync>;

impl Recorder {
    /// A server that answers every request with 200 OK.
    pub fn start() -> Recorder {
        Recorder::scripted(&[], Reply::Status(200))
    }

    /// A server that answers with `script` in order, then `then` forever.
    pub fn scripted(script: &[Reply], then: Reply) -> Recorder {
        Recorder::serve(script, then, None)
    }

    /// A server that answers request number n (from 0) with the raw bytes
    /// `answer(n)` and closes the connection: for answers a script of
    /// statuses cannot give (redirects, oversized heads).
    pub fn raw(answer: impl Fn(usize) -> Vec<u8> + Send + Sync + 'static) -> Recorder {
        Recorder::serve(&[], Reply::Status(200), Some(Box::new(answer)))
    }

    fn serve(script: &[Reply], then: Reply, raw: Option<RawAnswer>) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            script: Mutex::new(script.iter().copied().collect()),
            then,
            raw,
        });
        let accepting = Arc::clone(&shared);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&accepting);
                thread::spawn(move || {
                    let _ = serve(stream, &shared);
                });
            }
        });
        Recorder { port, shared }
    }

    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.lock().clone()
    }

    /// Waits until `done` holds for the requests so far, or `timeout`
    /// passes; returns the requests either way, for the caller to assert on.
    pub fn wait_until(&self, timeout: Duration, done: impl Fn(&[Request]) -> bool) -> Vec<Request> {
        let deadline = Instant::now() + timeout;
        let mut requests = self.lock();
        loop {
            let now = Instant::now();
            if done(&requests) || now >= deadline {
                return requests.clone();
            }
            requests = self
                .shared
                .arrived
                .wait_timeout(requests, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Waits for at least `count` requests (or `timeout`).
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Request> {
        self.wait_until(timeout, |r| r.len() >= count)
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Request>> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

fn serve(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let Some(request) = read_request(&mut reader)? else {
            return Ok(());
        };
        if let Some(answer) = &shared.raw {
            let number = {
                let mut requests = shared.requests.lock().unwrap_or_else(|e| e.into_inner());
                requests.push(request);
                requests.len() - 1
            };
            shared.arrived.notify_all();
            writer.write_all(&answer(number))?;
            writer.flush()?;
            // Closing the connection ends the answer.
            return Ok(());
        }
        let reply = {
            let mut script = shared.script.lock().unwrap_or_else(|e| e.into_inner());
            script.pop_front().unwrap_or(shared.then)
        };
        shared
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(request);
        shared.arrived.notify_all();
        match reply {
            Reply::Status(status) => {
                let text = if status < 300 { "OK" } else { reason(status) };
                write!(
                    writer,
                    "HTTP/1.1 {status} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{text}",
                    reason(status),
                    text.len()
                )?;
                writer.flush()?;
            }
            Reply::Hang => {
                // Hold the connection until the client closes it.
                let mut sink = [0u8; 4096];
                while reader.read(&mut sink)? > 0 {}
                return Ok(());
            }
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

/// One request, or `None` when the client closed the connection.
fn read_request(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut words = line.split_whitespace();
    let method = words.next().unwrap_or_default().to_owned();
    let path = words.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            return Ok(None);
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _): &&(String, String)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            chunk.truncate(size);
            body.extend_from_slice(&chunk);
            if size == 0 {
                break;
            }
        }
    } else if let Some(length) = find("content-length") {
        let length: usize = length
            .parse()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    }
    Ok(Some(Request {
        method,
        path,
        headers,
        body,
        at: Instant::now(),
    }))
}
