//! The part of a kubeconfig file kubevali uses: the current context's
//! cluster, user and namespace. Pure: file contents in, `ClusterAccess` out
//! (files it names are only read when the client is built).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::KubeError;
use super::access::{ClusterAccess, Credentials, PemSource};

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
    exec: Option<serde_yaml::Value>,
    auth_provider: Option<serde_yaml::Value>,
    username: Option<String>,
}

/// Reads the current context out of kubeconfig `text`; relative file paths
/// in it are relative to `base` (the kubeconfig's directory), as kubectl has it.
pub fn parse(text: &str, base: &Path) -> Result<ClusterAccess, KubeError> {
    let config: KubeConfig = serde_yaml::from_str(text)
        .map_err(|error| KubeError::Config(format!("not a valid kubeconfig: {error}")))?;
    let context_name = config
        .current_context
        .filter(|name| !name.is_empty())
        .ok_or_else(|| KubeError::Config("no current-context is set".into()))?;
    let context = config
        .contexts
        .unwrap_or_default()
        .into_iter()
        .find(|named| named.name == context_name)
        .ok_or_else(|| KubeError::Config(format!("context {context_name:?} is not defined")))?
        .context;
    let cluster = config
        .clusters
        .unwrap_or_default()
        .into_iter()
        .find(|named| named.name == context.cluster)
        .ok_or_else(|| {
            KubeError::Config(format!(
                "cluster {:?} (of context {context_name:?}) is not defined",
                context.cluster
            ))
        })?
        .cluster;
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
        (None, Some(path)) => Some(PemSource::File(resolve(base, &path))),
        (None, None) => None,
    };

    let credentials = match context.user.filter(|name| !name.is_empty()) {
        None => Credentials::None,
        Some(user_name) => {
            let user = config
                .users
                .unwrap_or_default()
                .into_iter()
                .find(|named| named.name == user_name)
                .ok_or_else(|| {
                    KubeError::Config(format!(
                        "user {user_name:?} (of context {context_name:?}) is not defined"
                    ))
                })?
                .user;
            match user {
                Some(user) => credentials(&user_name, user, base)?,
                None => Credentials::None,
            }
        }
    };

    Ok(ClusterAccess {
        server: server.trim_end_matches('/').to_owned(),
        ca,
        insecure_skip_tls_verify: cluster.insecure_skip_tls_verify,
        credentials,
        namespace: context
            .namespace
            .filter(|namespace| !namespace.is_empty())
            .unwrap_or_else(|| "default".to_owned()),
    })
}

fn credentials(name: &str, user: User, base: &Path) -> Result<Credentials, KubeError> {
    let unsupported = |mechanism| KubeError::UnsupportedAuth {
        user: name.to_owned(),
        mechanism,
    };
    if user.exec.is_some() {
        return Err(unsupported("an exec plugin"));
    }
    if user.auth_provider.is_some() {
        return Err(unsupported("an auth-provider plugin"));
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
        (None, None) if user.username.is_some() => Err(unsupported("a username and password")),
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
    fn plugins_are_reported_as_unsupported() {
        for (user, mechanism) in [
            ("{exec: {command: aws}}", "an exec plugin"),
            ("{auth-provider: {name: gcp}}", "an auth-provider plugin"),
            ("{username: a, password: b}", "a username and password"),
        ] {
            let text = format!(
                "current-context: c\nclusters: [{{name: k, cluster: {{server: 'https://k'}}}}]\n\
                 contexts: [{{name: c, context: {{cluster: k, user: eks}}}}]\n\
                 users: [{{name: eks, user: {user}}}]\n"
            );
            let error = parse(&text, Path::new(BASE)).unwrap_err();
            assert_eq!(
                error,
                KubeError::UnsupportedAuth {
                    user: "eks".into(),
                    mechanism
                }
            );
            assert!(error.to_string().contains("does not support"));
        }
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
