//! A minimal synchronous client for the few Kubernetes API calls kubevali
//! makes: JSON over HTTPS with ureq, TLS verified against the cluster CA,
//! through the proxy and with the credentials the configuration names.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use ureq::http::Uri;
use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    ConnectionDetails, Connector, DefaultConnector, NextTimeout, RustlsConnector, TcpConnector,
    Transport, TransportAdapter,
};
use ureq::{Agent, Proxy, ProxyProtocol};

use super::access::{ClusterAccess, Credentials, PemSource, read_file};
use super::error::KubeError;
use super::exec::{Credential, ExecConfig};

/// Every request, connection set-up included, ends within this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Node lists of large clusters run to megabytes; this only stops a
/// runaway answer from eating the pod's memory.
const MAX_BODY: u64 = 64 << 20;

/// A configured connection to one API server, namespaced like the pod.
/// Cheap to clone (the connection pool and the credential cache are shared).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    /// The server as configured: what error messages name.
    server: String,
    /// Where requests go: `server`, or with `tls-server-name` as its host.
    base: String,
    namespace: String,
    connection: Connection,
    /// Replaced when an exec plugin hands out a new client certificate.
    agent: Mutex<Agent>,
    auth: Auth,
    /// Set when the server did not answer within [`REQUEST_TIMEOUT`]: it
    /// is not waited for again by this client. (A review of 200 replicas
    /// would otherwise wait 200 times for a server that is down.)
    silent: OnceLock<KubeError>,
}

/// What every agent of this client shares.
struct Connection {
    roots: Option<Vec<Certificate<'static>>>,
    insecure: bool,
    /// The proxy, when ureq itself can use it.
    proxy: Option<Proxy>,
    /// `tls-server-name`: where its name really resolves to.
    pin: Option<PinnedResolver>,
    /// `tls-server-name` through a proxy, which ureq cannot do itself.
    tunnel: Option<Tunnel>,
}

enum Auth {
    /// No token; perhaps a client certificate, which lives in the agent.
    Anonymous,
    Token(String),
    TokenFile(PathBuf),
    Exec {
        config: Box<ExecConfig>,
        /// `spec.cluster` for the plugin when it asks for it.
        cluster: Option<Value>,
        /// The certificate and key the agent was last built with.
        agent_cert: Mutex<Option<(Vec<u8>, Vec<u8>)>>,
    },
}

/// Exec credentials by plugin configuration, shared by every client in
/// the process (as client-go shares them): a re-render after a config
/// reload builds a new client but reuses a credential that is still
/// fresh. The lock is held while a plugin runs, so one run serves all.
static EXEC_CREDENTIALS: Mutex<Vec<ExecEntry>> = Mutex::new(Vec::new());

/// Plugins one kubevali ever uses: one, in practice.
const EXEC_CACHE_ENTRIES: usize = 8;

struct ExecEntry {
    config: ExecConfig,
    cluster: Option<Value>,
    credential: Credential,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token itself: Debug output can end up in logs.
        let auth = match &self.inner.auth {
            Auth::Anonymous => "anonymous or client certificate",
            Auth::Token(_) => "token",
            Auth::TokenFile(_) => "token file",
            Auth::Exec { .. } => "exec plugin",
        };
        f.debug_struct("Client")
            .field("server", &self.inner.server)
            .field("namespace", &self.inner.namespace)
            .field("auth", &auth)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

/// An HTTP answer of any status; the caller decides which ones are errors.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Client {
    /// Reads the CA and a static client certificate now; tokens are read
    /// per request and an exec plugin runs on the first request.
    pub fn new(access: ClusterAccess) -> Result<Client, KubeError> {
        let server = access.server.clone();
        let roots = match (&access.ca, access.insecure_skip_tls_verify) {
            (Some(ca), false) => Some(certificates(&ca.read()?, &describe("cluster CA", ca))?),
            // Without a CA in the kubeconfig (a server with a publicly
            // trusted certificate) the built-in Mozilla roots verify it,
            // as kubectl would use the system's.
            _ => None,
        };
        let (base, mut pin) = match &access.tls_server_name {
            Some(name) => {
                let (base, pin) = pinned(&server, name)?;
                (base, Some(pin))
            }
            None => (server.clone(), None),
        };
        let (proxy, tunnel) = match (&access.proxy, &mut pin) {
            (None, _) => (None, None),
            (Some(url), None) => (Some(proxy(url)?), None),
            (Some(url), Some(pin)) => {
                let (proxy_address, tunnel) = tunnel(url, &pin.target)?;
                // Connections for the name go to the proxy, which then
                // opens the tunnel to the real host.
                pin.target = proxy_address;
                (None, Some(tunnel))
            }
        };
        let connection = Connection {
            roots,
            insecure: access.insecure_skip_tls_verify,
            proxy,
            pin,
            tunnel,
        };
        let exec_cluster = match &access.credentials {
            Credentials::Exec(config) if config.provide_cluster_info => {
                Some(cluster_info(&access)?)
            }
            _ => None,
        };
        let (agent, auth) = match access.credentials {
            Credentials::None => (connection.agent(None), Auth::Anonymous),
            Credentials::Token(token) => (connection.agent(None), Auth::Token(token)),
            Credentials::TokenFile(path) => (connection.agent(None), Auth::TokenFile(path)),
            Credentials::ClientCert { cert, key } => {
                let cert = client_cert(
                    &cert.read()?,
                    &describe("client certificate", &cert),
                    &key.read()?,
                    &describe("client key", &key),
                )?;
                (connection.agent(Some(cert)), Auth::Anonymous)
            }
            Credentials::Exec(config) => {
                let auth = Auth::Exec {
                    config: Box::new(config),
                    cluster: exec_cluster,
                    agent_cert: Mutex::new(None),
                };
                (connection.agent(None), auth)
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                server,
                base,
                namespace: access.namespace,
                connection,
                agent: Mutex::new(agent),
                auth,
                silent: OnceLock::new(),
            }),
        })
    }

    /// The namespace of the pod (in-cluster) or of the kubeconfig context.
    pub fn namespace(&self) -> &str {
        &self.inner.namespace
    }

    /// Sends one request. With an exec plugin, a 401 means the credential
    /// went stale before its stated expiry (or had none): the plugin runs
    /// again and the request is sent once more, as client-go refreshes.
    pub(crate) fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, KubeError> {
        let answer = self.attempt(method, path, body, false)?;
        if answer.status == 401 && matches!(self.inner.auth, Auth::Exec { .. }) {
            log::debug!(
                "{} {path}: 401, running the exec plugin again",
                method.as_str()
            );
            return self.attempt(method, path, body, true);
        }
        Ok(answer)
    }

    fn attempt(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        refresh: bool,
    ) -> Result<Answer, KubeError> {
        if let Some(error) = self.inner.silent.get() {
            return Err(error.clone());
        }
        let (agent, bearer) = self.credentials(refresh)?;
        let url = format!("{}{path}", self.inner.base);
        let answer = match method {
            Method::Get => {
                let mut request = agent.get(&url).header("Accept", "application/json");
                if let Some(token) = &bearer {
                    request = request.header("Authorization", format!("Bearer {token}"));
                }
                request.call()
            }
            Method::Post | Method::Put => {
                let mut request = if method == Method::Post {
                    agent.post(&url)
                } else {
                    agent.put(&url)
                };
                request = request
                    .header("Accept", "application/json")
                    .header("Content-Type", "application/json");
                if let Some(token) = &bearer {
                    request = request.header("Authorization", format!("Bearer {token}"));
                }
                let bytes = body.map(|body| body.to_string()).unwrap_or_default();
                request.send(bytes.as_bytes())
            }
        };
        let mut response = answer.map_err(|error| {
            let timed_out = matches!(error, ureq::Error::Timeout(_));
            let error = self.transport_error(error);
            if timed_out {
                let _ = self.inner.silent.set(error.clone());
            }
            error
        })?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|error| self.transport_error(error))?;
        Ok(Answer { status, body })
    }

    /// The agent to send with and the bearer token, if any. An exec
    /// credential is reused until it expires, unless `refresh`.
    fn credentials(&self, refresh: bool) -> Result<(Agent, Option<String>), KubeError> {
        let current = || lock(&self.inner.agent).clone();
        match &self.inner.auth {
            Auth::Anonymous => Ok((current(), None)),
            Auth::Token(token) => Ok((current(), Some(token.trim().to_owned()))),
            Auth::TokenFile(path) => {
                let token = String::from_utf8_lossy(&read_file(path)?).trim().to_owned();
                Ok((current(), Some(token)))
            }
            Auth::Exec {
                config,
                cluster,
                agent_cert,
            } => {
                let credential = exec_credential(config, cluster.as_ref(), refresh)?;
                let mut agent_cert = lock(agent_cert);
                if credential.client_cert != *agent_cert {
                    let cert = match &credential.client_cert {
                        Some((cert, key)) => Some(client_cert(
                            cert,
                            "exec plugin's clientCertificateData",
                            key,
                            "exec plugin's clientKeyData",
                        )?),
                        None => None,
                    };
                    *lock(&self.inner.agent) = self.inner.connection.agent(cert);
                    agent_cert.clone_from(&credential.client_cert);
                }
                Ok((current(), credential.token))
            }
        }
    }

    /// GET that must succeed, parsed as JSON.
    pub(crate) fn get_json(&self, path: &str) -> Result<Value, KubeError> {
        self.request(Method::Get, path, None)?
            .into_json(Method::Get, path)
    }

    fn transport_error(&self, error: ureq::Error) -> KubeError {
        let server = self.inner.server.clone();
        match error {
            ureq::Error::Tls(_) | ureq::Error::Pem(_) | ureq::Error::Rustls(_) => KubeError::Tls {
                server,
                reason: error.to_string(),
            },
            // rustls reports handshake and certificate failures through
            // the socket as InvalidData, with its own error inside.
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => KubeError::Tls {
                server,
                reason: io.to_string(),
            },
            ureq::Error::Timeout(_) => KubeError::Transport {
                server,
                reason: format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
            },
            ureq::Error::ConnectProxyFailed(reason) => KubeError::Transport {
                server,
                reason: format!("the proxy refused the connection: {reason}"),
            },
            other => KubeError::Transport {
                server,
                reason: other.to_string(),
            },
        }
    }
}

/// The cached credential of this plugin while it is fresh (and no
/// `refresh` is asked for), else a new one from running it.
fn exec_credential(
    config: &ExecConfig,
    cluster: Option<&Value>,
    refresh: bool,
) -> Result<Credential, KubeError> {
    let mut entries = lock(&EXEC_CREDENTIALS);
    let position = entries
        .iter()
        .position(|entry| entry.config == *config && entry.cluster.as_ref() == cluster);
    if let Some(at) = position {
        let credential = &entries[at].credential;
        if !refresh && credential.is_fresh(SystemTime::now()) {
            return Ok(credential.clone());
        }
        entries.remove(at);
    }
    let credential = config.run(cluster)?;
    if entries.len() >= EXEC_CACHE_ENTRIES {
        entries.remove(0);
    }
    entries.push(ExecEntry {
        config: config.clone(),
        cluster: cluster.cloned(),
        credential: credential.clone(),
    });
    Ok(credential)
}

impl Connection {
    fn agent(&self, client_cert: Option<ClientCert>) -> Agent {
        let mut tls = TlsConfig::builder().client_cert(client_cert);
        if self.insecure {
            tls = tls.disable_verification(true);
        } else if let Some(roots) = &self.roots {
            tls = tls.root_certs(RootCerts::new_with_certs(roots));
        }
        let config = Agent::config_builder()
            .timeout_global(Some(REQUEST_TIMEOUT))
            // Error answers carry a Status body whose message we report.
            .http_status_as_error(false)
            .user_agent(concat!("kubevali/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls.build())
            // Only the proxy decided for this cluster (discover): ureq's
            // own reading of the environment knows neither Go's NO_PROXY
            // rules nor that in-cluster access ignores the variables.
            .proxy(self.proxy.clone())
            .build();
        match (&self.pin, &self.tunnel) {
            (Some(pin), Some(tunnel)) => {
                let connector = TcpConnector::default()
                    .chain(tunnel.clone())
                    .chain(RustlsConnector::default());
                Agent::with_parts(config, connector, pin.clone())
            }
            (Some(pin), None) => {
                Agent::with_parts(config, DefaultConnector::default(), pin.clone())
            }
            (None, _) => Agent::new_with_config(config),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing holding these locks can leave the value half-written.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// For `tls-server-name`: requests name that host, so that rustls sends it
/// as SNI and verifies the certificate against it (ureq has no separate
/// setting), and the resolver sends connections for it to the server's
/// real host. The base URL and the resolver come back.
fn pinned(server: &str, name: &str) -> Result<(String, PinnedResolver), KubeError> {
    let bad = |reason: &str| KubeError::Config(format!("server {server:?}: {reason}"));
    let uri: Uri = server.parse().map_err(|_| bad("not a URL"))?;
    let scheme = uri.scheme_str().ok_or_else(|| bad("no scheme"))?.to_owned();
    let authority = uri.authority().ok_or_else(|| bad("no host"))?;
    let port = authority
        .port_u16()
        .unwrap_or(if scheme == "http" { 80 } else { 443 });
    let host = authority.host();
    let name_host = if name.contains(':') && !name.starts_with('[') {
        format!("[{name}]")
    } else {
        name.to_owned()
    };
    let path = uri.path().trim_end_matches('/');
    let target: Uri = format!("{scheme}://{host}:{port}/")
        .parse()
        .map_err(|_| bad("not a URL"))?;
    let base = format!("{scheme}://{name_host}:{port}{path}");
    base.parse::<Uri>()
        .map_err(|_| KubeError::Config(format!("tls-server-name {name:?} is not a host name")))?;
    let pin = PinnedResolver {
        name: name_host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase(),
        target,
    };
    Ok((base, pin))
}

/// Resolves the `tls-server-name` host to the addresses of `target`: the
/// server's real host, or with a [`Tunnel`] the proxy; every other name as
/// usual.
#[derive(Debug, Clone)]
struct PinnedResolver {
    name: String,
    target: Uri,
}

impl Resolver for PinnedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.eq_ignore_ascii_case(&self.name) {
            DefaultResolver::default().resolve(&self.target, config, timeout)
        } else {
            DefaultResolver::default().resolve(uri, config, timeout)
        }
    }
}

/// kubeconfig `proxy-url` or the environment's proxy: `http://` or
/// `https://` (ureq's SOCKS support is not built in).
fn proxy(url: &str) -> Result<Proxy, KubeError> {
    let bad = |reason: String| KubeError::Config(format!("proxy {url:?}: {reason}"));
    let proxy = Proxy::new(url).map_err(|error| bad(error.to_string()))?;
    if !matches!(proxy.protocol(), ProxyProtocol::Http | ProxyProtocol::Https) {
        return Err(bad("only http:// and https:// proxies are supported".into()));
    }
    Ok(proxy)
}

/// The proxy for a server reached under its `tls-server-name`: the
/// proxy's address (for the resolver) and the tunnel to open through it.
/// The CONNECT request must name the server's real host while TLS names
/// the other; ureq (3.5) can only name the URL's host (or write a resolved
/// address into a malformed request line), so kubevali speaks CONNECT
/// itself. Plain `http://` proxies only.
fn tunnel(url: &str, target: &Uri) -> Result<(Uri, Tunnel), KubeError> {
    let bad = |reason: String| KubeError::Config(format!("proxy {url:?}: {reason}"));
    let proxy = proxy(url)?;
    if proxy.protocol() != ProxyProtocol::Http {
        return Err(bad(
            "with tls-server-name, kubevali supports http:// proxies only".into(),
        ));
    }
    let authorization = match (proxy.username(), proxy.password()) {
        (None, None) => None,
        (user, password) => Some(format!(
            "Basic {}",
            crate::base64::encode(
                format!(
                    "{}:{}",
                    user.unwrap_or_default(),
                    password.unwrap_or_default()
                )
                .as_bytes()
            )
        )),
    };
    let authority = target
        .authority()
        .ok_or_else(|| bad("the server has no host".into()))?;
    let host = proxy.host();
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    let address = format!("http://{host}:{}/", proxy.port())
        .parse()
        .map_err(|_| bad("not a URL".into()))?;
    let tunnel = Tunnel {
        target: authority.as_str().to_owned(),
        authorization,
    };
    Ok((address, tunnel))
}

/// The connector step that turns a connection to the proxy into a tunnel
/// to the server, before TLS starts over it.
#[derive(Clone)]
struct Tunnel {
    /// `host:port` of the server as configured.
    target: String,
    authorization: Option<String>,
}

impl std::fmt::Debug for Tunnel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The authorization holds the proxy password.
        f.debug_struct("Tunnel")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// The most a proxy's answer to CONNECT may take, status line and headers.
const MAX_CONNECT_ANSWER: usize = 16 << 10;

impl<In: Transport> Connector<In> for Tunnel {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Box<dyn Transport>>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        let failed = |reason: String| ureq::Error::ConnectProxyFailed(reason);
        let mut io = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        io.set_timeout(details.timeout);
        let mut request = format!(
            "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: kubevali/{}\r\n",
            env!("CARGO_PKG_VERSION"),
            target = self.target
        );
        if let Some(authorization) = &self.authorization {
            request.push_str(&format!("Proxy-Authorization: {authorization}\r\n"));
        }
        request.push_str("\r\n");
        io.write_all(request.as_bytes())?;
        // Byte by byte up to the blank line; whatever follows stays in the
        // transport's buffer for TLS.
        let mut answer = Vec::new();
        let mut byte = [0u8; 1];
        while !answer.ends_with(b"\r\n\r\n") {
            if answer.len() >= MAX_CONNECT_ANSWER {
                return Err(failed("the proxy's answer to CONNECT is too long".into()));
            }
            if io.read(&mut byte)? == 0 {
                return Err(failed("the proxy closed the connection".into()));
            }
            answer.push(byte[0]);
        }
        let text = String::from_utf8_lossy(&answer);
        let status_line = text.lines().next().unwrap_or_default();
        let status = status_line.split_whitespace().nth(1).unwrap_or_default();
        if status.len() != 3 || !status.starts_with('2') {
            return Err(failed(format!("CONNECT {}: {status_line}", self.target)));
        }
        Ok(Some(io.into_inner()))
    }
}

/// `spec.cluster` of `KUBERNETES_EXEC_INFO` (client-go's `Cluster` type).
fn cluster_info(access: &ClusterAccess) -> Result<Value, KubeError> {
    let mut cluster = json!({ "server": access.server });
    if let Some(name) = &access.tls_server_name {
        cluster["tls-server-name"] = json!(name);
    }
    if access.insecure_skip_tls_verify {
        cluster["insecure-skip-tls-verify"] = json!(true);
    }
    if let Some(ca) = &access.ca {
        cluster["certificate-authority-data"] = json!(crate::base64::encode(&ca.read()?));
    }
    if let Some(proxy) = &access.proxy {
        cluster["proxy-url"] = json!(proxy);
    }
    Ok(cluster)
}

impl Answer {
    /// The body as JSON when the status is 2xx, else the API error with
    /// the Status message.
    pub(crate) fn into_json(self, method: Method, path: &str) -> Result<Value, KubeError> {
        if !(200..300).contains(&self.status) {
            return Err(self.into_error(method, path));
        }
        serde_json::from_slice(&self.body).map_err(|error| KubeError::Response {
            method: method.as_str(),
            path: path.to_owned(),
            reason: format!("invalid JSON: {error}"),
        })
    }

    pub(crate) fn into_error(self, method: Method, path: &str) -> KubeError {
        KubeError::Api {
            method: method.as_str(),
            path: path.to_owned(),
            status: self.status,
            message: status_message(&self.body),
        }
    }
}

/// The `message` of a Kubernetes `Status` body, or the start of whatever
/// else came back (a proxy's HTML page, say).
fn status_message(body: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        if let Some(message) = value.get("message").and_then(Value::as_str) {
            return message.to_owned();
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Percent-encodes a name for use as one URL path segment. Kubernetes
/// names never need it, but `$HOSTNAME` outside a cluster could be anything.
pub(crate) fn path_segment(name: &str) -> String {
    let mut encoded = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn client_cert(
    cert_pem: &[u8],
    cert_what: &str,
    key_pem: &[u8],
    key_what: &str,
) -> Result<ClientCert, KubeError> {
    let chain = certificates(cert_pem, cert_what)?;
    let key = PrivateKey::from_pem(key_pem).map_err(|error| KubeError::Pem {
        what: key_what.to_owned(),
        reason: error.to_string(),
    })?;
    Ok(ClientCert::new_with_certs(&chain, key))
}

fn describe(what: &str, source: &PemSource) -> String {
    match source {
        PemSource::Inline(_) => format!("{what} (inline data)"),
        PemSource::File(path) => format!("{what} {}", path.display()),
    }
}

fn certificates(pem: &[u8], what: &str) -> Result<Vec<Certificate<'static>>, KubeError> {
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(error) => {
                return Err(KubeError::Pem {
                    what: what.to_owned(),
                    reason: error.to_string(),
                });
            }
        }
    }
    if certs.is_empty() {
        return Err(KubeError::Pem {
            what: what.to_owned(),
            reason: "no PEM certificate found".into(),
        });
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(path_segment("darwinia-0"), "darwinia-0");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn status_message_prefers_the_kubernetes_status() {
        let body =
            br#"{"kind":"Status","status":"Failure","message":"pods \"x\" not found","code":404}"#;
        assert_eq!(status_message(body), "pods \"x\" not found");
        assert_eq!(status_message(b"  Bad Gateway\n"), "Bad Gateway");
        let long = "x".repeat(500);
        assert_eq!(status_message(long.as_bytes()).chars().count(), 201);
    }

    #[test]
    fn missing_certificate_is_a_pem_error_naming_the_source() {
        let error = certificates(b"not pem", "cluster CA (inline data)").unwrap_err();
        assert_eq!(
            error.to_string(),
            "cluster CA (inline data): no PEM certificate found"
        );
    }
}
