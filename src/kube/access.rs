//! What it takes to talk to one API server: the address, how to trust it,
//! how to prove who we are, and the route there. Plain data, filled in by
//! `discover` (in-cluster) or `kubeconfig`, used by `client`.

use std::fmt;
use std::path::{Path, PathBuf};

use super::error::KubeError;
use super::exec::ExecConfig;

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
#[derive(Clone, PartialEq, Eq, Default)]
pub enum Credentials {
    #[default]
    None,
    Token(String),
    /// Read before every request: projected service-account tokens rotate.
    TokenFile(PathBuf),
    ClientCert {
        cert: PemSource,
        key: PemSource,
    },
    /// A credential plugin (`users[].user.exec`) that prints a token or a
    /// client certificate when run.
    Exec(ExecConfig),
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
            Credentials::Exec(exec) => f.debug_tuple("Exec").field(exec).finish(),
        }
    }
}

/// Everything needed to talk to one API server.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterAccess {
    /// Base URL without a trailing slash, e.g. `https://10.96.0.1:443`.
    pub server: String,
    /// The only root the server certificate is verified against; `None`
    /// with verification on means the built-in public roots.
    pub ca: Option<PemSource>,
    /// Only ever set by an explicit `insecure-skip-tls-verify: true`.
    pub insecure_skip_tls_verify: bool,
    /// The name the server certificate must carry (and the SNI sent) when
    /// it is not the host of `server` (kubeconfig `tls-server-name`).
    pub tls_server_name: Option<String>,
    /// The HTTP(S) proxy to reach the server through, already decided:
    /// kubeconfig `proxy-url`, else the proxy environment after `NO_PROXY`.
    pub proxy: Option<String>,
    pub credentials: Credentials,
    pub namespace: String,
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
    fn debug_never_shows_secrets() {
        let text = format!(
            "{:?} {:?}",
            Credentials::Token("s3cret-token".into()),
            PemSource::Inline(b"-----BEGIN PRIVATE KEY-----".to_vec())
        );
        assert!(!text.contains("s3cret"));
        assert!(!text.contains("PRIVATE"));
    }
}
