//! The template functions' view of the cluster: nothing is read or asked
//! until a template calls one, and each answer is fetched once per render.

use std::sync::{Arc, OnceLock};

use super::client::Client;
use super::discover::{self, VARIABLES};
use super::error::KubeError;
use super::nodes;
use crate::template::NodeAddresses;

/// A lazily built [`Client`] plus the node answers of one render. Create
/// one per render so that a re-render sees the cluster as it is now.
pub struct Lazy {
    /// What the client is built from, captured without I/O; empty when
    /// the client was given.
    variables: Arc<Vec<(&'static str, String)>>,
    pod_name: Option<String>,
    /// Shared with the replicas made by [`Lazy::for_pod`].
    client: Arc<OnceLock<Result<Client, KubeError>>>,
    external_ips: Arc<OnceLock<Result<Vec<String>, KubeError>>>,
    pod_node_ip: OnceLock<Result<String, KubeError>>,
}

impl Lazy {
    /// Snapshots the process environment (the pod's name is `$HOSTNAME`);
    /// never fails, errors surface on first use.
    pub fn from_env() -> Lazy {
        Lazy::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Like [`Lazy::from_env`], with variables read through `env`.
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Lazy {
        let variables = VARIABLES
            .iter()
            .filter_map(|&name| env(name).map(|value| (name, value)))
            .collect();
        Lazy {
            variables: Arc::new(variables),
            pod_name: env("HOSTNAME").filter(|name| !name.is_empty()),
            client: Arc::default(),
            external_ips: Arc::default(),
            pod_node_ip: OnceLock::new(),
        }
    }

    /// Uses an existing client; `pod_name` backs `getPodNodeIP`.
    pub fn with_client(client: Client, pod_name: Option<String>) -> Lazy {
        Lazy {
            variables: Arc::default(),
            pod_name,
            client: Arc::new(OnceLock::from(Ok(client))),
            external_ips: Arc::default(),
            pod_node_ip: OnceLock::new(),
        }
    }

    /// The view of another pod of the same render (a replica under
    /// review): the client and the node list are shared, so they are
    /// built and fetched at most once for all of them; the pod's own
    /// node is looked up for it alone.
    pub fn for_pod(&self, pod_name: Option<String>) -> Lazy {
        Lazy {
            variables: Arc::clone(&self.variables),
            pod_name,
            client: Arc::clone(&self.client),
            external_ips: Arc::clone(&self.external_ips),
            pod_node_ip: OnceLock::new(),
        }
    }

    /// The client, built on first call (reading the kubeconfig or the
    /// service-account files); a failure is remembered and repeated.
    pub fn client(&self) -> Result<&Client, KubeError> {
        self.client
            .get_or_init(|| {
                let lookup = |name: &str| {
                    self.variables
                        .iter()
                        .find(|(key, _)| *key == name)
                        .map(|(_, value)| value.clone())
                };
                Client::new(discover::cluster_access(&lookup)?)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The pod's name, from `$HOSTNAME` or as given.
    pub fn pod_name(&self) -> Option<&str> {
        self.pod_name.as_deref()
    }

    /// ExternalIPs of all nodes in API list order, listed at most once.
    pub fn node_external_ips(&self) -> Result<&[String], KubeError> {
        self.external_ips
            .get_or_init(|| nodes::list_external_ips(self.client()?))
            .as_deref()
            .map_err(Clone::clone)
    }

    /// ExternalIP of the node this pod runs on, looked up at most once.
    pub fn this_node_ip(&self) -> Result<&str, KubeError> {
        self.pod_node_ip
            .get_or_init(|| {
                let pod = self.pod_name.as_deref().ok_or(KubeError::NoPodName)?;
                nodes::pod_node_ip(self.client()?, pod)
            })
            .as_deref()
            .map_err(Clone::clone)
    }
}

impl NodeAddresses for Lazy {
    fn external_ips(&self) -> Result<Vec<String>, String> {
        self.node_external_ips()
            .map(<[String]>::to_vec)
            .map_err(|error| error.to_string())
    }

    fn pod_node_ip(&self) -> Result<String, String> {
        self.this_node_ip()
            .map(str::to_owned)
            .map_err(|error| error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creating_one_reads_nothing_and_errors_repeat_on_use() {
        let lazy = Lazy::from_lookup(&|_| None);
        assert_eq!(lazy.pod_name(), None);
        let first = lazy.external_ips().unwrap_err();
        assert_eq!(lazy.external_ips().unwrap_err(), first);
        assert!(first.contains("not running in a cluster"), "{first}");
        assert_eq!(
            lazy.pod_node_ip().unwrap_err(),
            KubeError::NoPodName.to_string()
        );
    }
}
