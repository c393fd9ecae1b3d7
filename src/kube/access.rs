//! Where the API is and how to prove who we are: from the pod's service
//! account when running in a cluster, else from a kubeconfig file.

use std::fmt;
use std::path::{Path, PathBuf};

use super::KubeError;
use super::kubeconfig;

/// Where the service account's token, CA and namespace are mounted.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// PEM bytes, given inline (kubeconfig `*-data`) or as a file to read.
#[derive(Clone, PartialEq, Eq)]
pub enum PemSource {
    Inline(Vec<u8>),
    File(PathBuf),
}

impl PemSource {
    pub(crate) fn read(&self) -> Result<Vec<u8>, KubeError> {
        match self {
            PemSource::Inline(pem) => Ok(pem.clone()),
            PemSource::File(path) => read_file(path),
        }
    }
}

impl fmt::Debug for PemSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Inline data may be a private key: never print it.
        match self {
            PemSource::Inline(pem) => write!(f, "Inline({} bytes)", pem.len()),
            PemSource::File(path) => write!(f, "File({})", path.display()),
        }
    }
}

/// How requests authenticate.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    None,
    Token(String),
    /// Read before every request: projected service-account tokens rotate.
    TokenFile(PathBuf),
    ClientCert {
        cert: PemSource,
        key: PemSource,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token is a secret; Debug output can end up in logs.
        match self {
            Credentials::None => f.write_str("None"),
            Credentials::Token(_) => f.write_str("Token(<redacted>)"),
            Credentials::TokenFile(path) => write!(f, "TokenFile({})", path.display()),
            Credentials::ClientCert { cert, key } => f
                .debug_struct("ClientCert")
                .field("cert", cert)
                .field("key", key)
                .finish(),
        }
    }
}

/// Everything needed to talk to one API server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterAccess {
    /// Base URL without a trailing slash, e.g. `https://10.96.0.1:443`.
    pub server: String,
    /// The only root the server certificate is verified against; `None`
    /// with verification on means "no CA configured", which is an error for
    /// https servers.
    pub ca: Option<PemSource>,
    /// Only ever set by an explicit `insecure-skip-tls-verify: true`.
    pub insecure_skip_tls_verify: bool,
    pub credentials: Credentials,
    pub namespace: String,
}

impl ClusterAccess {
    /// In-cluster when `KUBERNETES_SERVICE_HOST` and `_PORT` are set (the
    /// kubelet sets them in every pod), else the first file of
    /// `$KUBECONFIG`, else `~/.kube/config`. `env` reads a variable.
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<ClusterAccess, KubeError> {
        let set = |name: &str| env(name).filter(|value| !value.is_empty());
        if let (Some(host), Some(port)) = (
            set("KUBERNETES_SERVICE_HOST"),
            set("KUBERNETES_SERVICE_PORT"),
        ) {
            let dir = set("KUBEVALI_SERVICEACCOUNT_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(SERVICE_ACCOUNT_DIR));
            return in_cluster(&host, &port, &dir);
        }
        let path = match set("KUBECONFIG")
            .and_then(|list| list.split(':').find(|p| !p.is_empty()).map(PathBuf::from))
        {
            Some(path) => path,
            None => match set("HOME") {
                Some(home) => Path::new(&home).join(".kube").join("config"),
                None => {
                    return Err(KubeError::Config(
                        "not running in a cluster (KUBERNETES_SERVICE_HOST is unset) and no \
                         kubeconfig found (KUBECONFIG and HOME are unset)"
                            .into(),
                    ));
                }
            },
        };
        let text = std::fs::read_to_string(&path).map_err(|error| {
            KubeError::Config(format!(
                "not running in a cluster (KUBERNETES_SERVICE_HOST is unset) and cannot read \
                 kubeconfig {}: {error}",
                path.display()
            ))
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        kubeconfig::parse(&text, base).map_err(|error| match error {
            KubeError::Config(message) => {
                KubeError::Config(format!("kubeconfig {}: {message}", path.display()))
            }
            other => other,
        })
    }
}

fn in_cluster(host: &str, port: &str, dir: &Path) -> Result<ClusterAccess, KubeError> {
    let namespace = String::from_utf8_lossy(&read_file(&dir.join("namespace"))?)
        .trim()
        .to_owned();
    if namespace.is_empty() {
        return Err(KubeError::Config(format!(
            "{} is empty",
            dir.join("namespace").display()
        )));
    }
    Ok(ClusterAccess {
        server: format!("https://{}:{port}", bracket_ipv6(host)),
        ca: Some(PemSource::File(dir.join("ca.crt"))),
        insecure_skip_tls_verify: false,
        credentials: Credentials::TokenFile(dir.join("token")),
        namespace,
    })
}

/// An IPv6 literal needs brackets before a port can follow it.
fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, KubeError> {
    std::fs::read(path).map_err(|error| KubeError::ReadFile {
        path: path.to_owned(),
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_hosts_get_brackets_once() {
        assert_eq!(bracket_ipv6("10.96.0.1"), "10.96.0.1");
        assert_eq!(bracket_ipv6("fd00::1"), "[fd00::1]");
        assert_eq!(bracket_ipv6("[fd00::1]"), "[fd00::1]");
        assert_eq!(
            bracket_ipv6("kubernetes.default.svc"),
            "kubernetes.default.svc"
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let text = format!(
            "{:?} {:?}",
            Credentials::Token("s3cret-token".into()),
            PemSource::Inline(b"-----BEGIN PRIVATE KEY-----".to_vec())
        );
        assert!(!text.contains("s3cret"));
        assert!(!text.contains("PRIVATE"));
    }

    #[test]
    fn no_cluster_and_no_home_is_a_config_error() {
        let error = ClusterAccess::from_lookup(&|_| None).unwrap_err();
        assert!(matches!(error, KubeError::Config(_)), "{error}");
    }
}
