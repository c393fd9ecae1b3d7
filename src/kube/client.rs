//! A minimal synchronous client for the few Kubernetes API calls kubevali
//! makes: JSON over HTTPS with ureq, TLS verified against the cluster CA.

use std::time::Duration;

use serde_json::Value;
use ureq::Agent;
use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};

use super::KubeError;
use super::access::{ClusterAccess, Credentials, PemSource};

/// Every request, connection set-up included, ends within this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Node lists of large clusters run to megabytes; this only stops a
/// runaway answer from eating the pod's memory.
const MAX_BODY: u64 = 64 << 20;

/// A configured connection to one API server, namespaced like the pod.
/// Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Client {
    agent: Agent,
    server: String,
    /// Token credentials only; a client certificate lives in the agent.
    credentials: Credentials,
    namespace: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.server)
            .field("namespace", &self.namespace)
            .field("credentials", &self.credentials)
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
    /// Reads the process environment and the files it points at; see
    /// [`ClusterAccess::from_lookup`].
    pub fn from_env() -> Result<Client, KubeError> {
        Client::new(ClusterAccess::from_lookup(&|name| {
            std::env::var(name).ok()
        })?)
    }

    /// Builds the TLS set-up now (CA and client certificate files are read
    /// once); tokens are read per request.
    pub fn new(access: ClusterAccess) -> Result<Client, KubeError> {
        let tls = tls_config(&access)?;
        let config = Agent::config_builder()
            .timeout_global(Some(REQUEST_TIMEOUT))
            // Error answers carry a Status body whose message we report.
            .http_status_as_error(false)
            .user_agent(concat!("kubevali/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls)
            // Straight to the API server: the node's HTTP(S)_PROXY (which
            // ureq would otherwise honour, even HTTP_PROXY for https) is
            // meant for the node's own traffic, not for the cluster API.
            .proxy(None)
            .build();
        let credentials = match access.credentials {
            Credentials::ClientCert { .. } => Credentials::None,
            other => other,
        };
        Ok(Client {
            agent: Agent::new_with_config(config),
            server: access.server,
            credentials,
            namespace: access.namespace,
        })
    }

    /// The namespace of the pod (in-cluster) or of the kubeconfig context.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The API server's base URL.
    pub fn server(&self) -> &str {
        &self.server
    }

    pub(crate) fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, KubeError> {
        let url = format!("{}{path}", self.server);
        let bearer = match &self.credentials {
            Credentials::Token(token) => Some(token.trim().to_owned()),
            Credentials::TokenFile(path) => Some(
                String::from_utf8_lossy(&super::access::read_file(path)?)
                    .trim()
                    .to_owned(),
            ),
            Credentials::None | Credentials::ClientCert { .. } => None,
        };
        let answer = match method {
            Method::Get => {
                let mut request = self.agent.get(&url).header("Accept", "application/json");
                if let Some(token) = &bearer {
                    request = request.header("Authorization", format!("Bearer {token}"));
                }
                request.call()
            }
            Method::Post | Method::Put => {
                let mut request = if method == Method::Post {
                    self.agent.post(&url)
                } else {
                    self.agent.put(&url)
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
        let mut response = answer.map_err(|error| self.transport_error(error))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|error| self.transport_error(error))?;
        Ok(Answer { status, body })
    }

    /// GET that must succeed, parsed as JSON.
    pub(crate) fn get_json(&self, path: &str) -> Result<Value, KubeError> {
        self.request(Method::Get, path, None)?
            .into_json(Method::Get, path)
    }

    fn transport_error(&self, error: ureq::Error) -> KubeError {
        let server = self.server.clone();
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
            other => KubeError::Transport {
                server,
                reason: other.to_string(),
            },
        }
    }
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

fn tls_config(access: &ClusterAccess) -> Result<TlsConfig, KubeError> {
    let mut builder = TlsConfig::builder();
    if access.insecure_skip_tls_verify {
        builder = builder.disable_verification(true);
    } else if let Some(ca) = &access.ca {
        let certs = certificates(&ca.read()?, &describe("cluster CA", ca))?;
        builder = builder.root_certs(RootCerts::new_with_certs(&certs));
    }
    // Without a CA in the kubeconfig (a server with a publicly trusted
    // certificate) the built-in Mozilla roots verify it, as kubectl would
    // use the system's.
    if let Credentials::ClientCert { cert, key } = &access.credentials {
        let chain = certificates(&cert.read()?, &describe("client certificate", cert))?;
        let what = describe("client key", key);
        let key = PrivateKey::from_pem(&key.read()?).map_err(|error| KubeError::Pem {
            what,
            reason: error.to_string(),
        })?;
        builder = builder.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
    }
    Ok(builder.build())
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
