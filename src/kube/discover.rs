//! Finding the API server: the pod's service account when running in a
//! cluster, else the kubeconfig files kubectl would read.

use std::path::{Path, PathBuf};

use super::access::{ClusterAccess, Credentials, PemSource, SERVICE_ACCOUNT_DIR, read_file};
use super::error::KubeError;
use super::kubeconfig::{self, KubeconfigFile};
use super::proxy;

/// Every environment variable [`cluster_access`] reads, so that a caller
/// can snapshot them without I/O.
pub const VARIABLES: [&str; 11] = [
    "KUBERNETES_SERVICE_HOST",
    "KUBERNETES_SERVICE_PORT",
    "KUBEVALI_SERVICEACCOUNT_DIR",
    "KUBECONFIG",
    "HOME",
    proxy::VARIABLES[0],
    proxy::VARIABLES[1],
    proxy::VARIABLES[2],
    proxy::VARIABLES[3],
    proxy::VARIABLES[4],
    proxy::VARIABLES[5],
];

/// A kubeconfig is a few KiB; this only stops a wrong path (a disk image)
/// from being read into memory.
const MAX_KUBECONFIG_BYTES: u64 = 4 << 20;

/// `KUBECONFIG` lists rarely hold more than a handful of files.
const MAX_KUBECONFIG_FILES: usize = 64;

/// In-cluster when `KUBERNETES_SERVICE_HOST` and `_PORT` are set (the
/// kubelet sets them in every pod), else every file of `$KUBECONFIG`
/// merged, else `~/.kube/config`. `env` reads a variable.
pub fn cluster_access(env: &dyn Fn(&str) -> Option<String>) -> Result<ClusterAccess, KubeError> {
    let set = |name: &str| env(name).filter(|value| !value.is_empty());
    if let (Some(host), Some(port)) = (
        set("KUBERNETES_SERVICE_HOST"),
        set("KUBERNETES_SERVICE_PORT"),
    ) {
        let dir = set("KUBEVALI_SERVICEACCOUNT_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(SERVICE_ACCOUNT_DIR));
        // No proxy: the service address is inside the cluster network,
        // and client-go's in-cluster config ignores the proxy environment
        // for it too.
        return in_cluster(&host, &port, &dir);
    }
    let files = match set("KUBECONFIG") {
        Some(list) => read_list(&list)?,
        None => {
            let Some(home) = set("HOME") else {
                return Err(KubeError::Config(
                    "not running in a cluster (KUBERNETES_SERVICE_HOST is unset) and no \
                     kubeconfig found (KUBECONFIG and HOME are unset)"
                        .into(),
                ));
            };
            let path = Path::new(&home).join(".kube").join("config");
            vec![read_kubeconfig(&path)?]
        }
    };
    let mut access = kubeconfig::parse_files(files)?;
    if access.proxy.is_none() {
        access.proxy = proxy::from_environment(&access.server, env);
    }
    Ok(access)
}

/// The files of a `KUBECONFIG` list. As kubectl does, names that do not
/// exist are skipped, but one that exists and cannot be read is an error.
fn read_list(list: &str) -> Result<Vec<KubeconfigFile>, KubeError> {
    let mut files = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for name in list.split(':').filter(|name| !name.is_empty()) {
        // kubectl reads a name listed twice once.
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        if seen.len() > MAX_KUBECONFIG_FILES {
            return Err(KubeError::Config(format!(
                "KUBECONFIG lists more than {MAX_KUBECONFIG_FILES} files"
            )));
        }
        let path = Path::new(name);
        if !path.exists() {
            continue;
        }
        files.push(read_kubeconfig(path)?);
    }
    if files.is_empty() {
        return Err(KubeError::Config(format!(
            "not running in a cluster (KUBERNETES_SERVICE_HOST is unset) and none of the \
             kubeconfig files in KUBECONFIG={list} exists"
        )));
    }
    Ok(files)
}

fn read_kubeconfig(path: &Path) -> Result<KubeconfigFile, KubeError> {
    let cannot = |reason: String| {
        KubeError::Config(format!(
            "not running in a cluster (KUBERNETES_SERVICE_HOST is unset) and cannot read \
             kubeconfig {}: {reason}",
            path.display()
        ))
    };
    let file = std::fs::File::open(path).map_err(|error| cannot(error.to_string()))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_KUBECONFIG_BYTES + 1),
        &mut bytes,
    )
    .map_err(|error| cannot(error.to_string()))?;
    if bytes.len() as u64 > MAX_KUBECONFIG_BYTES {
        return Err(cannot(format!(
            "larger than {} MiB",
            MAX_KUBECONFIG_BYTES >> 20
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| cannot("not UTF-8 text".into()))?;
    Ok(KubeconfigFile {
        path: path.to_owned(),
        text,
    })
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
        tls_server_name: None,
        proxy: None,
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
    fn no_cluster_and_no_home_is_a_config_error() {
        let error = cluster_access(&|_| None).unwrap_err();
        assert!(matches!(error, KubeError::Config(_)), "{error}");
    }

    #[test]
    fn a_list_of_missing_files_says_so() {
        let error = cluster_access(&|name| {
            (name == "KUBECONFIG").then(|| "/nonexistent/a:/nonexistent/b".to_owned())
        })
        .unwrap_err()
        .to_string();
        assert!(error.contains("none of the kubeconfig files"), "{error}");
    }
}
