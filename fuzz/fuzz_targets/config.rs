//! Loads arbitrary text as `kubevali.yaml` and renders it the way a start
//! of the node would: YAML → validated config → argv. Any panic, stack
//! overflow, timeout or runaway allocation is a bug; so is a rendered
//! command line that could not be the one the config describes (empty, or
//! starting with an empty executable).
#![no_main]

use kubevali::argv::Renderer;
use kubevali::config::Source;
use kubevali::template::NodeAddresses;
use libfuzzer_sys::fuzz_target;

struct Nodes;

impl NodeAddresses for Nodes {
    fn external_ips(&self) -> Result<Vec<String>, String> {
        Ok(vec!["192.0.2.1".into(), "192.0.2.2".into()])
    }

    fn pod_node_ip(&self) -> Result<String, String> {
        Ok("192.0.2.1".into())
    }
}

fuzz_target!(|data: &[u8]| {
    // The loader itself refuses what is not UTF-8; past that point, text.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = Source {
        file: "kubevali.yaml".to_owned(),
        text: text.to_owned(),
    };
    let Ok(config) = source.parse() else {
        // Errors must format without panicking, and point inside the text.
        return;
    };
    let env = |name: &str| match name {
        "HOSTNAME" => Some("sts-pod-2".to_owned()),
        _ => None,
    };
    let renderer = Renderer {
        config: &config,
        source: &source,
        env: &env,
        nodes: Some(&Nodes),
    };
    match renderer.render() {
        Ok(plan) => {
            assert!(!plan.argv.is_empty(), "an empty command line");
            assert!(!plan.argv[0].is_empty(), "an empty executable");
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
