//! Kubernetes API access: node addresses for the template functions and
//! the per-pod NodePort Service.
//!
//! A small synchronous client (ureq + serde_json) makes only the calls
//! listed in deploy/'s RBAC rules: get pods and get/create/update services
//! in the pod's namespace, get/list nodes. Configuration comes from the
//! pod's service account or a kubeconfig; TLS is verified against the
//! cluster CA unless the kubeconfig explicitly turns verification off.

mod access;
mod client;
mod error;
mod kubeconfig;
mod lazy;
mod nodes;
mod service;

pub use access::{ClusterAccess, Credentials, PemSource, SERVICE_ACCOUNT_DIR};
pub use client::Client;
pub use error::KubeError;
pub use lazy::Lazy;
pub use nodes::node_ip_at;
pub use service::{
    MANAGED_BY_LABEL, MANAGED_BY_VALUE, P2P_PORT, ServiceOutcome, ensure_node_service,
};

/// Percent-encodes a name for use as one URL path segment. Kubernetes
/// names never need it, but `$HOSTNAME` outside a cluster could be anything.
fn path_segment(name: &str) -> String {
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

#[cfg(test)]
mod tests {
    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(super::path_segment("darwinia-0"), "darwinia-0");
        assert_eq!(super::path_segment("a/b c"), "a%2Fb%20c");
    }
}
