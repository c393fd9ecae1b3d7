//! Differential test against Go itself: builds tests/oracle/main.go (Go 1.19
//! text/template + sprig 3.2.3 from Debian's packages, offline), renders every
//! case of tests/data/differential.jsonl with both, and requires the same
//! output bytes, or an error from both. An error of ours counts as agreement
//! without Go's also failing only when it refuses a function that
//! docs/templates.md lists as not supported.
//!
//! Known differences (docs/templates.md lists them), left out of the case
//! list: a nil element of a list ranged over is a nil interface in Go, so
//! `.Field` on it fails there and prints `<no value>` here; `slice` past a
//! list's length but within Go's capacity.
//!
//! Skipped, loudly, when `go` or the sprig sources are not installed
//! (`apt-get install golang-go golang-github-masterminds-sprig-dev`); under
//! CI=true that is a failure instead.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kubevali::template::{Context, Templates};
use serde_json::Value as Json;

const GOPATH: &str = "/usr/share/gocode";

fn decode_b64(text: &str) -> Vec<u8> {
    kubevali::base64::decode(text.as_bytes()).expect("base64 from the oracle")
}

/// The case's environment: `env` as text, `env_b64` as any bytes.
fn environment(case: &Json) -> HashMap<String, OsString> {
    let mut env = HashMap::new();
    for (field, raw) in [("env", false), ("env_b64", true)] {
        for (k, v) in case[field].as_object().into_iter().flatten() {
            let text = v.as_str().unwrap_or_default();
            let value = if raw {
                decode_b64(text)
            } else {
                text.as_bytes().to_vec()
            };
            env.insert(k.clone(), OsString::from_vec(value));
        }
    }
    env
}

fn render(case: &Json) -> Result<Vec<u8>, String> {
    let text = |k: &str| case[k].as_str().unwrap_or_default().to_owned();
    let env = environment(case);
    let templates = Templates::new(&text("common")).map_err(|e| format!("common: {e}"))?;
    let lookup = |name: &str| env.get(name).cloned();
    let ctx = Context {
        index: case["index"].as_i64().unwrap_or_default(),
        env: &lookup,
        nodes: None,
    };
    templates
        .render(&text("template"), &ctx)
        .map_err(|e| e.to_string())
}

/// Builds the oracle, or says why it cannot.
fn build_oracle() -> Result<PathBuf, String> {
    let version = Command::new("go").arg("version").output();
    if !version.is_ok_and(|o| o.status.success()) {
        return Err("`go` is not installed".into());
    }
    if !Path::new(GOPATH)
        .join("src/github.com/Masterminds/sprig")
        .is_dir()
    {
        return Err(format!("sprig sources are not under {GOPATH}"));
    }
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let binary = target.join("kubevali-template-oracle");
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&binary)
        .arg("main.go")
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle"))
        .env("GOPATH", GOPATH)
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .env("GOCACHE", target.join("gocache"))
        .status()
        .expect("run go build");
    assert!(status.success(), "go build of tests/oracle/main.go failed");
    Ok(binary)
}

/// The function names docs/templates.md lists under "Not supported".
fn documented_unsupported() -> HashSet<String> {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/templates.md"))
        .expect("docs/templates.md");
    let section = docs
        .split("\n## ")
        .find(|s| s.starts_with("Not supported"))
        .expect("docs/templates.md has a \"## Not supported\" section");
    section
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(str::to_owned)
        .chain(
            section
                .contains("Complex number literals")
                .then(|| "complex".to_owned()),
        )
        .collect()
}

/// The function an error refuses, if it is that kind of error. Complex
/// literals, the one refused construct that is not a function, are listed
/// in the docs as `complex`.
fn refused_function(error: &str) -> Option<&str> {
    if error.contains(": complex number ") && error.ends_with(" is not supported by kubevali") {
        return Some("complex");
    }
    let (before, _) = error.split_once("\" is not supported by kubevali")?;
    Some(before.rsplit_once("function \"")?.1)
}

#[test]
fn refusals_are_recognised_only_for_documented_functions() {
    let unsupported = documented_unsupported();
    assert!(unsupported.contains("sha256sum") && unsupported.len() > 100);
    assert!(!unsupported.contains("printf"));
    assert_eq!(
        refused_function("1:4: function \"regexFind\" is not supported by kubevali"),
        Some("regexFind")
    );
    assert_eq!(
        refused_function("template name is not supported by kubevali"),
        None
    );
}

#[test]
fn matches_go_text_template() {
    let oracle = match build_oracle() {
        Ok(path) => path,
        Err(why) => {
            // CI installs both (`make oracle-deps`); there a skip would hide
            // a broken setup.
            assert!(
                std::env::var_os("CI").is_none_or(|v| v != "true"),
                "the Go differential test cannot run under CI: {why}"
            );
            eprintln!(
                "\n\n!!!!!!!! SKIPPING the Go differential test: {why}.\n\
                 !!!!!!!! Install golang-go and golang-github-masterminds-sprig-dev to run it.\n"
            );
            return;
        }
    };
    // KUBEVALI_DIFF_CASES points at another case file, e.g. generated ones.
    let data = match std::env::var("KUBEVALI_DIFF_CASES") {
        Ok(path) => std::fs::read_to_string(&path).expect("cases"),
        Err(_) => ["differential.jsonl", "fidelity.jsonl"]
            .iter()
            .map(|name| {
                let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
                std::fs::read_to_string(format!("{dir}{name}")).expect("cases")
            })
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let lines: Vec<&str> = data.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut child = Command::new(&oracle)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start oracle");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = lines.join("\n") + "\n";
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("oracle output");
    if let Ok(Err(e)) = writer.join() {
        panic!("the Go oracle stopped reading cases ({e}); did a case crash Go itself?");
    }
    let unsupported = documented_unsupported();
    let results: Vec<Json> = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("oracle JSON"))
        .collect();
    assert_eq!(results.len(), lines.len(), "oracle answered every case");

    let (mut agree, mut refused, mut both_failed) = (0, 0, 0);
    let mut failures = Vec::new();
    for (line, go) in lines.iter().zip(&results) {
        let case: Json = serde_json::from_str(line).expect("case JSON");
        let go_err = go["err"].as_str().unwrap_or_default();
        let go_out = decode_b64(go["out_b64"].as_str().unwrap_or_default());
        let ours = render(&case);
        let same = match &ours {
            Ok(out) => go_err.is_empty() && *out == go_out,
            // Refusing what kubevali documents as not implemented is by
            // design; any other error must be one Go has too.
            Err(e) if refused_function(e).is_some_and(|f| unsupported.contains(f)) => {
                refused += 1;
                true
            }
            Err(_) => {
                both_failed += usize::from(!go_err.is_empty());
                !go_err.is_empty()
            }
        };
        if same {
            agree += 1;
        }
        if !same {
            failures.push(format!(
                "{} common={:?} template={:?}\n    go:   {}\n    ours: {:?}",
                case["name"],
                case["common"].as_str().unwrap_or_default(),
                case["template"].as_str().unwrap_or_default(),
                if go_err.is_empty() {
                    format!("{:?}", String::from_utf8_lossy(&go_out))
                } else {
                    format!("error {go_err}")
                },
                ours.map(|out| String::from_utf8_lossy(&out).into_owned())
            ));
        }
    }
    eprintln!(
        "differential: {} cases: {} agree with Go ({} the same output, {both_failed} an error \
         from both), {refused} refused as documented unsupported, {} disagree",
        lines.len(),
        agree - refused,
        agree - refused - both_failed,
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Go:\n{}",
        failures.len(),
        lines.len(),
        failures.join("\n")
    );
}
