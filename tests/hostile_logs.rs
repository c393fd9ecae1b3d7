//! No log level shows a secret (issue 13, item 15): at `trace`, ureq's
//! wire dump would print the Kubernetes bearer token and its URL lines the
//! healthchecks.io check ID; both must stay out of kubevali's stderr.

mod support;

use std::fs;
use std::path::Path;
use std::time::Duration;

use support::{Scratch, http, kubevali};

fn assert_no_secret(stderr: &str, secret: &str) {
    assert!(!stderr.contains(secret), "{stderr}");
    // Neither as the hex of a wire dump, nor as trace lines at all:
    // kubevali itself logs nothing at trace.
    let hex: String = secret.bytes().take(8).map(|b| format!("{b:02x}")).collect();
    assert!(!stderr.contains(&hex), "{stderr}");
    assert!(!stderr.contains(" TRACE "), "{stderr}");
}

#[test]
fn the_bearer_token_never_reaches_the_log() {
    const TOKEN: &str = "topsecret-token-5b6f6a2e";
    let api = http::Recorder::scripted(&[], http::Reply::Status(404));
    let scratch = Scratch::new("token");
    let dir = scratch.path();
    fs::write(
        dir.join("kubeconfig"),
        format!(
            "apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: \"{}\"}}}}]\n\
             users: [{{name: u, user: {{token: {TOKEN}}}}}]\n\
             contexts: [{{name: x, context: {{cluster: c, user: u, namespace: chain}}}}]\n\
             current-context: x\n",
            api.url()
        ),
    )
    .unwrap();
    fs::write(
        dir.join("kubevali.yaml"),
        "nodeTemplate:\n  index: '0'\n  command: [echo]\nnodeService:\n  enabled: true\n  \
         nodePortTemplate: '30333'\n",
    )
    .unwrap();
    let output = kubevali(Path::new("kubevali.yaml"))
        .current_dir(dir)
        .arg("--dry-run")
        .env("KUBECONFIG", dir.join("kubeconfig"))
        .env("KUBEVALI_LOG", "trace")
        .env("HOSTNAME", "pod-0")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let requests = api.wait_for(1, Duration::from_secs(5));
    assert!(
        requests
            .iter()
            .any(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}"))),
        "the API was called with the token: {stderr}"
    );
    assert!(stderr.contains(" DEBUG "), "debug lines are on: {stderr}");
    assert_no_secret(&stderr, TOKEN);
}

#[test]
fn the_check_id_never_reaches_the_log() {
    const CHECK_ID: &str = "5b6f6a2e-1c8d-4a57-9f0e-3c2b1a0d9e8f";
    let pings = http::Recorder::start();
    let scratch = Scratch::new("check_id");
    let dir = scratch.path();
    fs::write(
        dir.join("kubevali.yaml"),
        format!(
            "nodeTemplate:\n  index: '0'\n  command: [sh, -c, 'echo Prepared block']\n\
             watchlog:\n  enabled: true\n  keyword: Prepared block\n  lastThreshold: 1h\n  \
             healthcheckIDs: [{CHECK_ID}]\n  pingBaseURL: {}\n",
            pings.url()
        ),
    )
    .unwrap();
    let output = kubevali(Path::new("kubevali.yaml"))
        .current_dir(dir)
        .env("KUBEVALI_LOG", "trace")
        .env("HOSTNAME", "pod-0")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let requests = pings.wait_for(1, Duration::from_secs(5));
    assert!(
        requests.iter().any(|r| r.path.contains(CHECK_ID)),
        "a ping was sent: {requests:?} {stderr}"
    );
    assert_no_secret(&stderr, CHECK_ID);
}
