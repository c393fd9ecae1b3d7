//! Parses and renders arbitrary text: the input is split at the first NUL
//! into the common template and the value. Any panic, stack overflow,
//! timeout or runaway allocation is a bug.
#![no_main]

use kubevali::template::{Context, NodeAddresses, Templates};
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
    let text = String::from_utf8_lossy(data);
    let (common, value) = text.split_once('\0').unwrap_or(("", &text));
    let Ok(templates) = Templates::new(common) else {
        return;
    };
    let env = |name: &str| {
        use std::os::unix::ffi::OsStringExt;
        match name {
            "HOSTNAME" => Some("sts-pod-2".into()),
            "EMPTY" => Some(std::ffi::OsString::new()),
            // Not UTF-8: environment variables are bytes.
            "BYTES" => Some(std::ffi::OsString::from_vec(b"\xff\xfe-1".to_vec())),
            _ => None,
        }
    };
    let ctx = Context {
        index: 2,
        env: &env,
        nodes: Some(&Nodes),
    };
    let _ = templates.check(value);
    if let Ok(out) = templates.render(value, &ctx) {
        assert!(out.len() <= 1 << 20, "output over the 1 MiB cap");
    }
});
