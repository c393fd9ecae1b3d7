//! Reviewing a config through the real binary: `--index`, `--dry-run
//! --replicas N` and `--output json`, on the bundled example, on a config
//! where one replica fails, at StatefulSet scale, and against the fake
//! Kubernetes API.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::Scratch;
use support::kube::{FakeApi, Pki, base64, node, node_list, status_body};

/// The binary with nothing of the caller's environment that kubevali
/// reads: no pod name, no cluster, no proxy.
fn kubevali() -> Command {
    let mut command = Command::new(support::binary());
    for name in [
        "KUBEVALI_CONFIG",
        "KUBEVALI_LOG",
        "HOSTNAME",
        "KUBECONFIG",
        "KUBERNETES_SERVICE_HOST",
        "KUBERNETES_SERVICE_PORT",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ] {
        command.env_remove(name);
    }
    command
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kubevali.yaml")
}

fn run(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = kubevali();
    command.arg("--config").arg(config).args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run kubevali")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}

#[test]
fn replicas_print_what_each_single_dry_run_prints() {
    let all = run(&example(), &["--dry-run", "--replicas", "3"], &[]);
    assert_eq!(all.status.code(), Some(0), "{}", stderr(&all));
    let lines: Vec<String> = stdout(&all).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 3);
    for (index, line) in lines.iter().enumerate() {
        let single = run(
            &example(),
            &["--dry-run"],
            &[("HOSTNAME", &format!("sts-pod-{index}"))],
        );
        assert_eq!(stdout(&single), format!("{line}\n"));
        let by_index = run(
            &example(),
            &["--dry-run", "--index", &index.to_string()],
            &[],
        );
        assert_eq!(stdout(&by_index), format!("{line}\n"), "no HOSTNAME needed");
    }
    assert_eq!(
        lines[2],
        "darwinia --validator --name '[KUBE-VALI] Development 02' --port 30335 \
         --rpc-port 9935 --ws-port 9946"
    );
    // One Starting node line per replica, in order, prefixed with it.
    let log = stderr(&all);
    let starts: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("Starting node"))
        .collect();
    assert_eq!(starts.len(), 3, "{log}");
    for (index, line) in starts.iter().enumerate() {
        assert!(
            line.contains(&format!("replica {index}: Starting node: \"darwinia\"")),
            "{line}"
        );
    }
}

#[test]
fn json_output_of_the_example() {
    let output = run(
        &example(),
        &["--dry-run", "--replicas", "2", "--output", "json"],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        json(&output),
        json!({"replicas": [
            {"index": 0, "argv": ["darwinia", "--validator", "--name", "[KUBE-VALI] Development 00",
             "--port", "30333", "--rpc-port", "9933", "--ws-port", "9944"],
             "nodePort": null, "healthcheck": null},
            {"index": 1, "argv": ["darwinia", "--validator", "--name", "[KUBE-VALI] Development 01",
             "--port", "30334", "--rpc-port", "9934", "--ws-port", "9945"],
             "nodePort": null, "healthcheck": null},
        ]})
    );
    let text = stdout(&output);
    assert!(
        text.find("\"index\"") < text.find("\"argv\""),
        "fields in the documented order:\n{text}"
    );

    // A single replica is a document of one.
    let single = run(
        &example(),
        &["--dry-run", "--output=json"],
        &[("HOSTNAME", "sts-pod-4")],
    );
    assert_eq!(json(&single)["replicas"][0]["index"], 4);
    assert_eq!(json(&single)["replicas"].as_array().unwrap().len(), 1);
}

const REPLICA_2_FAILS: &str = "\
nodeTemplate:
  command: [darwinia]
  args:
    name: 'node-{{ .Index }}'
    bootnodes: '{{ if eq .Index 2 }}{{ fail \"replica 2 has no bootnode\" }}{{ end }}/dns/boot/tcp/30333'
watchlog:
  enabled: true
  keyword: Imported
  lastThreshold: 5m
  healthcheckIDs:
    - 5b6f6a2e-1c8d-4a57-9f0e-3c2b1a0d9e8f
    - 0a1b2c3d-0000-4000-8000-000000000001
    - 0a1b2c3d-0000-4000-8000-000000000002
    - 0a1b2c3d-0000-4000-8000-000000000003
";

#[test]
fn a_failing_replica_is_named_and_the_others_still_render() {
    let dir = Scratch::new("review-fail");
    let config = dir.write("kubevali.yaml", REPLICA_2_FAILS);
    let output = run(&config, &["--dry-run", "--replicas", "4"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "darwinia --bootnodes /dns/boot/tcp/30333 --name node-0\n\
         darwinia --bootnodes /dns/boot/tcp/30333 --name node-1\n\
         darwinia --bootnodes /dns/boot/tcp/30333 --name node-3\n"
    );
    let log = stderr(&output);
    let errors: Vec<&str> = log.lines().filter(|line| line.contains("ERROR")).collect();
    assert_eq!(errors.len(), 1, "{log}");
    let file = config.display().to_string();
    assert!(
        errors[0].contains(&format!(
            "replica 2: {file}: nodeTemplate.args.bootnodes:1:24: error calling fail"
        )),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].contains("nodeTemplate.args.bootnodes"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].contains("replica 2 has no bootnode"),
        "{}",
        errors[0]
    );
    assert!(log.contains("replica 3: Starting node"), "{log}");

    let output = run(
        &config,
        &["--dry-run", "--replicas", "5", "--output", "json"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    let document = json(&output);
    let replicas = document["replicas"].as_array().unwrap();
    assert_eq!(replicas.len(), 5);
    assert_eq!(replicas[0]["healthcheck"], "5b6f…");
    assert_eq!(replicas[3]["healthcheck"], "0a1b…");
    assert!(
        replicas[2]["error"]
            .as_str()
            .unwrap()
            .contains("no bootnode")
    );
    assert!(replicas[2].get("argv").is_none());
    // Four check IDs, five replicas: the fifth is named too.
    assert!(
        replicas[4]["error"]
            .as_str()
            .unwrap()
            .contains("watchlog.healthcheckIDs"),
        "{}",
        replicas[4]
    );
    let everything = format!("{}{}", stdout(&output), stderr(&output));
    assert!(
        !everything.contains("1c8d-4a57"),
        "check IDs are masked everywhere"
    );
}

#[test]
fn a_statefulset_of_200_renders_in_bounded_time() {
    let started = Instant::now();
    let output = run(&example(), &["--dry-run", "--replicas", "200"], &[]);
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 200);
    assert!(lines[199].contains("--name '[KUBE-VALI] Development 199' --port 30532"));
    // Generous: a few milliseconds in a release build; this only catches
    // work that grows with the square of the count.
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn index_runs_the_node_as_that_replica_without_hostname() {
    let dir = Scratch::new("review-index");
    let config = dir.write(
        "kubevali.yaml",
        "nodeTemplate:\n  command: [sh, -c, 'echo replica {{ .Index }}']\n",
    );
    let output = run(&config, &["--index", "4"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "replica 4\n");
}

#[test]
fn review_options_are_checked_as_usage() {
    for args in [
        &["--index", "-1"][..],
        &["--index", "two"],
        &["--replicas", "3"],
        &["--dry-run", "--replicas", "3", "--index", "1"],
        &["--dry-run", "--replicas", "0"],
        &["--output", "json"],
        &["--dry-run", "--output", "yaml"],
    ] {
        let output = run(&example(), args, &[]);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(stderr(&output).contains("kubevali --help"), "{args:?}");
    }
}

// ---- against the fake Kubernetes API ----

const NODES: &str = "/api/v1/nodes";

fn pod(name: &str, node_name: &str) -> Value {
    json!({
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "chain", "labels": {
            "app": "darwinia",
            "statefulset.kubernetes.io/pod-name": name,
        }},
        "spec": {"nodeName": node_name},
    })
}

#[test]
fn replicas_ask_the_api_for_the_node_list_once() {
    let pki = Pki::new();
    let not_found = |what: &str| status_body(404, "NotFound", &format!("{what} not found"));
    let mut builder = FakeApi::builder()
        .token("review-token")
        .route(
            "GET",
            NODES,
            200,
            node_list(&[
                node("n1", &[("ExternalIP", "203.0.113.1")]),
                node("n2", &[("ExternalIP", "203.0.113.2")]),
            ]),
        )
        .route(
            "GET",
            "/api/v1/nodes/n2",
            200,
            node("n2", &[("ExternalIP", "203.0.113.2")]),
        )
        .route(
            "GET",
            "/api/v1/namespaces/chain/pods/darwinia-2",
            404,
            not_found("pods \"darwinia-2\""),
        );
    for index in 0..2 {
        builder = builder.route(
            "GET",
            &format!("/api/v1/namespaces/chain/pods/darwinia-{index}"),
            200,
            pod(&format!("darwinia-{index}"), "n2"),
        );
    }
    for index in 0..3 {
        builder = builder.route(
            "GET",
            &format!("/api/v1/namespaces/chain/services/darwinia-{index}"),
            404,
            not_found("services"),
        );
    }
    let api = builder.start(&pki);
    let dir = Scratch::new("review-api");
    let kubeconfig = dir.write(
        "kubeconfig",
        format!(
            "current-context: c\n\
             clusters: [{{name: k, cluster: {{server: '{}', certificate-authority-data: {}}}}}]\n\
             contexts: [{{name: c, context: {{cluster: k, user: u, namespace: chain}}}}]\n\
             users: [{{name: u, user: {{token: review-token}}}}]\n",
            api.url(),
            base64(pki.ca_pem.as_bytes())
        ),
    );
    let config = dir.write(
        "kubevali.yaml",
        "nodeTemplate:\n  command: [darwinia]\n  args:\n    \
         bootnode: '/ip4/{{ getNodeIPWithIndex .Index }}/tcp/30333'\n    \
         public-addr: '{{ if lt .Index 2 }}/ip4/{{ getPodNodeIP }}{{ end }}'\n\
         nodeService:\n  enabled: true\n  nodePortTemplate: '{{ add 30333 .Index }}'\n",
    );
    let kubeconfig = kubeconfig.display().to_string();
    let output = run(
        &config,
        &["--dry-run", "--replicas", "3", "--output", "json"],
        &[("KUBECONFIG", &kubeconfig), ("HOSTNAME", "darwinia-1")],
    );
    let log = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{log}");
    let document = json(&output);
    let argv = |index: usize| document["replicas"][index]["argv"].clone();
    assert_eq!(
        argv(0),
        json!([
            "darwinia",
            "--bootnode",
            "/ip4/203.0.113.1/tcp/30333",
            "--public-addr",
            "/ip4/203.0.113.2"
        ])
    );
    assert_eq!(argv(1)[2], "/ip4/203.0.113.2/tcp/30333");
    assert_eq!(argv(2)[2], "/ip4/203.0.113.1/tcp/30333", "the list wraps");
    assert_eq!(document["replicas"][2]["nodePort"], 30335);

    assert_eq!(api.count("GET", NODES), 1, "one node list for all replicas");
    assert_eq!(
        api.count("GET", "/api/v1/nodes/n2"),
        2,
        "per pod: replicas 0, 1"
    );
    for index in 0..3 {
        let service = format!("/api/v1/namespaces/chain/services/darwinia-{index}");
        assert_eq!(api.count("GET", &service), 1, "{service}");
        assert!(
            log.contains(&format!(
                "replica {index}: nodeService: Service chain/darwinia-{index} would be created"
            )),
            "{log}"
        );
    }
    assert!(
        log.contains("pod chain/darwinia-2 does not exist (yet)"),
        "{log}"
    );
    assert!(api.writes().is_empty(), "a dry run never writes");
}

#[test]
fn non_utf8_arguments_come_back_as_base64_of_their_bytes() {
    let dir = Scratch::new("review-bytes");
    let config = dir.write(
        "kubevali.yaml",
        "nodeTemplate:\n  command: [node, '{{ \"caf\\xe9\" }}', plain]\n",
    );
    let output = run(
        &config,
        &["--dry-run", "--index", "0", "--output", "json"],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let argv = json(&output)["replicas"][0]["argv"].clone();
    assert_eq!(argv, json!(["node", {"base64": "Y2Fm6Q=="}, "plain"]));
}

#[test]
fn a_server_that_never_answers_is_waited_for_once() {
    // Listening but never accepting: the TCP handshake completes, the TLS
    // one never does.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let pki = Pki::new();
    let dir = Scratch::new("review-silent");
    let kubeconfig = dir.write(
        "kubeconfig",
        format!(
            "current-context: c\n\
             clusters: [{{name: k, cluster: {{server: 'https://{}', certificate-authority-data: {}}}}}]\n\
             contexts: [{{name: c, context: {{cluster: k, namespace: chain}}}}]\n",
            silent.local_addr().unwrap(),
            base64(pki.ca_pem.as_bytes())
        ),
    );
    let config = dir.write(
        "kubevali.yaml",
        "nodeTemplate:\n  command: [darwinia]\n  args:\n    public-addr: '/ip4/{{ getPodNodeIP }}'\n",
    );
    let kubeconfig = kubeconfig.display().to_string();
    let started = Instant::now();
    let output = run(
        &config,
        &["--dry-run", "--replicas", "3"],
        &[("KUBECONFIG", &kubeconfig), ("HOSTNAME", "darwinia-0")],
    );
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let log = stderr(&output);
    for index in 0..3 {
        assert!(
            log.lines()
                .any(|line| line.contains(&format!("replica {index}: "))
                    && line.contains("no answer within 10 s")),
            "{log}"
        );
    }
    // One 10 s timeout, not one per replica.
    assert!(took < Duration::from_secs(25), "{took:?}");
    drop(silent);
}
