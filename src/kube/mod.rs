//! Kubernetes API access: node addresses for the template functions and
//! the per-pod NodePort Service.
//!
//! A small synchronous client (ureq + serde_json) makes only the calls
//! listed in deploy/'s RBAC rules: get pods and get/create/update services
//! in the pod's namespace, get/list nodes. Configuration comes from the
//! pod's service account or kubeconfig files (with exec credential
//! plugins, proxies and `tls-server-name`); TLS is verified against the
//! cluster CA unless the kubeconfig explicitly turns verification off.
//!
//! Imports run one way (each also uses the leaf `error`):
//! - finding the server: `discover` → `kubeconfig`, `proxy`, `access`;
//!   `kubeconfig` → `access`, `exec`; `access` → `exec`;
//! - talking to it: `lazy` → `discover`, `client`, `nodes`;
//!   `service` → `nodes`, `client`; `nodes` → `client`;
//!   `client` → `access`, `exec`.

mod access;
mod client;
mod discover;
mod error;
mod exec;
mod kubeconfig;
mod lazy;
mod nodes;
mod proxy;
mod service;

pub use access::{ClusterAccess, Credentials, PemSource};
pub use client::Client;
pub use discover::cluster_access;
pub use error::KubeError;
pub use lazy::Lazy;
pub use service::{ServiceOutcome, ensure_node_service};
