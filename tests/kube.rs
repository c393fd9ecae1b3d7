//! The Kubernetes client against a fake API server on loopback HTTPS:
//! configuration sources, TLS, errors, node addresses and the NodePort
//! Service.

mod support;

use kubevali::kube::{
    self, Client, ClusterAccess, Credentials, KubeError, Lazy, PemSource, ServiceOutcome,
};
use kubevali::template::NodeAddresses;
use serde_json::{Value, json};
use support::Scratch;
use support::kube::{
    ConnectProxy, FakeApi, Pki, base64, exec_plugin, exec_runs, node, node_list, status_body,
};

const TOKEN: &str = "sa-token-1";
const NODES: &str = "/api/v1/nodes";
const POD: &str = "/api/v1/namespaces/chain/pods/darwinia-1";
const SERVICES: &str = "/api/v1/namespaces/chain/services";
const SERVICE: &str = "/api/v1/namespaces/chain/services/darwinia-1";

/// A client that trusts the test CA and sends `TOKEN`, in namespace `chain`.
fn client_for(api: &FakeApi, pki: &Pki) -> Client {
    Client::new(ClusterAccess {
        server: api.url(),
        ca: Some(PemSource::Inline(pki.ca_pem.clone().into_bytes())),
        insecure_skip_tls_verify: false,
        credentials: Credentials::Token(TOKEN.into()),
        namespace: "chain".into(),
        ..ClusterAccess::default()
    })
    .expect("client")
}

fn lookup(pairs: &[(&str, String)]) -> impl Fn(&str) -> Option<String> + use<> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(key, value)| (key.to_string(), value.clone()))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}

fn three_nodes() -> Value {
    node_list(&[
        node(
            "n1",
            &[("InternalIP", "10.0.0.1"), ("ExternalIP", "203.0.113.1")],
        ),
        node("n2", &[("InternalIP", "10.0.0.2")]),
        node("n3", &[("ExternalIP", "203.0.113.3"), ("Hostname", "n3")]),
    ])
}

fn pod(node_name: Option<&str>) -> Value {
    let mut pod = json!({
        "kind": "Pod",
        "metadata": {"name": "darwinia-1", "namespace": "chain", "labels": {
            "app": "darwinia",
            "controller-revision-hash": "darwinia-7f9c",
            "statefulset.kubernetes.io/pod-name": "darwinia-1",
        }},
        "spec": {},
    });
    if let Some(name) = node_name {
        pod["spec"]["nodeName"] = json!(name);
    }
    pod
}

#[test]
fn in_cluster_service_account_with_rotating_token() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .token(TOKEN)
        .route("GET", NODES, 200, three_nodes())
        .route("GET", POD, 200, pod(Some("n3")))
        .route(
            "GET",
            "/api/v1/nodes/n3",
            200,
            node("n3", &[("ExternalIP", "203.0.113.3")]),
        )
        .start(&pki);
    let account = Scratch::new("sa");
    account.write("token", format!("{TOKEN}\n"));
    account.write("ca.crt", &pki.ca_pem);
    account.write("namespace", "chain");
    let env = lookup(&[
        ("KUBERNETES_SERVICE_HOST", "127.0.0.1".into()),
        ("KUBERNETES_SERVICE_PORT", api.port().to_string()),
        (
            "KUBEVALI_SERVICEACCOUNT_DIR",
            account.path().display().to_string(),
        ),
        ("HOSTNAME", "darwinia-1".into()),
        // Must lose against the in-cluster variables.
        ("KUBECONFIG", "/nonexistent/kubeconfig".into()),
    ]);

    let nodes = Lazy::from_lookup(&env);
    assert!(api.requests().is_empty(), "no API call before first use");
    assert_eq!(
        nodes.external_ips().unwrap(),
        ["203.0.113.1", "203.0.113.3"]
    );
    assert_eq!(nodes.pod_node_ip().unwrap(), "203.0.113.3");
    let requests = api.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer sa-token-1"))
    );
    assert_eq!(
        requests[1].path, POD,
        "namespace comes from the account dir"
    );

    // The kubelet rotates projected tokens in place: the next request must
    // send the new one.
    account.write("token", "sa-token-2");
    api.set_token("sa-token-2");
    let next_render = Lazy::from_lookup(&env);
    assert_eq!(next_render.external_ips().unwrap().len(), 2);
    assert_eq!(
        api.requests().last().unwrap().authorization.as_deref(),
        Some("Bearer sa-token-2")
    );
}

#[test]
fn in_cluster_without_service_account_files_names_the_missing_file() {
    let account = Scratch::new("empty-sa");
    let env = lookup(&[
        ("KUBERNETES_SERVICE_HOST", "127.0.0.1".into()),
        ("KUBERNETES_SERVICE_PORT", "1".into()),
        (
            "KUBEVALI_SERVICEACCOUNT_DIR",
            account.path().display().to_string(),
        ),
    ]);
    let error = Lazy::from_lookup(&env).client().unwrap_err();
    assert!(matches!(error, KubeError::ReadFile { .. }), "{error:?}");
    assert!(error.to_string().contains("namespace"), "{error}");
}

#[test]
fn kubeconfig_with_ca_data_and_token() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .token("kc-token")
        .route("GET", NODES, 200, three_nodes())
        .start(&pki);
    let dir = Scratch::new("kubeconfig");
    let config = dir.write(
        "config",
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: test\n\
             clusters:\n- name: fake\n  cluster:\n    server: {}\n    certificate-authority-data: {}\n\
             contexts:\n- name: test\n  context: {{cluster: fake, user: op, namespace: chain}}\n\
             users:\n- name: op\n  user: {{token: kc-token}}\n",
            api.url(),
            base64(pki.ca_pem.as_bytes())
        ),
    );
    // Files of the list that do not exist are skipped, as kubectl does.
    let env = lookup(&[(
        "KUBECONFIG",
        format!("{}:/nonexistent/second", config.display()),
    )]);
    let nodes = Lazy::from_lookup(&env);
    assert_eq!(nodes.client().unwrap().namespace(), "chain");
    assert_eq!(
        nodes.external_ips().unwrap(),
        ["203.0.113.1", "203.0.113.3"]
    );
    assert_eq!(
        api.requests()[0].authorization.as_deref(),
        Some("Bearer kc-token")
    );
}

#[test]
fn kubeconfig_in_home_directory_is_the_fallback() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .route("GET", NODES, 200, three_nodes())
        .start(&pki);
    let home = Scratch::new("home");
    home.write(".kube/ca.pem", &pki.ca_pem);
    home.write(".kube/token", "file-token\n");
    home.write(
        ".kube/config",
        format!(
            "current-context: c\n\
             clusters: [{{name: k, cluster: {{server: '{}', certificate-authority: ca.pem}}}}]\n\
             contexts: [{{name: c, context: {{cluster: k, user: u}}}}]\n\
             users: [{{name: u, user: {{tokenFile: token}}}}]\n",
            api.url()
        ),
    );
    let nodes = Lazy::from_lookup(&lookup(&[("HOME", home.path().display().to_string())]));
    assert_eq!(nodes.client().unwrap().namespace(), "default");
    assert_eq!(nodes.external_ips().unwrap().len(), 2);
    assert_eq!(
        api.requests()[0].authorization.as_deref(),
        Some("Bearer file-token")
    );
}

fn client_cert_kubeconfig(dir: &Scratch, api: &FakeApi, pki: &Pki, with_cert: bool) -> Lazy {
    dir.write("pki/ca.crt", &pki.ca_pem);
    dir.write("pki/client.crt", &pki.client_cert_pem);
    dir.write("pki/client.key", &pki.client_key_pem);
    let user = if with_cert {
        "{client-certificate: pki/client.crt, client-key: pki/client.key}"
    } else {
        "{}"
    };
    let config = dir.write(
        "kubeconfig.yaml",
        format!(
            "current-context: c\n\
             clusters: [{{name: k, cluster: {{server: '{}', certificate-authority: pki/ca.crt}}}}]\n\
             contexts: [{{name: c, context: {{cluster: k, user: u}}}}]\n\
             users: [{{name: u, user: {user}}}]\n",
            api.url()
        ),
    );
    Lazy::from_lookup(&lookup(&[("KUBECONFIG", config.display().to_string())]))
}

#[test]
fn kubeconfig_with_client_certificate() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .require_client_cert()
        .route("GET", NODES, 200, three_nodes())
        .start(&pki);
    let dir = Scratch::new("client-cert");
    let nodes = client_cert_kubeconfig(&dir, &api, &pki, true);
    assert_eq!(nodes.external_ips().unwrap().len(), 2);
    let request = &api.requests()[0];
    assert!(request.client_cert);
    assert_eq!(request.authorization, None);

    let other_dir = Scratch::new("no-client-cert");
    let without = client_cert_kubeconfig(&other_dir, &api, &pki, false);
    let error = without.node_external_ips().unwrap_err();
    assert!(matches!(error, KubeError::Tls { .. }), "{error:?}");
}

#[test]
fn wrong_ca_is_a_tls_error_that_says_so() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .route("GET", NODES, 200, three_nodes())
        .start(&pki);
    let other = Pki::new();
    let client = client_for(&api, &other);
    let error = Lazy::with_client(client, None)
        .node_external_ips()
        .unwrap_err();
    assert!(matches!(error, KubeError::Tls { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains("TLS/certificate verification problem"),
        "{text}"
    );
    assert!(text.contains("UnknownIssuer"), "{text}");
    assert!(text.contains(&api.url()), "{text}");
    assert!(
        api.requests().is_empty(),
        "no request passes a failed handshake"
    );
}

#[test]
fn insecure_skip_tls_verify_accepts_any_certificate() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .route("GET", NODES, 200, three_nodes())
        .start(&pki);
    let client = Client::new(ClusterAccess {
        server: api.url(),
        ca: None,
        insecure_skip_tls_verify: true,
        credentials: Credentials::None,
        namespace: "default".into(),
        ..ClusterAccess::default()
    })
    .unwrap();
    assert_eq!(
        Lazy::with_client(client, None)
            .external_ips()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn forbidden_shows_the_status_message_and_the_rbac_hint() {
    let pki = Pki::new();
    let message = "nodes is forbidden: User \"system:serviceaccount:chain:default\" cannot list \
                   resource \"nodes\" in API group \"\" at the cluster scope";
    let api = FakeApi::builder()
        .route("GET", NODES, 403, status_body(403, "Forbidden", message))
        .start(&pki);
    let nodes = Lazy::with_client(client_for(&api, &pki), None);
    let error = nodes.external_ips().unwrap_err();
    assert!(
        error.starts_with(&format!(
            "GET /api/v1/nodes: HTTP 403 Forbidden: {message} (hint:"
        )),
        "{error}"
    );
    assert!(error.contains("deploy/"), "{error}");
    assert!(!error.contains(TOKEN), "the token is never shown");
}

#[test]
fn rejected_token_is_a_401_with_a_hint() {
    let pki = Pki::new();
    let api = FakeApi::builder().token("another").start(&pki);
    let error = Lazy::with_client(client_for(&api, &pki), None)
        .node_external_ips()
        .unwrap_err();
    assert!(
        matches!(error, KubeError::Api { status: 401, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("hint"));
}

#[test]
fn unreachable_server_is_named() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let pki = Pki::new();
    let client = Client::new(ClusterAccess {
        server: format!("https://127.0.0.1:{port}"),
        ca: Some(PemSource::Inline(pki.ca_pem.into_bytes())),
        insecure_skip_tls_verify: false,
        credentials: Credentials::None,
        namespace: "default".into(),
        ..ClusterAccess::default()
    })
    .unwrap();
    let error = Lazy::with_client(client, None)
        .node_external_ips()
        .unwrap_err();
    assert!(matches!(error, KubeError::Transport { .. }), "{error:?}");
    assert!(
        error.to_string().contains(&format!("127.0.0.1:{port}")),
        "{error}"
    );
}

#[test]
fn node_list_is_fetched_once_per_render() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .route("GET", NODES, 200, three_nodes())
        .start(&pki);
    let nodes = Lazy::with_client(client_for(&api, &pki), None);
    let ips = nodes.external_ips().unwrap();
    for _ in 0..3 {
        assert_eq!(nodes.external_ips().unwrap(), ips);
    }
    assert_eq!(api.count("GET", NODES), 1);
}

#[test]
fn no_external_ip_anywhere_is_an_error() {
    let pki = Pki::new();
    let list = node_list(&[node("n1", &[("InternalIP", "10.0.0.1")]), node("n2", &[])]);
    let api = FakeApi::builder()
        .route("GET", NODES, 200, list)
        .start(&pki);
    let nodes = Lazy::with_client(client_for(&api, &pki), None);
    assert_eq!(
        nodes.node_external_ips().unwrap_err(),
        KubeError::NoExternalIp
    );
    assert_eq!(
        nodes.external_ips().unwrap_err(),
        "no node in the cluster has an ExternalIP address"
    );
    assert_eq!(api.count("GET", NODES), 1, "a failure is cached too");
}

#[test]
fn pod_node_ip_follows_the_pod_to_its_node() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .route("GET", POD, 200, pod(Some("n2")))
        .route(
            "GET",
            "/api/v1/nodes/n2",
            200,
            node(
                "n2",
                &[("InternalIP", "10.0.0.2"), ("ExternalIP", "198.51.100.2")],
            ),
        )
        .start(&pki);
    let nodes = Lazy::with_client(client_for(&api, &pki), Some("darwinia-1".into()));
    assert_eq!(nodes.pod_node_ip().unwrap(), "198.51.100.2");
    assert_eq!(nodes.pod_node_ip().unwrap(), "198.51.100.2");
    assert_eq!(api.requests().len(), 2, "looked up once per render");
}

#[test]
fn pod_node_ip_errors_name_the_node_or_pod() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .route("GET", POD, 200, pod(Some("n2")))
        .route(
            "GET",
            "/api/v1/nodes/n2",
            200,
            node("n2", &[("InternalIP", "10.0.0.2")]),
        )
        .start(&pki);
    let nodes = Lazy::with_client(client_for(&api, &pki), Some("darwinia-1".into()));
    assert_eq!(
        nodes.this_node_ip().unwrap_err(),
        KubeError::NodeWithoutExternalIp { node: "n2".into() }
    );

    let pending = FakeApi::builder()
        .route("GET", POD, 200, pod(None))
        .start(&pki);
    let nodes = Lazy::with_client(client_for(&pending, &pki), Some("darwinia-1".into()));
    assert_eq!(
        nodes.this_node_ip().unwrap_err(),
        KubeError::PodNotScheduled {
            pod: "darwinia-1".into()
        }
    );

    let nodes = Lazy::with_client(client_for(&pending, &pki), None);
    assert_eq!(nodes.this_node_ip().unwrap_err(), KubeError::NoPodName);
}

// ---- NodePort Service ----

fn expected_spec(node_port: u16) -> Value {
    json!({
        "type": "NodePort",
        "selector": {"app": "darwinia", "statefulset.kubernetes.io/pod-name": "darwinia-1"},
        "ports": [{"name": "p2p", "protocol": "TCP", "port": 30333,
                   "targetPort": node_port, "nodePort": node_port}],
    })
}

/// A Service as the API returns it; `managed` adds kubevali's label.
fn existing_service(managed: bool, node_port: u16, resource_version: &str) -> Value {
    let mut labels = json!({"team": "ops"});
    if managed {
        labels["kubeva.li/managed-by"] = json!("kubevali");
    }
    let mut spec = expected_spec(node_port);
    spec["clusterIP"] = json!("10.96.7.7");
    json!({
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": {"name": "darwinia-1", "namespace": "chain",
                     "resourceVersion": resource_version, "labels": labels},
        "spec": spec,
    })
}

fn not_found() -> String {
    status_body(404, "NotFound", "services \"darwinia-1\" not found")
}

#[test]
fn absent_service_is_created() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .token(TOKEN)
        .route("GET", POD, 200, pod(Some("n1")))
        .route("GET", SERVICE, 404, not_found())
        .route("POST", SERVICES, 201, existing_service(true, 30334, "1"))
        .start(&pki);
    let outcome =
        kube::ensure_node_service(&client_for(&api, &pki), "darwinia-1", 30334, false, false)
            .unwrap();
    assert_eq!(outcome, ServiceOutcome::Created);
    let writes = api.writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].path, SERVICES);
    assert_eq!(writes[0].content_type.as_deref(), Some("application/json"));
    assert_eq!(
        writes[0].json(),
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "darwinia-1", "namespace": "chain",
                         "labels": {"kubeva.li/managed-by": "kubevali"}},
            "spec": expected_spec(30334),
        })
    );
}

#[test]
fn managed_service_is_updated_in_place() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .route("GET", POD, 200, pod(Some("n1")))
        .route("GET", SERVICE, 200, existing_service(true, 30400, "7"))
        .route("PUT", SERVICE, 200, existing_service(true, 30334, "8"))
        .start(&pki);
    let outcome =
        kube::ensure_node_service(&client_for(&api, &pki), "darwinia-1", 30334, false, false)
            .unwrap();
    assert_eq!(outcome, ServiceOutcome::Updated);
    let writes = api.writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(
        (writes[0].method.as_str(), writes[0].path.as_str()),
        ("PUT", SERVICE)
    );
    let body = writes[0].json();
    assert_eq!(body["metadata"]["resourceVersion"], "7");
    assert_eq!(
        body["metadata"]["labels"]["team"], "ops",
        "other labels kept"
    );
    assert_eq!(
        body["spec"]["clusterIP"], "10.96.7.7",
        "immutable field kept"
    );
    assert_eq!(body["spec"]["ports"], expected_spec(30334)["ports"]);
}

#[test]
fn managed_service_that_already_matches_is_not_rewritten() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .route("GET", POD, 200, pod(Some("n1")))
        .route("GET", SERVICE, 200, existing_service(true, 30334, "7"))
        .start(&pki);
    let outcome =
        kube::ensure_node_service(&client_for(&api, &pki), "darwinia-1", 30334, false, false)
            .unwrap();
    assert_eq!(outcome, ServiceOutcome::Unchanged);
    assert!(api.writes().is_empty());
}

#[test]
fn unmanaged_service_is_left_alone_unless_forced() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .route("GET", POD, 200, pod(Some("n1")))
        .route("GET", SERVICE, 200, existing_service(false, 30400, "3"))
        .route("PUT", SERVICE, 200, existing_service(true, 30334, "4"))
        .start(&pki);
    let client = client_for(&api, &pki);
    let outcome = kube::ensure_node_service(&client, "darwinia-1", 30334, false, false).unwrap();
    assert_eq!(outcome, ServiceOutcome::LeftUnmanaged);
    assert!(api.writes().is_empty());

    let outcome = kube::ensure_node_service(&client, "darwinia-1", 30334, true, false).unwrap();
    assert_eq!(outcome, ServiceOutcome::Updated);
    let writes = api.writes();
    assert_eq!(writes.len(), 1);
    let body = writes[0].json();
    assert_eq!(
        body["metadata"]["labels"]["kubeva.li/managed-by"],
        "kubevali"
    );
    assert_eq!(body["metadata"]["resourceVersion"], "3");
    assert_eq!(body["spec"]["ports"][0]["nodePort"], 30334);
}

#[test]
fn conflicts_are_retried_after_a_re_read() {
    let pki = Pki::new();
    let conflict = status_body(409, "Conflict", "the object has been modified");
    let api = FakeApi::builder()
        .route("GET", POD, 200, pod(Some("n1")))
        .route("GET", SERVICE, 200, existing_service(true, 30400, "7"))
        .route("GET", SERVICE, 200, existing_service(true, 30400, "8"))
        .route("GET", SERVICE, 200, existing_service(true, 30400, "9"))
        .route("PUT", SERVICE, 409, &conflict)
        .route("PUT", SERVICE, 409, &conflict)
        .route("PUT", SERVICE, 200, existing_service(true, 30334, "10"))
        .start(&pki);
    let outcome =
        kube::ensure_node_service(&client_for(&api, &pki), "darwinia-1", 30334, false, false)
            .unwrap();
    assert_eq!(outcome, ServiceOutcome::Updated);
    let versions: Vec<Value> = api
        .writes()
        .iter()
        .map(|write| write.json()["metadata"]["resourceVersion"].clone())
        .collect();
    assert_eq!(versions, [json!("7"), json!("8"), json!("9")]);
}

#[test]
fn endless_conflicts_give_up_after_three_retries() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .route("GET", POD, 200, pod(Some("n1")))
        .route("GET", SERVICE, 200, existing_service(true, 30400, "7"))
        .route(
            "PUT",
            SERVICE,
            409,
            status_body(409, "Conflict", "the object has been modified"),
        )
        .start(&pki);
    let error =
        kube::ensure_node_service(&client_for(&api, &pki), "darwinia-1", 30334, false, false)
            .unwrap_err();
    assert_eq!(
        error,
        KubeError::Conflict {
            service: "chain/darwinia-1".into(),
            attempts: 4
        }
    );
    assert_eq!(api.writes().len(), 4);
}

#[test]
fn create_racing_another_creator_falls_back_to_update() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .route("GET", POD, 200, pod(Some("n1")))
        .route("GET", SERVICE, 404, not_found())
        .route("GET", SERVICE, 200, existing_service(true, 30400, "2"))
        .route(
            "POST",
            SERVICES,
            409,
            status_body(
                409,
                "AlreadyExists",
                "services \"darwinia-1\" already exists",
            ),
        )
        .route("PUT", SERVICE, 200, existing_service(true, 30334, "3"))
        .start(&pki);
    let outcome =
        kube::ensure_node_service(&client_for(&api, &pki), "darwinia-1", 30334, false, false)
            .unwrap();
    assert_eq!(outcome, ServiceOutcome::Updated);
    let methods: Vec<String> = api.writes().into_iter().map(|w| w.method).collect();
    assert_eq!(methods, ["POST", "PUT"]);
}

#[test]
fn dry_run_reads_but_never_writes() {
    let pki = Pki::new();
    let absent = FakeApi::builder()
        .route("GET", POD, 200, pod(Some("n1")))
        .route("GET", SERVICE, 404, not_found())
        .start(&pki);
    let outcome =
        kube::ensure_node_service(&client_for(&absent, &pki), "darwinia-1", 30334, false, true)
            .unwrap();
    assert_eq!(outcome, ServiceOutcome::WouldCreate);
    assert_eq!(absent.requests().len(), 2);
    assert!(absent.writes().is_empty());

    let managed = FakeApi::builder()
        .route("GET", POD, 200, pod(Some("n1")))
        .route("GET", SERVICE, 200, existing_service(false, 30400, "5"))
        .start(&pki);
    let outcome =
        kube::ensure_node_service(&client_for(&managed, &pki), "darwinia-1", 30334, true, true)
            .unwrap();
    assert_eq!(outcome, ServiceOutcome::WouldUpdate);
    assert!(managed.writes().is_empty());
}

#[test]
fn missing_pod_is_an_api_error_with_its_message() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .route(
            "GET",
            POD,
            404,
            status_body(404, "NotFound", "pods \"darwinia-1\" not found"),
        )
        .start(&pki);
    let error =
        kube::ensure_node_service(&client_for(&api, &pki), "darwinia-1", 30334, false, false)
            .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("GET {POD}: HTTP 404 Not Found: pods \"darwinia-1\" not found")
    );
    assert!(api.writes().is_empty());
}

// ---- kubeconfig as kubectl reads it: exec plugins, merged files, proxies,
// tls-server-name ----

/// A kubeconfig for `server` trusting the test CA, with `cluster_extra`
/// added to the cluster and `user` as the user object.
fn kubeconfig_text(server: &str, pki: &Pki, cluster_extra: &str, user: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n\
         clusters:\n- name: k\n  cluster:\n    server: '{server}'\n    \
         certificate-authority-data: {}\n{cluster_extra}\
         contexts:\n- name: c\n  context: {{cluster: k, user: u, namespace: chain}}\n\
         users:\n- name: u\n  user: {user}\n",
        base64(pki.ca_pem.as_bytes())
    )
}

fn kubeconfig_env(path: &std::path::Path) -> impl Fn(&str) -> Option<String> + use<> {
    lookup(&[
        ("KUBECONFIG", path.display().to_string()),
        ("HOSTNAME", "darwinia-1".into()),
    ])
}

fn api_with_pod(pki: &Pki, token: &str) -> FakeApi {
    FakeApi::builder()
        .token(token)
        .route("GET", NODES, 200, three_nodes())
        .route("GET", POD, 200, pod(Some("n3")))
        .route(
            "GET",
            "/api/v1/nodes/n3",
            200,
            node("n3", &[("ExternalIP", "203.0.113.3")]),
        )
        .route("GET", SERVICE, 404, not_found())
        .start(pki)
}

#[test]
fn exec_plugin_token_is_reused_until_it_expires_and_renewed_on_a_401() {
    let pki = Pki::new();
    let api = api_with_pod(&pki, "exec-token-1");
    let dir = Scratch::new("exec-v1");
    exec_plugin(
        &dir,
        "get-token",
        "client.authentication.k8s.io/v1",
        "exec-token-",
        ",\"expirationTimestamp\":\"2999-01-01T00:00:00Z\"",
    );
    let config = dir.write(
        "config",
        kubeconfig_text(
            &api.url(),
            &pki,
            "",
            "{exec: {apiVersion: client.authentication.k8s.io/v1, command: ./get-token, \
             args: [token, --cluster, x], env: [{name: KUBEVALI_TEST_ENV, value: from-kubeconfig}], \
             interactiveMode: Never, provideClusterInfo: true}}",
        ),
    );
    let nodes = Lazy::from_lookup(&kubeconfig_env(&config));
    assert!(
        exec_runs(&dir, "get-token").is_empty(),
        "nothing runs early"
    );
    assert_eq!(nodes.external_ips().unwrap().len(), 2);
    assert_eq!(nodes.pod_node_ip().unwrap(), "203.0.113.3");
    let runs = exec_runs(&dir, "get-token");
    assert_eq!(runs.len(), 1, "three requests, one run: {runs:?}");
    assert_eq!(runs[0].args, "token --cluster x");
    assert_eq!(runs[0].test_env, "from-kubeconfig");
    let info = &runs[0].exec_info;
    assert_eq!(info["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(info["kind"], "ExecCredential");
    assert_eq!(info["spec"]["interactive"], false);
    assert_eq!(info["spec"]["cluster"]["server"], api.url());
    assert_eq!(
        info["spec"]["cluster"]["certificate-authority-data"],
        base64(pki.ca_pem.as_bytes())
    );
    assert!(
        api.requests()
            .iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer exec-token-1"))
    );

    // The token is revoked before its stated expiry: the API says 401,
    // the plugin runs again and the request is repeated once.
    api.set_token("exec-token-2");
    let client = nodes.client().unwrap();
    let outcome = kube::ensure_node_service(client, "darwinia-1", 30334, false, true).unwrap();
    assert_eq!(outcome, ServiceOutcome::WouldCreate);
    assert_eq!(exec_runs(&dir, "get-token").len(), 2);
    let auth: Vec<_> = api
        .requests()
        .iter()
        .skip(3)
        .map(|r| r.authorization.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        auth,
        [
            "Bearer exec-token-1",
            "Bearer exec-token-2",
            "Bearer exec-token-2"
        ]
    );

    // The next render (a config reload) builds a new client, and reuses
    // the credential that is still fresh.
    let next_render = Lazy::from_lookup(&kubeconfig_env(&config));
    assert_eq!(next_render.external_ips().unwrap().len(), 2);
    assert_eq!(exec_runs(&dir, "get-token").len(), 2);
    assert_eq!(
        api.requests().last().unwrap().authorization.as_deref(),
        Some("Bearer exec-token-2")
    );
}

#[test]
fn an_expired_exec_credential_is_not_reused_and_a_second_401_is_an_error() {
    let pki = Pki::new();
    let api = api_with_pod(&pki, "exec-token-2");
    let dir = Scratch::new("exec-expired");
    exec_plugin(
        &dir,
        "plugin",
        "client.authentication.k8s.io/v1beta1",
        "exec-token-",
        ",\"expirationTimestamp\":\"2000-01-01T00:00:00Z\"",
    );
    let plugin = dir.path().join("plugin").display().to_string();
    let config = dir.write(
        "config",
        kubeconfig_text(
            &api.url(),
            &pki,
            "",
            &format!(
                "{{exec: {{apiVersion: client.authentication.k8s.io/v1beta1, command: '{plugin}'}}}}"
            ),
        ),
    );
    let nodes = Lazy::from_lookup(&kubeconfig_env(&config));
    // Run 1 gives token 1 (401), run 2 token 2 (200).
    assert_eq!(nodes.external_ips().unwrap().len(), 2);
    assert_eq!(exec_runs(&dir, "plugin").len(), 2);
    assert!(
        exec_runs(&dir, "plugin")[0].exec_info["spec"]
            .get("cluster")
            .is_none(),
        "no cluster info unless asked for"
    );
    // Expired: run 3 for the next request, whose token 3 is refused;
    // run 4 (token 4) is refused too, and that 401 is the answer.
    let error = nodes.pod_node_ip().unwrap_err();
    assert!(error.contains("HTTP 401"), "{error}");
    assert_eq!(exec_runs(&dir, "plugin").len(), 4);
}

#[test]
fn exec_plugin_client_certificate_is_used_for_tls() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .require_client_cert()
        .route("GET", NODES, 200, three_nodes())
        .start(&pki);
    let dir = Scratch::new("exec-cert");
    let credential = json!({
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "kind": "ExecCredential",
        "status": {
            "clientCertificateData": pki.client_cert_pem,
            "clientKeyData": pki.client_key_pem,
        },
    });
    let json_path = dir.write("credential.json", credential.to_string());
    support::kube::executable(
        &dir,
        "cert-plugin",
        &format!("#!/bin/sh\ncat '{}'\n", json_path.display()),
    );
    let config = dir.write(
        "config",
        kubeconfig_text(
            &api.url(),
            &pki,
            "",
            "{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ./cert-plugin}}",
        ),
    );
    let nodes = Lazy::from_lookup(&kubeconfig_env(&config));
    assert_eq!(nodes.external_ips().unwrap().len(), 2);
    let request = &api.requests()[0];
    assert!(request.client_cert);
    assert_eq!(request.authorization, None);
}

#[test]
fn exec_plugin_failures_say_what_to_do() {
    let pki = Pki::new();
    let api = FakeApi::builder().start(&pki);
    let dir = Scratch::new("exec-fail");
    let fail = |user: &str| {
        let config = dir.write("config", kubeconfig_text(&api.url(), &pki, "", user));
        Lazy::from_lookup(&kubeconfig_env(&config))
            .external_ips()
            .unwrap_err()
    };

    let missing = fail(
        "{exec: {apiVersion: client.authentication.k8s.io/v1beta1, \
         command: kubevali-test-no-such-plugin, \
         installHint: 'Install it with: apt-get install kubevali-test-plugin'}}",
    );
    assert!(
        missing.contains("\"kubevali-test-no-such-plugin\" was not found"),
        "{missing}"
    );
    assert!(
        missing.contains("Install it with: apt-get install kubevali-test-plugin"),
        "{missing}"
    );
    assert!(missing.contains("kubeconfig user \"u\""), "{missing}");

    let always = fail(
        "{exec: {apiVersion: client.authentication.k8s.io/v1, command: x, \
         interactiveMode: Always}}",
    );
    assert!(always.contains("kubevali never prompts"), "{always}");

    support::kube::executable(
        &dir,
        "broken",
        "#!/bin/sh\necho 'token expired, run aws sso login' >&2\nexit 3\n",
    );
    let broken =
        fail("{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ./broken}}");
    assert!(broken.contains("exit status: 3"), "{broken}");
    assert!(broken.contains("run aws sso login"), "{broken}");

    support::kube::executable(&dir, "flood", "#!/bin/sh\nhead -c 3000000 /dev/zero\n");
    let flood =
        fail("{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ./flood}}");
    assert!(flood.contains("printed more than 1024 KiB"), "{flood}");

    let provider = fail("{auth-provider: {name: gcp}}");
    assert!(provider.contains("gke-gcloud-auth-plugin"), "{provider}");
    assert!(api.requests().is_empty(), "no request without credentials");
}

#[test]
fn kubeconfig_list_is_merged_first_file_wins() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .token("from-second-file")
        .route("GET", NODES, 200, three_nodes())
        .start(&pki);
    let first_dir = Scratch::new("merge-a");
    let second_dir = Scratch::new("merge-b");
    first_dir.write("ca.pem", &pki.ca_pem);
    second_dir.write("token", "from-second-file\n");
    let first = first_dir.write(
        "config",
        format!(
            "current-context: mine\n\
             clusters: [{{name: k, cluster: {{server: '{}', certificate-authority: ca.pem}}}}]\n\
             contexts: [{{name: mine, context: {{cluster: k, user: u, namespace: chain}}}}]\n",
            api.url()
        ),
    );
    let second = second_dir.write(
        "config",
        "current-context: theirs\n\
         clusters: [{name: k, cluster: {server: 'https://127.0.0.1:1'}}]\n\
         contexts: [{name: theirs, context: {cluster: k, user: u}}]\n\
         users: [{name: u, user: {tokenFile: token}}]\n",
    );
    let list = format!(
        "{}::/nonexistent/kubeconfig:{}",
        first.display(),
        second.display()
    );
    let access = kube::cluster_access(&lookup(&[("KUBECONFIG", list.clone())])).unwrap();
    assert_eq!(access.server, api.url(), "the first file's cluster k");
    assert_eq!(
        access.namespace, "chain",
        "the first file's current-context"
    );
    let nodes = Lazy::from_lookup(&lookup(&[("KUBECONFIG", list)]));
    assert_eq!(nodes.external_ips().unwrap().len(), 2);
    assert_eq!(
        api.requests()[0].authorization.as_deref(),
        Some("Bearer from-second-file"),
        "the user only the second file defines, its tokenFile beside it"
    );
}

#[test]
fn proxy_url_carries_the_api_traffic() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .route("GET", NODES, 200, three_nodes())
        .start(&pki);
    let proxy = ConnectProxy::start();
    let dir = Scratch::new("proxy-url");
    let config = dir.write(
        "config",
        kubeconfig_text(
            &api.url(),
            &pki,
            &format!("    proxy-url: '{}'\n", proxy.url()),
            "{token: t}",
        ),
    );
    let nodes = Lazy::from_lookup(&kubeconfig_env(&config));
    assert_eq!(nodes.external_ips().unwrap().len(), 2);
    let tunnels = proxy.tunnels();
    assert_eq!(tunnels.len(), 1, "{tunnels:?}");
    assert_eq!(tunnels[0].target, format!("127.0.0.1:{}", api.port()));
    assert_eq!(api.requests().len(), 1);
}

#[test]
fn https_proxy_from_the_environment_is_used_for_a_named_server() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .named_certificate()
        .route("GET", NODES, 200, three_nodes())
        .start(&pki);
    let proxy = ConnectProxy::start();
    let dir = Scratch::new("https-proxy");
    // A name that resolves nowhere: only the proxy (which maps every
    // name to loopback) can reach it, so success proves the tunnel.
    let server = format!("https://{}:{}", Pki::ONLY_NAME, api.port());
    let config = dir.write("config", kubeconfig_text(&server, &pki, "", "{token: t}"));
    let env = lookup(&[
        ("KUBECONFIG", config.display().to_string()),
        ("HTTPS_PROXY", proxy.url()),
        ("NO_PROXY", "localhost,10.0.0.0/8,.cluster.local".into()),
    ]);
    let nodes = Lazy::from_lookup(&env);
    assert_eq!(nodes.external_ips().unwrap().len(), 2);
    let targets: Vec<_> = proxy.tunnels().into_iter().map(|t| t.target).collect();
    assert_eq!(targets, [format!("{}:{}", Pki::ONLY_NAME, api.port())]);
}

#[test]
fn proxy_environment_is_decided_like_kubectl() {
    let dir = Scratch::new("proxy-decisions");
    let account = Scratch::new("proxy-sa");
    account.write("namespace", "chain");
    let config = dir.write(
        "config",
        "current-context: c\n\
         clusters: [{name: k, cluster: {server: 'https://10.1.2.3:6443'}}]\n\
         contexts: [{name: c, context: {cluster: k}}]\n",
    );
    let access = |pairs: &[(&str, String)]| kube::cluster_access(&lookup(pairs)).unwrap();
    let proxy = ("HTTPS_PROXY", "proxy.corp:3128".to_owned());
    let kubeconfig = ("KUBECONFIG", config.display().to_string());
    assert_eq!(
        access(&[kubeconfig.clone(), proxy.clone()])
            .proxy
            .as_deref(),
        Some("http://proxy.corp:3128")
    );
    assert_eq!(
        access(&[
            kubeconfig.clone(),
            proxy.clone(),
            ("no_proxy", "10.0.0.0/8".into())
        ])
        .proxy,
        None
    );
    // In a pod the service address is never proxied.
    let in_cluster = access(&[
        ("KUBERNETES_SERVICE_HOST", "10.96.0.1".into()),
        ("KUBERNETES_SERVICE_PORT", "443".into()),
        (
            "KUBEVALI_SERVICEACCOUNT_DIR",
            account.path().display().to_string(),
        ),
        proxy,
    ]);
    assert_eq!(in_cluster.server, "https://10.96.0.1:443");
    assert_eq!(in_cluster.proxy, None);
}

#[test]
fn tls_server_name_verifies_a_certificate_that_does_not_name_the_address() {
    let pki = Pki::new();
    let api = FakeApi::builder()
        .named_certificate()
        .route("GET", NODES, 200, three_nodes())
        .start(&pki);
    let dir = Scratch::new("tls-server-name");
    let without = dir.write(
        "without",
        kubeconfig_text(&api.url(), &pki, "", "{token: t}"),
    );
    let error = Lazy::from_lookup(&kubeconfig_env(&without))
        .node_external_ips()
        .unwrap_err();
    assert!(matches!(error, KubeError::Tls { .. }), "{error:?}");
    assert!(api.requests().is_empty());

    let name = format!("    tls-server-name: {}\n", Pki::ONLY_NAME);
    let with = dir.write(
        "with",
        kubeconfig_text(&api.url(), &pki, &name, "{token: t}"),
    );
    let nodes = Lazy::from_lookup(&kubeconfig_env(&with));
    assert_eq!(nodes.external_ips().unwrap().len(), 2);
    assert_eq!(api.requests().len(), 1);

    // Through a proxy too: the tunnel goes to the server as configured
    // while TLS checks the other name (ureq cannot do this alone).
    let proxy = ConnectProxy::start();
    let proxy_url = proxy.url().replace("http://", "http://op:s%40cret@");
    let both = dir.write(
        "both",
        kubeconfig_text(
            &api.url(),
            &pki,
            &format!("{name}    proxy-url: '{proxy_url}'\n"),
            "{token: t}",
        ),
    );
    let nodes = Lazy::from_lookup(&kubeconfig_env(&both));
    assert_eq!(nodes.external_ips().unwrap().len(), 2);
    let tunnels = proxy.tunnels();
    assert_eq!(tunnels.len(), 1, "{tunnels:?}");
    assert_eq!(tunnels[0].target, format!("127.0.0.1:{}", api.port()));
    assert_eq!(
        tunnels[0].proxy_authorization.as_deref(),
        Some(format!("Basic {}", base64(b"op:s@cret")).as_str())
    );
    assert_eq!(api.requests().len(), 2);
}

#[test]
fn a_proxy_that_refuses_the_tunnel_is_reported() {
    let pki = Pki::new();
    let proxy = ConnectProxy::start();
    // A port that was just free: the proxy cannot reach it and says 502.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = Scratch::new("proxy-refuses");
    let server = format!("https://127.0.0.1:{port}");
    for extra in [
        format!("    proxy-url: '{}'\n", proxy.url()),
        format!(
            "    proxy-url: '{}'\n    tls-server-name: {}\n",
            proxy.url(),
            Pki::ONLY_NAME
        ),
    ] {
        let config = dir.write(
            "config",
            kubeconfig_text(&server, &pki, &extra, "{token: t}"),
        );
        let error = Lazy::from_lookup(&kubeconfig_env(&config))
            .node_external_ips()
            .unwrap_err();
        assert!(matches!(error, KubeError::Transport { .. }), "{error:?}");
        assert!(error.to_string().contains("502"), "{error}");
    }
    assert_eq!(proxy.tunnels().len(), 2);
}
