//! Node addresses for the template functions: the ExternalIPs of all nodes,
//! and the one of the node this pod runs on.

use serde_json::Value;

use super::client::path_segment;
use super::client::{Client, Method};
use super::error::KubeError;

/// Every ExternalIP address, nodes in API list order and each node's
/// addresses in its own order. Empty is an error: a template asked for an
/// address nobody can give.
pub(crate) fn list_external_ips(client: &Client) -> Result<Vec<String>, KubeError> {
    let path = "/api/v1/nodes";
    let list = client.get_json(path)?;
    let items = list
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| KubeError::Response {
            method: Method::Get.as_str(),
            path: path.to_owned(),
            reason: "no items list in the node list".into(),
        })?;
    let ips: Vec<String> = items
        .iter()
        .flat_map(external_ips)
        .map(str::to_owned)
        .collect();
    if ips.is_empty() {
        return Err(KubeError::NoExternalIp);
    }
    Ok(ips)
}

/// The first ExternalIP of the node that runs pod `pod_name` (in the
/// client's namespace).
pub(crate) fn pod_node_ip(client: &Client, pod_name: &str) -> Result<String, KubeError> {
    let pod = client.get_json(&pod_path(client, pod_name))?;
    let node = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .filter(|node| !node.is_empty())
        .ok_or_else(|| KubeError::PodNotScheduled {
            pod: pod_name.to_owned(),
        })?;
    let node_object = client.get_json(&format!("/api/v1/nodes/{}", path_segment(node)))?;
    external_ips(&node_object)
        .next()
        .map(str::to_owned)
        .ok_or_else(|| KubeError::NodeWithoutExternalIp {
            node: node.to_owned(),
        })
}

pub(crate) fn pod_path(client: &Client, pod_name: &str) -> String {
    format!(
        "/api/v1/namespaces/{}/pods/{}",
        path_segment(client.namespace()),
        path_segment(pod_name)
    )
}

fn external_ips(node: &Value) -> impl Iterator<Item = &str> {
    node.pointer("/status/addresses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|address| address.get("type").and_then(Value::as_str) == Some("ExternalIP"))
        .filter_map(|address| address.get("address").and_then(Value::as_str))
        .filter(|address| !address.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_external_ips_in_node_order() {
        let node = json!({"status": {"addresses": [
            {"type": "InternalIP", "address": "10.0.0.5"},
            {"type": "ExternalIP", "address": "203.0.113.5"},
            {"type": "Hostname", "address": "n1"},
            {"type": "ExternalIP", "address": "2001:db8::5"},
            {"type": "ExternalIP"},
        ]}});
        assert_eq!(
            external_ips(&node).collect::<Vec<_>>(),
            ["203.0.113.5", "2001:db8::5"]
        );
        assert_eq!(external_ips(&json!({"status": {}})).count(), 0);
        assert_eq!(external_ips(&json!(null)).count(), 0);
    }
}
