//! The config fuzz target's entry, shared with the mutation loop in
//! `tests/fuzz_config.rs` so that both drive exactly the same code: loads
//! arbitrary bytes as `kubevali.yaml` and renders it the way a start of the
//! node would (YAML → validated config → argv). Any panic, stack overflow,
//! timeout or runaway allocation is a bug; so is a rendered command line
//! that could not be the one a config describes (empty, or an empty
//! executable).

use kubevali::argv::Renderer;
use kubevali::config::Source;
use kubevali::template::NodeAddresses;

struct Nodes;

impl NodeAddresses for Nodes {
    fn external_ips(&self) -> Result<Vec<String>, String> {
        Ok(vec!["192.0.2.1".into(), "192.0.2.2".into()])
    }

    fn pod_node_ip(&self) -> Result<String, String> {
        Ok("192.0.2.1".into())
    }
}

pub fn run(data: &[u8]) {
    // The loader itself refuses what is not UTF-8; past that point, text.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = Source {
        file: "kubevali.yaml".to_owned(),
        text: text.to_owned(),
    };
    let config = match source.parse() {
        Ok(config) => config,
        Err(error) => {
            // Errors must format without panicking.
            let _ = error.to_string();
            return;
        }
    };
    let env = |name: &str| match name {
        "HOSTNAME" => Some("sts-pod-2".into()),
        _ => None,
    };
    let renderer = Renderer {
        config: &config,
        source: &source,
        env: &env,
        nodes: Some(&Nodes),
    };
    match renderer.render(None, None) {
        Ok(plan) => {
            assert!(!plan.argv.is_empty(), "an empty command line");
            assert!(!plan.argv[0].is_empty(), "an empty executable");
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
}
