//! Reviewing a config before it ships: `--dry-run` with `--index N`
//! (render as replica N), `--replicas N` (render replicas 0 … N-1 from
//! one load of the config) and `--output json` (one document to diff).
//!
//! Nothing is started and nothing is written to the cluster. Every replica
//! is rendered even when some fail, so one run names every broken one.
//! The cluster is asked as little as a single replica would ask: the
//! client is built and the node list fetched at most once for all
//! replicas; only per-pod answers (`getPodNodeIP`, the NodePort Service)
//! are asked per replica.
//!
//! Under `--index` and `--replicas`, each replica also sees `$HOSTNAME` as
//! its own pod would: a `HOSTNAME` with an ordinal suffix (`sts-pod-2`)
//! has the suffix replaced by the replica's index (`sts-pod-0`, …), so
//! templates that read it and the Service lookups name that replica's pod.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

use serde::Serialize;
use serde_json::{Value, json};

use crate::argv::{ExecRoom, Plan, Renderer};
use crate::cli::{OutputFormat, ReviewOptions};
use crate::config::{Config, ConfigError, Source};
use crate::kube::{self, KubeError};

use crate::{base64, quote};

/// The exit codes of `app` (usage/config errors, other failures); repeated
/// here because `app` calls into this module, not the other way round.
const EXIT_CONFIG: i32 = 2;

/// Why one replica could not be rendered.
#[derive(Debug)]
pub enum ReplicaError {
    /// The config or a template: exit code 2.
    Config(ConfigError),
    /// The Kubernetes API behind `nodeService`: exit code 1.
    Kube(KubeError),
}

impl std::fmt::Display for ReplicaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplicaError::Config(error) => error.fmt(f),
            ReplicaError::Kube(error) => write!(f, "nodeService: {error}"),
        }
    }
}

/// One replica's result.
pub struct Replica {
    /// `None` only when `nodeTemplate.index` itself failed to render.
    pub index: Option<i64>,
    pub outcome: Result<Plan, ReplicaError>,
}

/// The dry run of `app`: renders what `options` asks for, logs one
/// `Starting node` line per replica, prints the commands (text or JSON)
/// and gives the exit code: 0, or 2 if any replica failed.
pub fn dry_run(config: &Config, source: &Source, options: &ReviewOptions) -> i32 {
    let hostname = std::env::var_os("HOSTNAME").filter(|h| !h.is_empty());
    let env = |name: &str| std::env::var_os(name);
    let cluster = kube::Lazy::from_env();
    let replicas = render_all(config, source, options, hostname.as_deref(), &env, &cluster);
    let printed = match options.output {
        OutputFormat::Text => replicas
            .iter()
            .filter_map(|replica| replica.outcome.as_ref().ok())
            .flat_map(|plan| {
                let mut line = quote::shell_line(&plan.argv);
                line.push(b'\n');
                line
            })
            .collect::<Vec<u8>>(),
        OutputFormat::Json => (to_json(&replicas) + "\n").into_bytes(),
    };
    match crate::output::print(&printed) {
        0 => exit_code(&replicas),
        failed => failed,
    }
}

/// 2 if any replica failed, whether its config or the cluster, else 0: a
/// review passes only when every replica could start as shown.
pub fn exit_code(replicas: &[Replica]) -> i32 {
    if replicas.iter().any(|replica| replica.outcome.is_err()) {
        EXIT_CONFIG
    } else {
        0
    }
}

/// Renders every replica `options` names, in index order: `--replicas N`
/// gives 0 … N-1, `--index N` just N, neither the one `nodeTemplate.index`
/// renders (with `hostname` untouched, exactly the plain dry run).
pub fn render_all(
    config: &Config,
    source: &Source,
    options: &ReviewOptions,
    hostname: Option<&OsStr>,
    env: &dyn Fn(&str) -> Option<OsString>,
    cluster: &kube::Lazy,
) -> Vec<Replica> {
    // Read once: every replica inherits the same environment.
    let room = ExecRoom::of_this_process();
    let indices: Vec<Option<i64>> = match options.replicas {
        Some(count) => (0..i64::from(count)).map(Some).collect(),
        None => vec![options.index],
    };
    indices
        .into_iter()
        .map(|index| {
            let pod = match index {
                Some(index) => hostname.map(|name| pod_name_for(name, index)),
                None => hostname.map(OsStr::to_owned),
            };
            let outcome = render_replica(config, source, index, pod, env, cluster, room);
            let index = outcome.as_ref().map(|plan| plan.index).ok().or(index);
            let replica = Replica { index, outcome };
            log_replica(&replica, options.replicas.is_some());
            replica
        })
        .collect()
}

/// The replica's `Starting node` line (as the plain dry run logs it) or its
/// error, prefixed with its index when several are rendered; logged as
/// soon as it is rendered, after what `nodeService` said about it.
fn log_replica(replica: &Replica, several: bool) {
    let prefix = match (several, replica.index) {
        (true, Some(index)) => format!("replica {index}: "),
        _ => String::new(),
    };
    match &replica.outcome {
        Ok(plan) => log::info!(
            "{prefix}Starting node: {}",
            quote::go_quoted_line(&plan.argv)
        ),
        Err(error) => log::error!("{prefix}{error}"),
    }
}

fn render_replica(
    config: &Config,
    source: &Source,
    index: Option<i64>,
    pod: Option<OsString>,
    env: &dyn Fn(&str) -> Option<OsString>,
    cluster: &kube::Lazy,
    room: ExecRoom,
) -> Result<Plan, ReplicaError> {
    let replica_env = |name: &str| {
        if name == "HOSTNAME" {
            pod.clone()
        } else {
            env(name)
        }
    };
    // The API knows pods by names that are text.
    let pod_name = pod.as_deref().and_then(OsStr::to_str).map(str::to_owned);
    let nodes = cluster.for_pod(pod_name.clone());
    let plan = Renderer {
        config,
        source,
        env: &replica_env,
        nodes: Some(&nodes),
    }
    .render(index, Some(room))
    .map_err(ReplicaError::Config)?;
    if let Some(node_port) = plan.node_port {
        let client = nodes.client().map_err(ReplicaError::Kube)?;
        let pod = pod_name.as_deref().unwrap_or_default();
        let outcome = kube::ensure_node_service(
            client,
            pod,
            node_port,
            config.node_service.force_update,
            true,
        )
        .map_err(ReplicaError::Kube)?;
        log::info!(
            "replica {}: nodeService: Service {}/{pod} {outcome}",
            plan.index,
            client.namespace()
        );
    }
    Ok(plan)
}

/// The pod name of replica `index` in the StatefulSet `hostname` belongs
/// to: `sts-pod-2` → `sts-pod-<index>`. A name without an ordinal suffix
/// is not a StatefulSet pod's, so it stays as it is.
pub fn pod_name_for(hostname: &OsStr, index: i64) -> OsString {
    let Some(text) = hostname.to_str() else {
        return hostname.to_owned();
    };
    match text.rsplit_once('-') {
        Some((set, ordinal))
            if !set.is_empty()
                && !ordinal.is_empty()
                && ordinal.bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{set}-{index}").into()
        }
        _ => hostname.to_owned(),
    }
}

/// `{"replicas": [{"index", "argv", "nodePort", "healthcheck"}]}`, fields
/// in that order; a failed replica has `"error"` instead of the rendered
/// fields. Check IDs are masked as in the log.
pub fn to_json(replicas: &[Replica]) -> String {
    let replicas: Vec<JsonReplica> = replicas
        .iter()
        .map(|replica| match &replica.outcome {
            Ok(plan) => JsonReplica::Rendered {
                index: plan.index,
                argv: plan
                    .argv
                    .iter()
                    .map(|word| json_word(word.as_ref()))
                    .collect(),
                node_port: plan.node_port,
                healthcheck: plan.check.as_ref().map(|check| check.shown()),
            },
            Err(error) => JsonReplica::Failed {
                index: replica.index,
                error: error.to_string(),
            },
        })
        .collect();
    // Pretty: one argument per line is what a diff of two reviews wants.
    // Serializing these types cannot fail (string keys, no maps).
    serde_json::to_string_pretty(&Document { replicas }).unwrap_or_default()
}

#[derive(Serialize)]
struct Document {
    replicas: Vec<JsonReplica>,
}

/// A struct rather than a `json!` map so that the fields keep this order
/// (serde_json's maps sort their keys).
#[derive(Serialize)]
#[serde(untagged)]
enum JsonReplica {
    Rendered {
        index: i64,
        argv: Vec<Value>,
        #[serde(rename = "nodePort")]
        node_port: Option<u16>,
        healthcheck: Option<String>,
    },
    Failed {
        index: Option<i64>,
        error: String,
    },
}

/// A UTF-8 argument as a JSON string; any other byte string, which JSON
/// strings cannot hold, as `{"base64": "<standard base64 of the bytes>"}`.
pub fn json_word(word: &OsStr) -> Value {
    match word.to_str() {
        Some(text) => Value::String(text.to_owned()),
        None => json!({ "base64": base64::encode(word.as_bytes()) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    #[test]
    fn pod_names_follow_the_ordinal() {
        assert_eq!(pod_name_for(OsStr::new("sts-pod-2"), 0), "sts-pod-0");
        assert_eq!(pod_name_for(OsStr::new("darwinia-10"), 7), "darwinia-7");
        assert_eq!(pod_name_for(OsStr::new("laptop"), 3), "laptop");
        assert_eq!(pod_name_for(OsStr::new("-2"), 3), "-2");
        assert_eq!(pod_name_for(OsStr::new("sts-pod-"), 3), "sts-pod-");
        assert_eq!(pod_name_for(OsStr::new("sts-pod-2a"), 3), "sts-pod-2a");
    }

    #[test]
    fn non_utf8_words_round_trip_through_base64() {
        assert_eq!(json_word(OsStr::new("--name")), json!("--name"));
        let bytes = b"caf\xe9 \xff".to_vec();
        let word = OsString::from_vec(bytes.clone());
        let value = json_word(&word);
        assert_eq!(value, json!({"base64": "Y2Fm6SD/"}));
        let decoded = base64::decode(value["base64"].as_str().unwrap().as_bytes()).unwrap();
        assert_eq!(decoded, bytes);
    }

    fn render(yaml: &str, options: &ReviewOptions, hostname: Option<&str>) -> Vec<Replica> {
        let source = Source {
            file: "kubevali.yaml".to_owned(),
            text: yaml.to_owned(),
        };
        let config = source.parse().unwrap();
        let host = hostname.map(OsString::from);
        let env = move |name: &str| (name == "HOSTNAME").then(|| host.clone()).flatten();
        let cluster = kube::Lazy::from_lookup(&|_| None);
        render_all(
            &config,
            &source,
            options,
            hostname.map(OsStr::new),
            &env,
            &cluster,
        )
    }

    #[test]
    fn every_replica_is_rendered_and_failures_keep_their_index() {
        let yaml = "nodeTemplate:\n  command: [node]\n  args:\n    name: \
                    '{{ env \"HOSTNAME\" }}'\n    port: '{{ if eq .Index 2 }}{{ fail \"two\" }}{{ \
                    end }}{{ add 30333 .Index }}'\nwatchlog:\n  enabled: true\n  keyword: k\n  lastThreshold: 1m\n  \
                    healthcheckIDs: [aaaaaaaa, bbbbbbbb, cccccccc, dddddddd]\n";
        let options = ReviewOptions {
            replicas: Some(5),
            ..ReviewOptions::default()
        };
        let replicas = render(yaml, &options, Some("sts-pod-3"));
        let indices: Vec<_> = replicas.iter().map(|r| r.index).collect();
        assert_eq!(indices, [Some(0), Some(1), Some(2), Some(3), Some(4)]);
        let plan = replicas[1].outcome.as_ref().unwrap();
        assert_eq!(
            plan.argv,
            ["node", "--name", "sts-pod-1", "--port", "30334"]
        );
        assert!(matches!(replicas[2].outcome, Err(ReplicaError::Config(_))));
        // Four check IDs for five replicas: the last one fails too.
        let error = replicas[4].outcome.as_ref().err().unwrap().to_string();
        assert!(error.contains("healthcheckIDs"), "{error}");
        assert_eq!(exit_code(&replicas), 2);

        let document: Value = serde_json::from_str(&to_json(&replicas)).unwrap();
        assert_eq!(
            document["replicas"][0],
            json!({"index": 0, "argv": ["node", "--name", "sts-pod-0", "--port", "30333"],
                   "nodePort": null, "healthcheck": "aaaa…"})
        );
        assert_eq!(document["replicas"][2]["index"], 2);
        assert!(
            document["replicas"][2]["error"]
                .as_str()
                .unwrap()
                .contains("two")
        );
    }

    #[test]
    fn index_option_skips_the_index_template() {
        let yaml = "nodeTemplate:\n  index: '{{ fail \"not used\" }}'\n  command: [node, '{{ .Index }}']\n";
        let options = ReviewOptions {
            index: Some(7),
            ..ReviewOptions::default()
        };
        let replicas = render(yaml, &options, None);
        assert_eq!(replicas[0].outcome.as_ref().unwrap().argv, ["node", "7"]);
        assert_eq!(exit_code(&replicas), 0);
    }
}
