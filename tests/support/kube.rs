//! A fake Kubernetes API server for tests: HTTPS on loopback with a CA and
//! certificates made at start-up, canned answers per route, and a record of
//! every request it saw. Reusable by any test that needs a cluster.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use super::Scratch;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

/// A throw-away certificate authority with a server certificate for
/// 127.0.0.1/localhost and a client certificate, all PEM.
pub struct Pki {
    pub ca_pem: String,
    pub server_cert_pem: String,
    pub server_key_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
    ca_der: CertificateDer<'static>,
    server_der: CertificateDer<'static>,
    server_key_der: Vec<u8>,
    /// A server certificate for [`Pki::ONLY_NAME`] alone: a client that
    /// connects to 127.0.0.1 accepts it only through `tls-server-name`.
    named_server_der: CertificateDer<'static>,
}

impl Pki {
    pub fn new() -> Pki {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca_params.distinguished_name.push(
            rcgen::DnType::CommonName,
            format!("kubevali test CA {}", unique()),
        );
        let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().expect("server key");
        let server_params =
            CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()]).expect("params");
        let server = server_params
            .signed_by(&server_key, &issuer)
            .expect("server certificate");

        let named_params =
            CertificateParams::new(vec![Pki::ONLY_NAME.into()]).expect("named params");
        let named_server = named_params
            .signed_by(&server_key, &issuer)
            .expect("named server certificate");

        let client_key = KeyPair::generate().expect("client key");
        let mut client_params = CertificateParams::new(Vec::new()).expect("params");
        client_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "kubevali-admin");
        let client = client_params
            .signed_by(&client_key, &issuer)
            .expect("client certificate");

        Pki {
            ca_pem: ca.pem(),
            server_cert_pem: server.pem(),
            server_key_pem: server_key.serialize_pem(),
            client_cert_pem: client.pem(),
            client_key_pem: client_key.serialize_pem(),
            ca_der: ca.der().clone(),
            server_der: server.der().clone(),
            server_key_der: server_key.serialize_der(),
            named_server_der: named_server.der().clone(),
        }
    }

    /// The one name in the certificate [`FakeApiBuilder::named_certificate`]
    /// serves. `.test` is reserved: it never resolves anywhere.
    pub const ONLY_NAME: &str = "api.kubevali.test";
}

/// One request as the fake server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path with the query string, if any.
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
    /// Whether the connection presented a (verified) client certificate.
    pub client_cert: bool,
}

impl Recorded {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("request body is JSON")
    }
}

#[derive(Clone)]
struct Canned {
    status: u16,
    body: String,
}

struct State {
    /// The bearer token every request must carry; `None` accepts any.
    token: Mutex<Option<String>>,
    /// Per "METHOD path" answers, used in order; the last one repeats.
    routes: Mutex<HashMap<String, Vec<Canned>>>,
    requests: Mutex<Vec<Recorded>>,
    stop: AtomicBool,
}

pub struct FakeApiBuilder {
    token: Option<String>,
    require_client_cert: bool,
    named_certificate: bool,
    routes: HashMap<String, Vec<Canned>>,
}

impl FakeApiBuilder {
    /// Requests without `Authorization: Bearer <token>` get 401.
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// The TLS handshake fails without a client certificate from the CA.
    pub fn require_client_cert(mut self) -> Self {
        self.require_client_cert = true;
        self
    }

    /// Serve the certificate that names only [`Pki::ONLY_NAME`] (not
    /// 127.0.0.1 or localhost).
    pub fn named_certificate(mut self) -> Self {
        self.named_certificate = true;
        self
    }

    /// Queues an answer for `method path` (path without query). Several
    /// answers for one route are given in order; the last one repeats.
    pub fn route(mut self, method: &str, path: &str, status: u16, body: impl ToString) -> Self {
        self.routes
            .entry(format!("{method} {path}"))
            .or_default()
            .push(Canned {
                status,
                body: body.to_string(),
            });
        self
    }

    pub fn start(self, pki: &Pki) -> FakeApi {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("protocol versions");
        let builder = if self.require_client_cert {
            let mut roots = RootCertStore::empty();
            roots.add(pki.ca_der.clone()).expect("CA as root");
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .expect("client verifier");
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let config = Arc::new(
            builder
                .with_single_cert(
                    vec![if self.named_certificate {
                        pki.named_server_der.clone()
                    } else {
                        pki.server_der.clone()
                    }],
                    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key_der.clone())),
                )
                .expect("server certificate"),
        );

        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        let state = Arc::new(State {
            token: Mutex::new(self.token),
            routes: Mutex::new(self.routes),
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let accept_state = state.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_state.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = accept_state.clone();
                let config = config.clone();
                thread::spawn(move || serve(stream, config, &state));
            }
        });
        FakeApi { address, state }
    }
}

/// A running fake API server; stops accepting when dropped.
pub struct FakeApi {
    address: SocketAddr,
    state: Arc<State>,
}

impl FakeApi {
    pub fn builder() -> FakeApiBuilder {
        FakeApiBuilder {
            token: None,
            require_client_cert: false,
            named_certificate: false,
            routes: HashMap::new(),
        }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.address)
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Accept a different token from now on (a rotated service-account token).
    pub fn set_token(&self, token: &str) {
        *self.state.token.lock().unwrap() = Some(token.to_owned());
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Requests other than GET.
    pub fn writes(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|request| request.method != "GET")
            .collect()
    }

    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|request| request.method == method && request.path == path)
            .count()
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
    }
}

fn serve(stream: TcpStream, config: Arc<ServerConfig>, state: &State) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let Ok(connection) = ServerConnection::new(config) else {
        return;
    };
    let mut reader = BufReader::new(StreamOwned::new(connection, stream));
    // Keep-alive: serve requests until the client closes or errs.
    while let Some(mut request) = read_request(&mut reader) {
        request.client_cert = reader.get_ref().conn.peer_certificates().is_some();
        let answer = answer(state, &request);
        state.requests.lock().unwrap().push(request);
        let head = format!(
            "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            answer.status,
            answer.body.len()
        );
        let stream = reader.get_mut();
        if stream.write_all(head.as_bytes()).is_err()
            || stream.write_all(answer.body.as_bytes()).is_err()
            || stream.flush().is_err()
        {
            return;
        }
    }
}

fn read_request(reader: &mut impl BufRead) -> Option<Recorded> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = HashMap::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        path,
        authorization: headers.remove("authorization"),
        content_type: headers.remove("content-type"),
        body: String::from_utf8_lossy(&body).into_owned(),
        client_cert: false,
    })
}

fn answer(state: &State, request: &Recorded) -> Canned {
    if let Some(token) = state.token.lock().unwrap().as_deref() {
        if request.authorization.as_deref() != Some(&format!("Bearer {token}")) {
            return status(401, "Unauthorized", "Unauthorized");
        }
    }
    let route = request.path.split('?').next().unwrap_or_default();
    let key = format!("{} {route}", request.method);
    let mut routes = state.routes.lock().unwrap();
    match routes.get_mut(&key) {
        Some(answers) if answers.len() > 1 => answers.remove(0),
        Some(answers) => answers[0].clone(),
        None => status(404, "NotFound", &format!("no route for {key}")),
    }
}

fn status(code: u16, reason: &str, message: &str) -> Canned {
    Canned {
        status: code,
        body: status_body(code, reason, message),
    }
}

/// A Kubernetes `Status` error body.
pub fn status_body(code: u16, reason: &str, message: &str) -> String {
    serde_json::json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    })
    .to_string()
}

/// A number no other call in this process returns.
fn unique() -> usize {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    COUNTER.fetch_add(1, Ordering::SeqCst)
}

/// Standard base64 with padding, for kubeconfig `*-data` fields.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A node object with the given addresses as (type, address) pairs.
pub fn node(name: &str, addresses: &[(&str, &str)]) -> serde_json::Value {
    let addresses: Vec<_> = addresses
        .iter()
        .map(|(kind, address)| serde_json::json!({"type": kind, "address": address}))
        .collect();
    serde_json::json!({
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {"name": name},
        "status": {"addresses": addresses},
    })
}

pub fn node_list(nodes: &[serde_json::Value]) -> serde_json::Value {
    serde_json::json!({"kind": "NodeList", "apiVersion": "v1", "metadata": {}, "items": nodes})
}

/// An HTTP CONNECT proxy on loopback that records every tunnel it opens.
/// Whatever host a client asks for, the tunnel goes to that port on
/// 127.0.0.1, so tests can use names that resolve nowhere and still talk
/// only to loopback.
pub struct ConnectProxy {
    address: SocketAddr,
    tunnels: Arc<Mutex<Vec<Tunnel>>>,
    stop: Arc<AtomicBool>,
}

/// One CONNECT request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Tunnel {
    /// `host:port` as requested.
    pub target: String,
    pub proxy_authorization: Option<String>,
}

impl ConnectProxy {
    pub fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (accept_tunnels, accept_stop) = (tunnels.clone(), stop.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let tunnels = accept_tunnels.clone();
                thread::spawn(move || tunnel(stream, &tunnels));
            }
        });
        ConnectProxy {
            address,
            tunnels,
            stop,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn tunnels(&self) -> Vec<Tunnel> {
        self.tunnels.lock().unwrap().clone()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
    }
}

fn tunnel(stream: TcpStream, tunnels: &Mutex<Vec<Tunnel>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else {
        let _ = reader
            .get_mut()
            .write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let target = target.to_owned();
    let mut proxy_authorization = None;
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("proxy-authorization") {
                proxy_authorization = Some(value.trim().to_owned());
            }
        }
    }
    tunnels.lock().unwrap().push(Tunnel {
        target: target.clone(),
        proxy_authorization,
    });
    let port = target
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok());
    let upstream = port.and_then(|port| TcpStream::connect(("127.0.0.1", port)).ok());
    let Some(upstream) = upstream else {
        let _ = reader
            .get_mut()
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    if reader
        .get_mut()
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    // Bytes the client sent right after the request (none, normally).
    let pending = reader.buffer().to_vec();
    let client = reader.into_inner();
    let (Ok(mut client_read), Ok(mut upstream_write)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    let _ = upstream_write.write_all(&pending);
    let _ = client_read.set_read_timeout(None);
    let forward = thread::spawn(move || {
        let _ = std::io::copy(&mut client_read, &mut upstream_write);
        let _ = upstream_write.shutdown(std::net::Shutdown::Write);
    });
    let (mut upstream_read, mut client_write) = (upstream, client);
    let _ = std::io::copy(&mut upstream_read, &mut client_write);
    let _ = client_write.shutdown(std::net::Shutdown::Write);
    let _ = forward.join();
}

/// Writes an executable exec credential plugin into `dir`: a shell script
/// that records each run (its arguments, `$KUBEVALI_TEST_ENV` and
/// `$KUBERNETES_EXEC_INFO`) and prints an `ExecCredential` whose token is
/// `<token_prefix><run number>`. `status_extra` is spliced into the status
/// object (e.g. `,"expirationTimestamp":"…"`).
pub fn exec_plugin(
    dir: &Scratch,
    name: &str,
    api_version: &str,
    token_prefix: &str,
    status_extra: &str,
) -> PathBuf {
    let runs = dir.path().join(format!("{name}.runs"));
    let script = format!(
        "#!/bin/sh\n\
         printf '%s\\t%s\\t%s\\n' \"$*\" \"$KUBEVALI_TEST_ENV\" \"$KUBERNETES_EXEC_INFO\" >> '{runs}'\n\
         n=$(wc -l < '{runs}' | tr -d ' ')\n\
         printf '{{\"apiVersion\":\"{api_version}\",\"kind\":\"ExecCredential\",\
         \"status\":{{\"token\":\"{token_prefix}%s\"{status_extra}}}}}' \"$n\"\n",
        runs = runs.display()
    );
    executable(dir, name, &script)
}

/// Writes `script` as an executable file in `dir`.
pub fn executable(dir: &Scratch, name: &str, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.write(name, script);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// One run of a plugin made by [`exec_plugin`].
#[derive(Debug)]
pub struct ExecRun {
    pub args: String,
    pub test_env: String,
    pub exec_info: serde_json::Value,
}

/// Every run of the plugin `name`, in order.
pub fn exec_runs(dir: &Scratch, name: &str) -> Vec<ExecRun> {
    std::fs::read_to_string(dir.path().join(format!("{name}.runs")))
        .unwrap_or_default()
        .lines()
        .map(|line| {
            let mut fields = line.splitn(3, '\t');
            let mut next = || fields.next().unwrap_or_default().to_owned();
            let (args, test_env, info) = (next(), next(), next());
            ExecRun {
                args,
                test_env,
                exec_info: serde_json::from_str(&info).expect("KUBERNETES_EXEC_INFO is JSON"),
            }
        })
        .collect()
}
