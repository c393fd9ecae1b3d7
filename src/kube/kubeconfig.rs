//! The part of a kubeconfig kubevali uses: the current context's cluster,
//! user and namespace, from one file or several merged the way kubectl
//! merges `KUBECONFIG=a:b`. Pure: file contents in, `ClusterAccess` out
//! (files it names are only read when the client is built).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::access::{ClusterAccess, Credentials, PemSource};
use super::error::KubeError;
use super::exec::RawExec;

/// One kubeconfig file as read from disk.
pub struct KubeconfigFile {
    pub path: PathBuf,
    pub text: String,
}

#[derive(Deserialize)]
struct KubeConfig {
    #[serde(rename = "current-context", default)]
    current_context: Option<String>,
    #[serde(default)]
    clusters: Option<Vec<NamedCluster>>,
    #[serde(default)]
    contexts: Option<Vec<NamedContext>>,
    #[serde(default)]
    users: Option<Vec<NamedUser>>,
}

#[derive(Deserialize)]
struct NamedCluster {
    name: String,
    cluster: Cluster,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Cluster {
    server: Option<String>,
    certificate_authority: Option<String>,
    certificate_authority_data: Option<String>,
    #[serde(default)]
    insecure_skip_tls_verify: bool,
    tls_server_name: Option<String>,
    proxy_url: Option<String>,
}

#[derive(Deserialize)]
struct NamedContext {
    name: String,
    context: Context,
}

#[derive(Deserialize)]
struct Context {
    cluster: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
}

#[derive(Deserialize)]
struct NamedUser {
    name: String,
    // `users: [{name: x, user: null}]` is legal and means "no credentials".
    #[serde(default)]
    user: Option<User>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct User {
    token: Option<String>,
    #[serde(rename = "tokenFile")]
    token_file: Option<String>,
    client_certificate: Option<String>,
    client_certificate_data: Option<String>,
    client_key: Option<String>,
    client_key_data: Option<String>,
    exec: Option<RawExec>,
    auth_provider: Option<serde_yaml::Value>,
    username: Option<String>,
}

/// An entry together with the directory its relative paths start from.
struct Located<T> {
    item: T,
    base: PathBuf,
}

/// The files merged by kubectl's rules: the first file that sets
/// `current-context` or defines a cluster, context or user name wins.
/// (Within one file a later entry of the same name replaces an earlier
/// one, as client-go's loader has it.)
#[derive(Default)]
struct Merged {
    current_context: Option<String>,
    clusters: HashMap<String, Located<Cluster>>,
    contexts: HashMap<String, Context>,
    users: HashMap<String, Located<Option<User>>>,
}

impl Merged {
    fn add(&mut self, config: KubeConfig, base: &Path) {
        if self.current_context.is_none() {
            self.current_context = config.current_context.filter(|name| !name.is_empty());
        }
        let mut clusters = HashMap::new();
        for named in config.clusters.unwrap_or_default() {
            let located = Located {
                item: named.cluster,
                base: base.to_owned(),
            };
            clusters.insert(named.name, located);
        }
        for (name, cluster) in clusters {
            self.clusters.entry(name).or_insert(cluster);
        }
        let mut contexts = HashMap::new();
        for named in config.contexts.unwrap_or_default() {
            contexts.insert(named.name, named.context);
        }
        for (name, context) in contexts {
            self.contexts.entry(name).or_insert(context);
        }
        let mut users = HashMap::new();
        for named in config.users.unwrap_or_default() {
            let located = Located {
                item: named.user,
                base: base.to_owned(),
            };
            users.insert(named.name, located);
        }
        for (name, user) in users {
            self.users.entry(name).or_insert(user);
        }
    }
}

/// Reads the current context out of the merged `files`. Relative file
/// paths in an entry are relative to the directory of the file that
/// defined it, as kubectl has it.
pub fn parse_files(files: Vec<KubeconfigFile>) -> Result<ClusterAccess, KubeError> {
    let names = files
        .iter()
        .map(|file| file.path.display().to_string())
        .collect::<Vec<_>>()
        .join(":");
    let mut merged = Merged::default();
    for file in files {
        let config: KubeConfig = serde_yaml::from_str(&file.text).map_err(|error| {
            KubeError::Config(format!(
                "kubeconfig {}: not a valid kubeconfig: {error}",
                file.path.display()
            ))
        })?;
        let base = file.path.parent().unwrap_or(Path::new("."));
        merged.add(config, base);
    }
    resolve_context(merged).map_err(|error| match error {
        KubeError::Config(message) => KubeError::Config(format!("kubeconfig {names}: {message}")),
        other => other,
    })
}

fn resolve_context(mut merged: Merged) -> Result<ClusterAccess, KubeError> {
    let context_name = merged
        .current_context
        .take()
        .ok_or_else(|| KubeError::Config("no current-context is set".into()))?;
    let context = merged
        .contexts
        .remove(&context_name)
        .ok_or_else(|| KubeError::Config(format!("context {context_name:?} is not defined")))?;
    let Located {
        item: cluster,
        base: cluster_base,
    } = merged.clusters.remove(&context.cluster).ok_or_else(|| {
        KubeError::Config(format!(
            "cluster {:?} (of context {context_name:?}) is not defined",
            context.cluster
        ))
    })?;
    let server = cluster
        .server
        .filter(|server| !server.is_empty())
        .ok_or_else(|| KubeError::Config(format!("cluster {:?} has no server", context.cluster)))?;

    let ca = match (
        cluster.certificate_authority_data,
        cluster.certificate_authority,
    ) {
        (Some(data), _) => Some(PemSource::Inline(decode_data(
            &data,
            "certificate-authority-data",
        )?)),
        (None, Some(path)) => Some(PemSource::File(resolve(&cluster_base, &path))),
        (None, None) => None,
    };

    let credentials = match context.user.filter(|name| !name.is_empty()) {
        None => Credentials::None,
        Some(user_name) => {
            let Located { item: user, base } =
                merged.users.remove(&user_name).ok_or_else(|| {
                    KubeError::Config(format!(
                        "user {user_name:?} (of context {context_name:?}) is not defined"
                    ))
                })?;
            match user {
                Some(user) => credentials(&user_name, user, &base)?,
                None => Credentials::None,
            }
        }
    };

    Ok(ClusterAccess {
        server: server.trim_end_matches('/').to_owned(),
        ca,
        insecure_skip_tls_verify: cluster.insecure_skip_tls_verify,
        tls_server_name: cluster.tls_server_name.filter(|name| !name.is_empty()),
        proxy: cluster.proxy_url.filter(|url| !url.is_empty()),
        credentials,
        namespace: context
            .namespace
            .filter(|namespace| !namespace.is_empty())
            .unwrap_or_else(|| "default".to_owned()),
    })
}

/// The exec plugin that took over from each in-tree auth provider when
/// kubectl dropped them (Kubernetes 1.26).
fn auth_provider_successor(name: &str) -> &'static str {
    match name {
        "gcp" => {
            "the exec plugin gke-gcloud-auth-plugin (gcloud components install \
             gke-gcloud-auth-plugin; then gcloud container clusters get-credentials)"
        }
        "azure" => "the exec plugin kubelogin (kubelogin convert-kubeconfig)",
        "oidc" => "the exec plugin kubelogin (kubectl oidc-login, github.com/int128/kubelogin)",
        _ => "an exec credential plugin",
    }
}

fn credentials(name: &str, user: User, base: &Path) -> Result<Credentials, KubeError> {
    if let Some(exec) = user.exec {
        return Ok(Credentials::Exec(exec.validate(name, base)?));
    }
    if let Some(provider) = user.auth_provider {
        let provider = provider
            .get("name")
            .and_then(serde_yaml::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let successor = auth_provider_successor(&provider);
        return Err(KubeError::UnsupportedAuth {
            user: name.to_owned(),
            mechanism: format!("the auth-provider {provider:?}"),
            instead: format!(
                "auth-provider plugins were removed from kubectl too; use {successor} instead, \
                 which kubevali runs"
            ),
        });
    }
    if let Some(token) = user.token.filter(|token| !token.is_empty()) {
        return Ok(Credentials::Token(token));
    }
    if let Some(path) = user.token_file.filter(|path| !path.is_empty()) {
        return Ok(Credentials::TokenFile(resolve(base, &path)));
    }
    let cert = match (user.client_certificate_data, user.client_certificate) {
        (Some(data), _) => Some(PemSource::Inline(decode_data(
            &data,
            "client-certificate-data",
        )?)),
        (None, Some(path)) => Some(PemSource::File(resolve(base, &path))),
        (None, None) => None,
    };
    let key = match (user.client_key_data, user.client_key) {
        (Some(data), _) => Some(PemSource::Inline(decode_data(&data, "client-key-data")?)),
        (None, Some(path)) => Some(PemSource::File(resolve(base, &path))),
        (None, None) => None,
    };
    match (cert, key) {
        (Some(cert), Some(key)) => Ok(Credentials::ClientCert { cert, key }),
        (Some(_), None) | (None, Some(_)) => Err(KubeError::Config(format!(
            "user {name:?} needs both a client certificate and a client key"
        ))),
        (None, None) if user.username.is_some() => Err(KubeError::UnsupportedAuth {
            user: name.to_owned(),
            mechanism: "a username and password".into(),
            instead: "use a token, tokenFile, client certificate or exec plugin instead".into(),
        }),
        (None, None) => Ok(Credentials::None),
    }
}

fn resolve(base: &Path, path: &str) -> PathBuf {
    base.join(path)
}

fn decode_data(data: &str, field: &str) -> Result<Vec<u8>, KubeError> {
    crate::base64::decode(data.as_bytes()).map_err(|at| {
        KubeError::Config(format!(
            "{field} is not valid base64 (bad input at byte {at})"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "/home/op/.kube";

    /// One file named `config` in `base`.
    fn parse(text: &str, base: &Path) -> Result<ClusterAccess, KubeError> {
        parse_files(vec![KubeconfigFile {
            path: base.join("config"),
            text: text.to_owned(),
        }])
    }

    fn parse_ok(text: &str) -> ClusterAccess {
        parse(text, Path::new(BASE)).unwrap_or_else(|error| panic!("{error}"))
    }

    const FULL: &str = r#"
apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: other
  cluster: {server: "https://other:6443"}
- name: main
  cluster:
    server: https://10.0.0.1:6443/
    certificate-authority-data: Q0EtUEVN
contexts:
- name: dev
  context: {cluster: other, user: nobody}
- name: prod
  context: {cluster: main, user: admin, namespace: chain}
users:
- name: admin
  user:
    token: abc.def
"#;

    #[test]
    fn current_context_picks_cluster_user_and_namespace() {
        let access = parse_ok(FULL);
        assert_eq!(access.server, "https://10.0.0.1:6443");
        assert_eq!(access.ca, Some(PemSource::Inline(b"CA-PEM".to_vec())));
        assert!(!access.insecure_skip_tls_verify);
        assert_eq!(access.credentials, Credentials::Token("abc.def".into()));
        assert_eq!(access.namespace, "chain");
    }

    #[test]
    fn files_resolve_against_the_kubeconfig_directory() {
        let access = parse_ok(
            r#"
current-context: c
clusters: [{name: k, cluster: {server: "https://k:6443", certificate-authority: ca.crt}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {client-certificate: /abs/client.crt, client-key: keys/client.key}}]
"#,
        );
        assert_eq!(
            access.ca,
            Some(PemSource::File("/home/op/.kube/ca.crt".into()))
        );
        assert_eq!(
            access.credentials,
            Credentials::ClientCert {
                cert: PemSource::File("/abs/client.crt".into()),
                key: PemSource::File("/home/op/.kube/keys/client.key".into()),
            }
        );
        assert_eq!(access.namespace, "default");
    }

    #[test]
    fn token_file_and_insecure_flag() {
        let access = parse_ok(
            r#"
current-context: c
clusters: [{name: k, cluster: {server: "https://k", insecure-skip-tls-verify: true}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {tokenFile: tok}}]
"#,
        );
        assert!(access.insecure_skip_tls_verify);
        assert_eq!(access.ca, None);
        assert_eq!(
            access.credentials,
            Credentials::TokenFile("/home/op/.kube/tok".into())
        );
    }

    #[test]
    fn auth_providers_name_the_exec_plugin_that_replaced_them() {
        for (user, expected) in [
            ("{auth-provider: {name: gcp}}", "gke-gcloud-auth-plugin"),
            ("{auth-provider: {name: azure}}", "kubelogin"),
            ("{auth-provider: {name: oidc, config: {}}}", "kubelogin"),
            (
                "{auth-provider: {name: custom}}",
                "an exec credential plugin",
            ),
            ("{username: a, password: b}", "a username and password"),
        ] {
            let text = format!(
                "current-context: c\nclusters: [{{name: k, cluster: {{server: 'https://k'}}}}]\n\
                 contexts: [{{name: c, context: {{cluster: k, user: eks}}}}]\n\
                 users: [{{name: eks, user: {user}}}]\n"
            );
            let error = parse(&text, Path::new(BASE)).unwrap_err();
            assert!(
                matches!(&error, KubeError::UnsupportedAuth { user, .. } if user == "eks"),
                "{error:?}"
            );
            let text = error.to_string();
            assert!(text.contains("does not support"), "{text}");
            assert!(text.contains(expected), "{text}");
        }
    }

    #[test]
    fn exec_users_become_exec_credentials() {
        let access = parse_ok(
            "current-context: c\nclusters: [{name: k, cluster: {server: 'https://k', \
             tls-server-name: api.internal, proxy-url: 'http://proxy:3128'}}]\n\
             contexts: [{name: c, context: {cluster: k, user: eks}}]\n\
             users: [{name: eks, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, \
             command: ./plugin, args: [token]}}}]\n",
        );
        let Credentials::Exec(exec) = &access.credentials else {
            panic!("{:?}", access.credentials);
        };
        assert_eq!(exec.command, "/home/op/.kube/./plugin");
        assert_eq!(exec.args, ["token"]);
        assert_eq!(access.tls_server_name.as_deref(), Some("api.internal"));
        assert_eq!(access.proxy.as_deref(), Some("http://proxy:3128"));
    }

    #[test]
    fn several_files_merge_first_one_wins() {
        let first = KubeconfigFile {
            path: PathBuf::from("/a/config"),
            text: "current-context: one\n\
                   clusters: [{name: k, cluster: {server: 'https://first', certificate-authority: ca.crt}}]\n\
                   contexts: [{name: one, context: {cluster: k, user: u, namespace: a}}, \
                              {name: one, context: {cluster: k, user: u, namespace: a2}}]\n"
                .into(),
        };
        let second = KubeconfigFile {
            path: PathBuf::from("/b/config"),
            text: "current-context: two\n\
                   clusters: [{name: k, cluster: {server: 'https://second'}}]\n\
                   contexts: [{name: one, context: {cluster: k, namespace: b}}]\n\
                   users: [{name: u, user: {tokenFile: tok}}]\n"
                .into(),
        };
        let access = parse_files(vec![first, second]).unwrap();
        assert_eq!(access.server, "https://first");
        assert_eq!(access.namespace, "a2", "a later entry in one file replaces");
        assert_eq!(access.ca, Some(PemSource::File("/a/ca.crt".into())));
        assert_eq!(
            access.credentials,
            Credentials::TokenFile("/b/tok".into()),
            "a user from the second file, its path relative to that file"
        );

        let error = parse_files(vec![
            KubeconfigFile {
                path: PathBuf::from("/a/config"),
                text: "current-context: x".into(),
            },
            KubeconfigFile {
                path: PathBuf::from("/b/config"),
                text: "{}".into(),
            },
        ])
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Kubernetes access: kubeconfig /a/config:/b/config: context \"x\" is not defined"
        );
    }

    #[test]
    fn broken_configs_say_what_is_missing() {
        let cases = [
            ("clusters: []", "no current-context"),
            ("current-context: x", "context \"x\" is not defined"),
            (
                "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]",
                "cluster \"k\" (of context \"c\") is not defined",
            ),
            (
                "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n\
                 clusters: [{name: k, cluster: {}}]",
                "has no server",
            ),
            (
                "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n\
                 clusters: [{name: k, cluster: {server: 'https://k'}}]",
                "user \"u\" (of context \"c\") is not defined",
            ),
            (
                "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n\
                 clusters: [{name: k, cluster: {server: 'https://k', certificate-authority-data: '!!'}}]",
                "certificate-authority-data is not valid base64",
            ),
            (
                "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n\
                 clusters: [{name: k, cluster: {server: 'https://k'}}]\n\
                 users: [{name: u, user: {client-certificate: a.crt}}]",
                "both a client certificate and a client key",
            ),
            ("[1, 2", "not a valid kubeconfig"),
        ];
        for (text, expected) in cases {
            let error = parse(text, Path::new(BASE)).unwrap_err().to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }

    #[test]
    fn user_without_credentials_is_anonymous() {
        let access = parse_ok(
            "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n\
             clusters: [{name: k, cluster: {server: 'http://127.0.0.1:8001'}}]\n\
             users: [{name: u, user: null}]",
        );
        assert_eq!(access.credentials, Credentials::None);
    }
}
