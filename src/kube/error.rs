//! The one error type of the Kubernetes client, worded for an operator who
//! reads it in a pod's log.

use std::fmt;
use std::path::PathBuf;

/// Where an operator finds the permissions kubevali needs; quoted in every
/// 401/403 error so the fix is one look away.
const RBAC_HINT: &str = "the RBAC rules in deploy/ grant exactly what kubevali needs: \
pods get, services get/create/update in the pod's namespace; nodes get/list cluster-wide";

/// Everything that can go wrong between reading the cluster configuration
/// and the last API answer. `Clone` because lazily computed results are
/// cached and every template call that hits a failure reports it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubeError {
    /// No usable cluster configuration (in-cluster or kubeconfig).
    Config(String),
    /// The kubeconfig user authenticates in a way kubevali does not
    /// implement; `instead` says what to use.
    UnsupportedAuth {
        user: String,
        mechanism: String,
        instead: String,
    },
    /// The user's exec credential plugin is misconfigured, missing,
    /// failed, or printed no usable credential.
    Exec { user: String, reason: String },
    /// A file named by the configuration could not be read.
    ReadFile { path: PathBuf, reason: String },
    /// A certificate or key is not usable PEM.
    Pem { what: String, reason: String },
    /// The TLS handshake failed: the server certificate did not verify
    /// against the cluster CA, or the server rejected ours.
    Tls { server: String, reason: String },
    /// The request never got an HTTP answer: refused, unresolvable,
    /// timed out, or cut off.
    Transport { server: String, reason: String },
    /// The API answered with an error status; `message` is the Kubernetes
    /// `Status` message when the body carried one.
    Api {
        method: &'static str,
        path: String,
        status: u16,
        message: String,
    },
    /// The API answered 2xx with a body we cannot use.
    Response {
        method: &'static str,
        path: String,
        reason: String,
    },
    /// `$HOSTNAME` (the pod's name) is not set.
    NoPodName,
    /// The pod has no `spec.nodeName` yet.
    PodNotScheduled { pod: String },
    /// No node in the cluster has an ExternalIP address.
    NoExternalIp,
    /// The node this pod runs on has no ExternalIP address.
    NodeWithoutExternalIp { node: String },
    /// Every attempt to write the Service met a newer version of it.
    Conflict { service: String, attempts: u32 },
}

impl fmt::Display for KubeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KubeError::Config(message) => write!(f, "Kubernetes access: {message}"),
            KubeError::UnsupportedAuth {
                user,
                mechanism,
                instead,
            } => write!(
                f,
                "kubeconfig user {user:?} authenticates with {mechanism}, which kubevali does not \
                 support; {instead}"
            ),
            KubeError::Exec { user, reason } => {
                write!(
                    f,
                    "exec credential plugin of kubeconfig user {user:?}: {reason}"
                )
            }
            KubeError::ReadFile { path, reason } => {
                write!(f, "cannot read {}: {reason}", path.display())
            }
            KubeError::Pem { what, reason } => write!(f, "{what}: {reason}"),
            KubeError::Tls { server, reason } => write!(
                f,
                "TLS/certificate verification problem with the Kubernetes API at {server}: \
                 {reason} (check the cluster CA certificate and, if one is used, the client \
                 certificate)"
            ),
            KubeError::Transport { server, reason } => {
                write!(f, "cannot reach the Kubernetes API at {server}: {reason}")
            }
            KubeError::Api {
                method,
                path,
                status,
                message,
            } => {
                write!(f, "{method} {path}: HTTP {status}")?;
                if let Some(reason) = reason_phrase(*status) {
                    write!(f, " {reason}")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                match status {
                    401 => write!(
                        f,
                        " (hint: the credentials were rejected; check the service account token \
                         or kubeconfig user; {RBAC_HINT})"
                    ),
                    403 => write!(
                        f,
                        " (hint: the service account lacks a permission; {RBAC_HINT})"
                    ),
                    _ => Ok(()),
                }
            }
            KubeError::Response {
                method,
                path,
                reason,
            } => write!(f, "{method} {path}: unexpected answer: {reason}"),
            KubeError::NoPodName => f.write_str(
                "the pod's name is unknown: $HOSTNAME is not set (it names the pod in Kubernetes)",
            ),
            KubeError::PodNotScheduled { pod } => {
                write!(
                    f,
                    "pod {pod:?} is not scheduled on a node yet (no spec.nodeName)"
                )
            }
            KubeError::NoExternalIp => {
                f.write_str("no node in the cluster has an ExternalIP address")
            }
            KubeError::NodeWithoutExternalIp { node } => {
                write!(
                    f,
                    "node {node:?}, where this pod runs, has no ExternalIP address"
                )
            }
            KubeError::Conflict { service, attempts } => write!(
                f,
                "Service {service:?} kept changing while we wrote it (HTTP 409 Conflict on \
                 {attempts} attempts)"
            ),
        }
    }
}

impl std::error::Error for KubeError {}

fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, message: &str) -> KubeError {
        KubeError::Api {
            method: "GET",
            path: "/api/v1/nodes".into(),
            status,
            message: message.into(),
        }
    }

    #[test]
    fn forbidden_quotes_status_message_and_rbac_hint() {
        let text = api(403, "nodes is forbidden: cannot list").to_string();
        assert!(text.starts_with(
            "GET /api/v1/nodes: HTTP 403 Forbidden: nodes is forbidden: cannot list (hint:"
        ));
        assert!(text.contains("deploy/"));
        assert!(text.contains("nodes get/list"));
    }

    #[test]
    fn unauthorized_has_hint_but_other_statuses_do_not() {
        assert!(api(401, "Unauthorized").to_string().contains("hint"));
        assert_eq!(
            api(500, "boom").to_string(),
            "GET /api/v1/nodes: HTTP 500 Internal Server Error: boom"
        );
        assert_eq!(api(599, "").to_string(), "GET /api/v1/nodes: HTTP 599");
    }

    #[test]
    fn tls_error_says_what_kind_of_problem_it_is() {
        let text = KubeError::Tls {
            server: "https://10.0.0.1:443".into(),
            reason: "invalid peer certificate: UnknownIssuer".into(),
        }
        .to_string();
        assert!(text.contains("TLS/certificate verification problem"));
        assert!(text.contains("https://10.0.0.1:443"));
    }
}
