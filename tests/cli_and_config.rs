//! The binary's command line and its handling of configs, good and bad, run
//! as a real process the way an operator runs it.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{Scratch, binary};

fn kubevali() -> Command {
    let mut command = Command::new(binary());
    command
        .env_remove("KUBEVALI_CONFIG")
        .env_remove("KUBEVALI_LOG");
    command
}

fn dry_run(config: &Path, hostname: &str) -> Output {
    kubevali()
        .arg("--config")
        .arg(config)
        .arg("--dry-run")
        .env("HOSTNAME", hostname)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn example_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kubevali.yaml")
}

#[test]
fn example_renders_like_the_original_readme() {
    let output = dry_run(&example_config(), "sts-pod-2");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            r#"INFO Starting node: "darwinia" "--validator" "--name" "[KUBE-VALI] Development 02" "--port" "30335" "--rpc-port" "9935" "--ws-port" "9946""#
        ),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        stdout(&output),
        "darwinia --validator --name '[KUBE-VALI] Development 02' --port 30335 --rpc-port 9935 \
         --ws-port 9946\n"
    );
}

#[test]
fn index_reaches_every_template() {
    let config_dir = Scratch::new("config");
    let config = config_dir.config(
        "nodeTemplate:\n  command: ['node-{{ .Index }}']\n  args:\n    p: '{{ .Index }}'\n",
    );
    let output = dry_run(&config, "darwinia-crab-10");
    assert_eq!(stdout(&output), "node-10 -p 10\n", "{}", stderr(&output));
}

#[test]
fn every_arg_type_and_flag_spelling() {
    let config_dir = Scratch::new("config");
    let config = config_dir.config(
        r#"nodeTemplate:
  index: "1"
  command: [darwinia, "{{ if eq .Index 0 }}--alice{{ end }}", --chain, crab]
  args:
    name: "node {{ .Index }}"
    d: /data
    --raw-flag: as-is
    port: 30333
    ratio: 1.50
    validator: true
    rpc-external: false
    dropped: '{{ if eq .Index 0 }}yes{{ end }}'
    bootnodes:
      - /dns/a/tcp/30333
      - '{{ if eq .Index 0 }}skipped{{ end }}'
      - 7
"#,
    );
    let output = dry_run(&config, "ignored");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "darwinia --chain crab --raw-flag as-is --bootnodes /dns/a/tcp/30333 --bootnodes 7 \
         -d /data --name 'node 1' --port 30333 --ratio 1.50 --validator\n"
    );
}

/// What `--dry-run` prints must give the node's exact argv back when a shell
/// reads it, whatever characters the words hold.
#[test]
fn dry_run_output_is_exact_shell_input() {
    let nasty = [
        "it's",
        "a b",
        "$HOME",
        "`id`",
        "back\\slash",
        "new\nline",
        "tab\there",
        "*",
        "~",
        "\"q\"",
        "ünï",
        "",
    ];
    let mut yaml = String::from("nodeTemplate:\n  index: '0'\n  command:\n    - printf\n");
    for word in nasty {
        yaml.push_str(&format!("    - {}\n", serde_json::to_string(word).unwrap()));
    }
    let scratch = Scratch::new("nasty");
    let output = dry_run(&scratch.config(&yaml), "x");
    let line = stdout(&output);
    let replayed = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "for w in {}; do printf '[%s]' \"$w\"; done",
            line.trim_end().trim_start_matches("printf")
        ))
        .output()
        .unwrap();
    let expected: String = nasty
        .iter()
        .filter(|w| !w.is_empty())
        .map(|w| format!("[{w}]"))
        .collect();
    assert_eq!(
        String::from_utf8_lossy(&replayed.stdout),
        expected,
        "line: {line}"
    );
}

#[test]
fn help_and_version() {
    let help = kubevali().arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Usage: kubevali [OPTIONS]"));
    assert!(stdout(&help).contains("--dry-run"));
    let short = kubevali().arg("-h").output().unwrap();
    assert_eq!(short.stdout, help.stdout);

    let version = kubevali().arg("-V").output().unwrap();
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(
        stdout(&version),
        format!("kubevali {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    for (args, named) in [
        (&["--frobnicate"][..], "'--frobnicate'"),
        (&["-c"], "'-c'"),
        (&["--config="], "'--config'"),
        (&["extra"], "'extra'"),
        (&["--dry-run=1"], "'--dry-run'"),
    ] {
        let output = kubevali().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = stderr(&output);
        assert!(message.contains(named), "{args:?}: {message}");
        assert!(message.contains("try 'kubevali --help'"), "{message}");
        assert_eq!(message.lines().count(), 1, "{message}");
    }
}

#[test]
fn config_path_from_flag_forms_and_environment() {
    let config_dir = Scratch::new("config");
    let config = config_dir.config("nodeTemplate:\n  index: '0'\n  command: [from-file]\n");
    let equals = kubevali()
        .arg(format!("--config={}", config.display()))
        .arg("--dry-run")
        .output()
        .unwrap();
    assert_eq!(stdout(&equals), "from-file\n");

    let from_env = kubevali()
        .env("KUBEVALI_CONFIG", &config)
        .arg("--dry-run")
        .output()
        .unwrap();
    assert_eq!(stdout(&from_env), "from-file\n");

    let other_dir = Scratch::new("other");
    let other = other_dir.config("nodeTemplate:\n  index: '0'\n  command: [from-flag]\n");
    let flag_wins = kubevali()
        .env("KUBEVALI_CONFIG", &config)
        .arg("-c")
        .arg(&other)
        .arg("--dry-run")
        .output()
        .unwrap();
    assert_eq!(stdout(&flag_wins), "from-flag\n");

    let default = kubevali()
        .current_dir(config.parent().unwrap())
        .arg("--dry-run")
        .output()
        .unwrap();
    assert_eq!(stdout(&default), "from-file\n");
}

#[test]
fn logging_level_format_and_override() {
    let json_dir = Scratch::new("json");
    let json =
        json_dir.config("logging:\n  format: json\nnodeTemplate:\n  index: '0'\n  command: [x]\n");
    let output = dry_run(&json, "h");
    let line = stderr(&output);
    let record: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON object");
    assert_eq!(record["level"], "info");
    assert_eq!(record["msg"], "Starting node: \"x\"");
    assert!(record["ts"].as_str().unwrap().ends_with('Z'));

    let quiet_dir = Scratch::new("quiet");
    let quiet =
        quiet_dir.config("logging:\n  level: warn\nnodeTemplate:\n  index: '0'\n  command: [x]\n");
    assert_eq!(stderr(&dry_run(&quiet, "h")), "");
    let overridden = kubevali()
        .env("KUBEVALI_LOG", "info")
        .args(["--dry-run", "-c"])
        .arg(&quiet)
        .output()
        .unwrap();
    assert!(stderr(&overridden).contains("Starting node"));
}

/// One bad input: the config (or None to use `path_override`), the
/// environment's HOSTNAME, and what the one-line message must contain.
struct Bad {
    name: &'static str,
    yaml: &'static str,
    hostname: &'static str,
    expect: &'static [&'static str],
}

const WATCHLOG_OK: &str =
    "nodeTemplate:\n  index: '1'\n  command: [x]\nwatchlog:\n  enabled: true\n";

fn bad_inputs() -> Vec<Bad> {
    vec![
        Bad {
            name: "yaml syntax error",
            yaml: "nodeTemplate:\n  command: [x\n  index: '0'\n",
            hostname: "h-0",
            expect: &["kubevali.yaml:3:"],
        },
        Bad {
            name: "unknown key at the top",
            yaml: "nodeTemplates:\n  command: [x]\n",
            hostname: "h-0",
            expect: &[
                "kubevali.yaml:1:1: nodeTemplates: unknown field \"nodeTemplates\"; expected one of commonTemplate, nodeTemplate",
            ],
        },
        Bad {
            name: "unknown key in nodeTemplate",
            yaml: "nodeTemplate:\n  command: [x]\n  arg:\n    a: b\n",
            hostname: "h-0",
            expect: &[
                "kubevali.yaml:3:3: nodeTemplate.arg: unknown field \"arg\"; expected one of index, command, args",
            ],
        },
        Bad {
            name: "unknown key in watchlog",
            yaml: "nodeTemplate:\n  command: [x]\nwatchlog:\n  healthcheckIds: [a]\n",
            hostname: "h-0",
            expect: &[
                "kubevali.yaml:4:3: watchlog.healthcheckIds: unknown field",
                "healthcheckIDs",
            ],
        },
        Bad {
            name: "command of the wrong type",
            yaml: "nodeTemplate:\n  command: darwinia\n",
            hostname: "h-0",
            expect: &["kubevali.yaml:2:12: nodeTemplate.command: invalid type"],
        },
        Bad {
            name: "boolean of the wrong type",
            yaml: "nodeTemplate:\n  command: [x]\nwatchlog:\n  enabled: 'yes'\n",
            hostname: "h-0",
            expect: &["kubevali.yaml:4:12: watchlog.enabled: invalid type"],
        },
        Bad {
            name: "empty command",
            yaml: "nodeTemplate:\n  command: []\n",
            hostname: "h-0",
            expect: &["kubevali.yaml:2:12: nodeTemplate.command: needs at least one item"],
        },
        Bad {
            name: "command rendering to nothing",
            yaml: "nodeTemplate:\n  command: ['{{ if false }}x{{ end }}', '']\n",
            hostname: "h-0",
            expect: &["kubevali.yaml:2:12: nodeTemplate.command: every item rendered to \"\""],
        },
        Bad {
            name: "bad duration",
            yaml: "nodeTemplate:\n  command: [x]\nwatchlog:\n  lastThreshold: 10 minutes\n",
            hostname: "h-0",
            expect: &[
                "kubevali.yaml:4:18: watchlog.lastThreshold: invalid duration \"10 minutes\"",
            ],
        },
        Bad {
            name: "index that is not an integer",
            yaml: "nodeTemplate:\n  index: '{{ .Index }}-a'\n  command: [x]\n",
            hostname: "h-0",
            expect: &[
                "kubevali.yaml:2:10: nodeTemplate.index: rendered \"0-a\", which is not a non-negative integer",
            ],
        },
        Bad {
            name: "HOSTNAME without an ordinal",
            yaml: "nodeTemplate:\n  command: [x]\n",
            hostname: "validator",
            expect: &[
                "kubevali.yaml:2:3: nodeTemplate.index: rendered \"validator\"",
                "HOSTNAME=\"validator\" has no -<ordinal> suffix",
                "index: \"0\"",
            ],
        },
        Bad {
            name: "too few healthcheck IDs",
            yaml: "nodeTemplate:\n  index: '1'\n  command: [x]\nwatchlog:\n  enabled: true\n  keyword: Prepared block\n  lastThreshold: 1h\n  healthcheckIDs: [only-one]\n",
            hostname: "h-0",
            expect: &[
                "kubevali.yaml:8:19: watchlog.healthcheckIDs: lists 1 check ID(s), but this replica has .Index 1",
            ],
        },
        Bad {
            name: "template parse error in args.port",
            yaml: "nodeTemplate:\n  command: [x]\n  args:\n    port: '{{ add 30333 .Index'\n",
            hostname: "h-0",
            expect: &[
                "kubevali.yaml: nodeTemplate.args.port:1:",
                "unclosed action",
            ],
        },
        Bad {
            name: "unknown template function",
            yaml: "nodeTemplate:\n  command: [x]\n  args:\n    name: '{{ splitlist \"-\" \"a-b\" }}'\n",
            hostname: "h-0",
            expect: &[
                "kubevali.yaml: nodeTemplate.args.name:1:",
                "\"splitlist\"",
                "did you mean \"splitList\"?",
            ],
        },
        Bad {
            name: "nodeStdout: file",
            yaml: "nodeTemplate:\n  command: [x]\nnodeStdout: file\n",
            hostname: "h-0",
            expect: &[
                "kubevali.yaml:3:13: nodeStdout: unknown variant \"file\", expected \"stdout\" or \"stderr\"",
            ],
        },
        Bad {
            name: "null arg value",
            yaml: "nodeTemplate:\n  command: [x]\n  args:\n    port:\n",
            hostname: "h-0",
            expect: &[
                "kubevali.yaml:4:",
                "nodeTemplate.args.port: null is not a value",
            ],
        },
        Bad {
            name: "nested map arg",
            yaml: "nodeTemplate:\n  command: [x]\n  args:\n    rpc:\n      port: 9933\n",
            hostname: "h-0",
            expect: &["kubevali.yaml:5:7: nodeTemplate.args.rpc: a map is not a value"],
        },
        Bad {
            name: "null list item",
            yaml: "nodeTemplate:\n  command: [x]\n  args:\n    bootnodes: [a, null]\n",
            hostname: "h-0",
            expect: &["kubevali.yaml:4:20: nodeTemplate.args.bootnodes[1]: null is not a value"],
        },
        Bad {
            name: "lastThreshold under 1s",
            yaml: "nodeTemplate:\n  command: [x]\nwatchlog:\n  lastThreshold: 999ms\n",
            hostname: "h-0",
            expect: &["kubevali.yaml:4:18: watchlog.lastThreshold: must be at least 1s, got 999ms"],
        },
        Bad {
            name: "watchlog enabled without keyword",
            yaml: "nodeTemplate:\n  command: [x]\nwatchlog:\n  enabled: true\n  lastThreshold: 1h\n  healthcheckIDs: [a]\n",
            hostname: "h-0",
            expect: &["kubevali.yaml:4:3: watchlog.keyword: must be set when watchlog is enabled"],
        },
        Bad {
            name: "watchlog enabled without IDs",
            yaml: "nodeTemplate:\n  command: [x]\nwatchlog:\n  enabled: true\n  keyword: k\n  lastThreshold: 1h\n",
            hostname: "h-0",
            expect: &[
                "kubevali.yaml:4:3: watchlog.healthcheckIDs: must list at least one check ID",
            ],
        },
        Bad {
            name: "ping base URL without scheme",
            yaml: "nodeTemplate:\n  command: [x]\nwatchlog:\n  pingBaseURL: hc-ping.com\n",
            hostname: "h-0",
            expect: &[
                "kubevali.yaml:4:16: watchlog.pingBaseURL: \"hc-ping.com\" must start with http:// or https://",
            ],
        },
        Bad {
            name: "unknown stop signal",
            yaml: "nodeTemplate:\n  command: [x]\nstopSignal: SIGSTOPIT\n",
            hostname: "h-0",
            expect: &["kubevali.yaml:3:13: stopSignal: unknown signal \"SIGSTOPIT\""],
        },
        Bad {
            name: "node port out of range",
            yaml: "nodeTemplate:\n  index: '0'\n  command: [x]\nnodeService:\n  enabled: true\n  nodePortTemplate: '{{ add 40000 .Index }}'\n",
            hostname: "h-0",
            expect: &[
                "kubevali.yaml:6:21: nodeService.nodePortTemplate: rendered \"40000\", which is not a node port in 30000-32767",
            ],
        },
        Bad {
            name: "template execution error in commonTemplate use",
            yaml: "commonTemplate: '{{ define \"p\" }}{{ div 1 0 }}{{ end }}'\nnodeTemplate:\n  index: '0'\n  command: ['{{ template \"p\" . }}']\n",
            hostname: "h-0",
            expect: &[
                "kubevali.yaml: nodeTemplate.command[0]:",
                "division by zero",
            ],
        },
        Bad {
            name: "logging level unknown",
            yaml: "logging:\n  level: loud\nnodeTemplate:\n  command: [x]\n",
            hostname: "h-0",
            expect: &["kubevali.yaml:2:10: logging.level: unknown variant \"loud\""],
        },
    ]
}

#[test]
fn bad_configs_exit_2_naming_file_path_and_line() {
    let _ = WATCHLOG_OK;
    let mut failures = Vec::new();
    for bad in bad_inputs() {
        let scratch = Scratch::new("bad");
        let dir = scratch.path();
        scratch.config(bad.yaml);
        // Run from the config's directory so the message says "kubevali.yaml".
        let output = kubevali()
            .current_dir(dir)
            .arg("--dry-run")
            .env("HOSTNAME", bad.hostname)
            .output()
            .unwrap();
        let message = stderr(&output);
        let ok = output.status.code() == Some(2)
            && bad.expect.iter().all(|needle| message.contains(needle))
            && message.lines().count() == 1
            && output.stdout.is_empty();
        if !ok {
            failures.push(format!(
                "{}: exit {:?}, stderr: {message}",
                bad.name,
                output.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unusable_files_exit_2_naming_the_file() {
    let scratch = Scratch::new("unusable");
    let dir = scratch.path().to_path_buf();
    let missing = dir.join("missing.yaml");
    let empty = dir.join("empty.yaml");
    std::fs::write(&empty, "# nothing here\n").unwrap();
    let binary = dir.join("binary.yaml");
    std::fs::write(&binary, b"nodeTemplate:\n  command: [\xff]\n").unwrap();
    for (path, needle) in [
        (
            &missing,
            "cannot read the config file: No such file or directory",
        ),
        (&dir, "is a directory, not a config file"),
        (&empty, "the config file is empty"),
        (&binary, "not UTF-8 text"),
    ] {
        let output = kubevali().arg("-c").arg(path).output().unwrap();
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains(needle), "{message}");
    }
}

/// Root reads any file, so the unreadable case runs the binary as nobody.
#[test]
fn unreadable_file_exits_2() {
    let scratch = Scratch::new("unreadable");
    let dir = scratch.path().to_path_buf();
    let path = dir.join("secret.yaml");
    std::fs::write(&path, "nodeTemplate:\n  command: [x]\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let is_root = unsafe { libc_geteuid() } == 0;
    let output = if is_root {
        // A copy of the binary where nobody may run it.
        let binary = dir.join("kubevali");
        std::fs::copy(support::binary(), &binary).unwrap();
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&binary)
            .arg("-c")
            .arg(&path)
            .output()
            .expect("setpriv (util-linux) runs the test as nobody")
    } else {
        kubevali().arg("-c").arg(&path).output().unwrap()
    };
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(
        message.contains("secret.yaml: cannot read the config file: Permission denied"),
        "{message}"
    );
}

unsafe extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}
