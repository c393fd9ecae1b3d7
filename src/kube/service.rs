//! The per-pod NodePort Service that makes a node reachable from outside
//! at `<node ExternalIP>:<nodePort>`.

use std::fmt;

use serde_json::{Map, Value, json};

use super::client::path_segment;
use super::client::{Client, Method};
use super::error::KubeError;
use super::nodes::pod_path;

/// The label that marks a Service as ours: we only ever rewrite Services
/// that carry it (or all of them with `forceUpdate`).
pub const MANAGED_BY_LABEL: &str = "kubeva.li/managed-by";
pub const MANAGED_BY_VALUE: &str = "kubevali";

/// The Service's own port; clients inside the cluster may use it, the
/// outside world uses the nodePort.
pub const P2P_PORT: u16 = 30333;

/// A StatefulSet stamps this on its pods and changes it with every
/// revision: selecting on it would orphan the Service after an update.
const REVISION_LABEL: &str = "controller-revision-hash";

/// Writes after the first that a 409 Conflict may trigger.
const CONFLICT_RETRIES: u32 = 3;

/// What [`ensure_node_service`] did (or, in a dry run, would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceOutcome {
    Created,
    Updated,
    /// Already exactly as wanted: nothing written.
    Unchanged,
    /// Exists without our label and `force_update` is off.
    LeftUnmanaged,
    WouldCreate,
    WouldUpdate,
}

impl fmt::Display for ServiceOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServiceOutcome::Created => "created",
            ServiceOutcome::Updated => "updated",
            ServiceOutcome::Unchanged => "unchanged",
            ServiceOutcome::LeftUnmanaged => "left alone (not managed by kubevali)",
            ServiceOutcome::WouldCreate => "would be created (dry run)",
            ServiceOutcome::WouldUpdate => "would be updated (dry run)",
        })
    }
}

/// Makes the Service named `pod_name` in the client's namespace a NodePort
/// Service that sends `node_port` on every node to `node_port` on this pod.
///
/// Reads the pod for its labels, then creates the Service, or updates it
/// when it carries [`MANAGED_BY_LABEL`] (any Service with `force_update`).
/// A write that meets a newer version (409) is retried after a re-read.
/// With `dry_run` it only reads, and logs what it would write.
pub fn ensure_node_service(
    client: &Client,
    pod_name: &str,
    node_port: u16,
    force_update: bool,
    dry_run: bool,
) -> Result<ServiceOutcome, KubeError> {
    if pod_name.is_empty() {
        return Err(KubeError::NoPodName);
    }
    let namespace = client.namespace().to_owned();
    let pod_path = pod_path(client, pod_name);
    let pod = client.request(Method::Get, &pod_path, None)?;
    let pod = if dry_run && pod.status == 404 {
        // Reviewing replicas a StatefulSet does not run yet: say what the
        // Service would be, without the labels only the pod can tell.
        log::warn!(
            "dry run: pod {namespace}/{pod_name} does not exist (yet); the Service would select \
             it by the labels it will have"
        );
        None
    } else {
        Some(pod.into_json(Method::Get, &pod_path)?)
    };
    let selector = pod.as_ref().map(selector_from).unwrap_or_default();
    if selector.is_empty() && pod.is_some() {
        log::warn!(
            "pod {namespace}/{pod_name} has no labels to select it by; \
             Service {namespace}/{pod_name} will route to no pod"
        );
    }
    let collection = format!("/api/v1/namespaces/{}/services", path_segment(&namespace));
    let service_path = format!("{collection}/{}", path_segment(pod_name));

    let mut writes = 0;
    loop {
        let current = client.request(Method::Get, &service_path, None)?;
        let (method, path, body) = if current.status == 404 {
            let wanted = new_service(pod_name, &namespace, &selector, node_port);
            if dry_run {
                log::info!("dry run: would create Service {namespace}/{pod_name}: {wanted}");
                return Ok(ServiceOutcome::WouldCreate);
            }
            (Method::Post, &collection, wanted)
        } else {
            let existing = current.into_json(Method::Get, &service_path)?;
            if !is_managed(&existing) && !force_update {
                log::info!(
                    "leaving Service {namespace}/{pod_name} alone: it lacks the label \
                     {MANAGED_BY_LABEL}={MANAGED_BY_VALUE}, so kubevali did not create it \
                     (set nodeService.forceUpdate to take it over)"
                );
                return Ok(ServiceOutcome::LeftUnmanaged);
            }
            let wanted = with_node_port(existing.clone(), &selector, node_port);
            if wanted == existing {
                log::info!("Service {namespace}/{pod_name} is up to date (nodePort {node_port})");
                return Ok(ServiceOutcome::Unchanged);
            }
            if dry_run {
                log::info!("dry run: would update Service {namespace}/{pod_name}: {wanted}");
                return Ok(ServiceOutcome::WouldUpdate);
            }
            // The object we read carries its resourceVersion, so a PUT
            // that races another writer gets a 409 instead of clobbering.
            (Method::Put, &service_path, wanted)
        };

        writes += 1;
        let answer = client.request(method, path, Some(&body))?;
        if answer.status == 409 {
            if writes > CONFLICT_RETRIES {
                return Err(KubeError::Conflict {
                    service: format!("{namespace}/{pod_name}"),
                    attempts: writes,
                });
            }
            log::debug!("Service {namespace}/{pod_name} changed under us (409), re-reading");
            continue;
        }
        answer.into_json(method, path)?;
        let outcome = if method == Method::Post {
            ServiceOutcome::Created
        } else {
            ServiceOutcome::Updated
        };
        log::info!(
            "{outcome} NodePort Service {namespace}/{pod_name}: nodePort {node_port} → pod port \
             {node_port}"
        );
        return Ok(outcome);
    }
}

/// The pod's labels without the per-revision one.
fn selector_from(pod: &Value) -> Map<String, Value> {
    let mut labels = pod
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    labels.remove(REVISION_LABEL);
    labels
}

fn is_managed(service: &Value) -> bool {
    service
        .pointer("/metadata/labels")
        .and_then(|labels| labels.get(MANAGED_BY_LABEL))
        .and_then(Value::as_str)
        == Some(MANAGED_BY_VALUE)
}

fn new_service(name: &str, namespace: &str, selector: &Map<String, Value>, port: u16) -> Value {
    with_node_port(
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {},
        }),
        selector,
        port,
    )
}

/// Sets what kubevali owns in a Service and keeps everything else (the
/// clusterIP, resourceVersion, other labels), so a PUT changes only that.
fn with_node_port(mut service: Value, selector: &Map<String, Value>, port: u16) -> Value {
    let Some(object) = service.as_object_mut() else {
        return service;
    };
    let metadata = object_field(object, "metadata");
    object_field(metadata, "labels").insert(MANAGED_BY_LABEL.into(), MANAGED_BY_VALUE.into());
    let spec = object_field(object, "spec");
    spec.insert("type".into(), "NodePort".into());
    spec.insert("selector".into(), Value::Object(selector.clone()));
    spec.insert(
        "ports".into(),
        json!([{
            "name": "p2p",
            "protocol": "TCP",
            "port": P2P_PORT,
            "targetPort": port,
            "nodePort": port,
        }]),
    );
    service
}

/// `object[key]` as an object, replacing whatever non-object was there.
fn object_field<'a>(object: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = object
        .entry(key)
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(map) => map,
        _ => unreachable!("replaced by an object above"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_drops_only_the_revision_hash() {
        let pod = json!({"metadata": {"labels": {
            "app": "darwinia",
            "controller-revision-hash": "darwinia-5d9c",
            "statefulset.kubernetes.io/pod-name": "darwinia-0",
        }}});
        assert_eq!(
            Value::Object(selector_from(&pod)),
            json!({"app": "darwinia", "statefulset.kubernetes.io/pod-name": "darwinia-0"})
        );
        assert!(selector_from(&json!({})).is_empty());
    }

    #[test]
    fn new_service_is_a_labelled_node_port_service() {
        let selector = selector_from(&json!({"metadata": {"labels": {"app": "x"}}}));
        assert_eq!(
            new_service("darwinia-1", "chain", &selector, 30334),
            json!({
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "darwinia-1", "namespace": "chain",
                             "labels": {"kubeva.li/managed-by": "kubevali"}},
                "spec": {
                    "type": "NodePort",
                    "selector": {"app": "x"},
                    "ports": [{"name": "p2p", "protocol": "TCP", "port": 30333,
                               "targetPort": 30334, "nodePort": 30334}],
                },
            })
        );
    }

    #[test]
    fn update_keeps_what_kubevali_does_not_own() {
        let existing = json!({
            "metadata": {"name": "n", "resourceVersion": "42", "labels": {"team": "ops"}},
            "spec": {"clusterIP": "10.1.2.3", "type": "ClusterIP", "ports": [{"port": 1}]},
            "status": {"loadBalancer": {}},
        });
        let updated = with_node_port(existing, &Map::new(), 31000);
        assert_eq!(
            updated.pointer("/metadata/resourceVersion"),
            Some(&json!("42"))
        );
        assert_eq!(
            updated.pointer("/metadata/labels/team"),
            Some(&json!("ops"))
        );
        assert!(is_managed(&updated));
        assert_eq!(updated.pointer("/spec/clusterIP"), Some(&json!("10.1.2.3")));
        assert_eq!(updated.pointer("/spec/type"), Some(&json!("NodePort")));
        assert_eq!(
            updated.pointer("/spec/ports/0/nodePort"),
            Some(&json!(31000))
        );
        assert_eq!(updated.pointer("/spec/ports/1"), None);
    }

    #[test]
    fn label_must_match_exactly() {
        assert!(!is_managed(
            &json!({"metadata": {"annotations": {MANAGED_BY_LABEL: "kubevali"}}})
        ));
        assert!(!is_managed(
            &json!({"metadata": {"labels": {MANAGED_BY_LABEL: "helm"}}})
        ));
        assert!(is_managed(
            &json!({"metadata": {"labels": {MANAGED_BY_LABEL: "kubevali"}}})
        ));
    }
}
