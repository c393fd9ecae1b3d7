//! Runs the Go conformance corpus (tests/data/templates.jsonl, produced by
//! Go 1.19 text/template + sprig 3.2.3) through the engine: identical output
//! where Go succeeds, an error where Go fails.

use std::collections::HashMap;
use std::ffi::OsString;

use kubevali::template::{Context, Templates};
use serde_json::Value as Json;

pub struct Case {
    pub name: String,
    pub common: String,
    pub index: i64,
    pub env: HashMap<String, String>,
    pub template: String,
}

impl Case {
    pub fn from_json(c: &Json) -> Case {
        let text = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
        Case {
            name: text("name"),
            common: text("common"),
            index: c["index"].as_i64().expect("index"),
            env: c["env"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
            template: text("template"),
        }
    }

    /// Renders the way kubevali does: common parsed once, then the value.
    /// (The corpus is text, so the output bytes are read back as text.)
    pub fn render(&self) -> Result<String, String> {
        let templates = Templates::new(&self.common).map_err(|e| format!("common: {e}"))?;
        let env = |name: &str| self.env.get(name).map(OsString::from);
        let ctx = Context {
            index: self.index,
            env: &env,
            nodes: None,
        };
        let out = templates
            .render(&self.template, &ctx)
            .map_err(|e| e.to_string())?;
        String::from_utf8(out).map_err(|e| format!("output is not UTF-8: {e}"))
    }
}

#[test]
fn go_conformance_corpus() {
    let data = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/templates.jsonl"
    ))
    .expect("corpus");
    let mut failures = Vec::new();
    let mut total = 0;
    for line in data.lines().filter(|l| !l.trim().is_empty()) {
        total += 1;
        let json: Json = serde_json::from_str(line).expect("valid JSON line");
        let case = Case::from_json(&json);
        let expect_error = json["expect_error"].as_bool().expect("expect_error");
        let expect = json["expect"].as_str().expect("expect");
        match (case.render(), expect_error) {
            (Ok(out), false) if out == expect => {}
            (Err(_), true) => {}
            (got, _) => failures.push(format!(
                "{}: template {:?}\n    want {}\n    got  {:?}",
                case.name,
                case.template,
                if expect_error {
                    format!("an error ({})", json["go_error"])
                } else {
                    format!("{expect:?}")
                },
                got
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ from Go:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(total, 98);
}

/// tests/data/fidelity.jsonl: the template-fidelity classes (values without
/// actions, `include`'s scope, strings as bytes, `uint8`, Go 1.19 case
/// mapping) with Go's exact output bytes, made by tests/oracle (see
/// tests/oracle/generate/README.md). Runs without Go installed.
#[test]
fn fidelity_cases_match_go_bytes() {
    use std::os::unix::ffi::OsStringExt;
    let data = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/fidelity.jsonl"
    ))
    .expect("fidelity cases");
    let b64 = |v: &Json| kubevali::base64::decode(v.as_str().unwrap_or_default().as_bytes());
    let mut failures = Vec::new();
    let mut total = 0;
    for line in data.lines().filter(|l| !l.trim().is_empty()) {
        total += 1;
        let json: Json = serde_json::from_str(line).expect("valid JSON line");
        let mut env: HashMap<String, OsString> = HashMap::new();
        for (k, v) in json["env"].as_object().into_iter().flatten() {
            env.insert(k.clone(), OsString::from(v.as_str().unwrap_or_default()));
        }
        for (k, v) in json["env_b64"].as_object().into_iter().flatten() {
            env.insert(k.clone(), OsString::from_vec(b64(v).expect("env_b64")));
        }
        let text = |k: &str| json[k].as_str().unwrap_or_default().to_owned();
        let lookup = |name: &str| env.get(name).cloned();
        let ctx = Context {
            index: json["index"].as_i64().expect("index"),
            env: &lookup,
            nodes: None,
        };
        let got = Templates::new(&text("common"))
            .map_err(|e| e.to_string())
            .and_then(|t| t.render(&text("template"), &ctx).map_err(|e| e.to_string()));
        let go_error = text("go_error");
        let want = b64(&json["expect_b64"]).expect("expect_b64");
        let same = match &got {
            Ok(out) => go_error.is_empty() && *out == want,
            Err(_) => !go_error.is_empty(),
        };
        if !same {
            failures.push(format!(
                "{}: common {:?} template {:?}\n    go:   {}\n    ours: {:?}",
                text("name"),
                text("common"),
                text("template"),
                if go_error.is_empty() {
                    format!("{:?}", String::from_utf8_lossy(&want))
                } else {
                    format!("error {go_error}")
                },
                got.map(|o| String::from_utf8_lossy(&o).into_owned())
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ from Go:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total > 800, "{total} cases");
}
