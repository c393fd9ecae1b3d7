//! Issue 12's cases through the real binary: what `--dry-run` prints is a
//! line `sh` reads back as exactly the argv bytes the templates rendered,
//! and a real run hands the node those bytes.

mod support;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Output};

use support::Scratch;

/// kubevali with `--config config`, a small known environment and `env`.
fn kubevali(config: &Path, env: &[(&str, &[u8])]) -> Command {
    let mut command = support::kubevali(config);
    command.env_clear().env("PATH", "/usr/bin:/bin");
    for (name, value) in env {
        command.env(name, OsStr::from_bytes(value));
    }
    command
}

fn dry_run(config: &Path, env: &[(&str, &[u8])]) -> Output {
    kubevali(config, env).arg("--dry-run").output().unwrap()
}

/// What `sh` makes of the dry-run line: each word, NUL-terminated.
fn words_as_sh_reads_them(line: &[u8]) -> Vec<Vec<u8>> {
    let line = line.strip_suffix(b"\n").expect("one line");
    let mut script = b"for word in ".to_vec();
    script.extend_from_slice(line);
    script.extend_from_slice(b"; do printf '%s\\0' \"$word\"; done");
    let output = Command::new("/bin/sh")
        .arg("-c")
        .arg(OsStr::from_bytes(&script))
        .output()
        .unwrap();
    assert!(output.status.success(), "{:?}", output);
    output
        .stdout
        .split(|&b| b == 0)
        .filter(|w| !w.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn config(common: &str, args: &str) -> String {
    format!(
        "commonTemplate: {common}\nnodeTemplate:\n  index: '0'\n  command: [/bin/true]\n  \
         args:\n{args}"
    )
}

/// The argv of a dry run, as `sh` would pass it on.
fn argv_of(yaml: &str, env: &[(&str, &[u8])]) -> Vec<Vec<u8>> {
    let scratch = Scratch::new("bytes");
    let output = dry_run(&scratch.config(yaml), env);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    words_as_sh_reads_them(&output.stdout)
}

fn words(list: &[&[u8]]) -> Vec<Vec<u8>> {
    list.iter().map(|w| w.to_vec()).collect()
}

#[test]
fn values_without_actions_leave_their_flags_out() {
    // A block scalar: the common text's top level is "\n\n" between the
    // defines, which used to come out as `--telemetry-url '\n\n'`.
    let common = "|\n  {{ define \"a\" }}A{{ end }}\n\n  {{ define \"b\" }}B{{ end }}\n";
    let args = "    telemetry-url: ''\n    rpc-cors: '{{/* off */}}'\n    only-defines: \
                '{{ define \"c\" }}C{{ end }}'\n    blank: ' '\n    a: '{{ template \"a\" }}'\n";
    assert_eq!(
        argv_of(&config(common, args), &[]),
        words(&[b"/bin/true", b"-a", b"A", b"--blank", b" "])
    );
}

#[test]
fn include_sees_only_the_common_templates() {
    let scratch = Scratch::new("bytes");
    let yaml = config(
        "''",
        "    x: '{{ define \"new\" }}{{ end }}{{ include \"new\" . }}'\n",
    );
    let output = dry_run(&scratch.config(&yaml), &[]);
    let message = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("nodeTemplate.args.x"), "{message}");
    assert!(
        message.contains("no template \\\"new\\\" associated with template \\\"\\\"")
            || message.contains(r#"no template "new" associated with template """#),
        "{message}"
    );
    let yaml = config(
        "'{{ define \"greet\" }}{{ . }}{{ end }}'",
        "    x: '{{ define \"greet\" }}o{{ end }}{{ include \"greet\" . }}'\n",
    );
    assert_eq!(argv_of(&yaml, &[]), words(&[b"/bin/true", b"-x", b"{0}"]));
}

#[test]
fn include_of_the_empty_name_runs_the_common_top_level() {
    let yaml = config(
        "'top{{ .Index }}'",
        "    top: '{{ include \"\" . }}'\n    nl: \"\\n\"\n    empty: ''\n",
    );
    assert_eq!(
        argv_of(&yaml, &[]),
        words(&[b"/bin/true", b"--nl", b"\n", b"--top", b"top0"])
    );
}

#[test]
fn strings_are_bytes_end_to_end() {
    let args = "    len: '{{ len (substr 0 4 \"日本\") }}'\n    \
                joined: '{{ substr 0 1 \"é\" }}{{ substr 1 2 \"é\" }}'\n    \
                roundtrip: '{{ b64enc (b64dec \"gA==\") }}'\n    \
                quoted: '{{ quote (b64dec \"/w==\") }}'\n    \
                raw: '{{ b64dec \"/w==\" }}'\n    \
                env: 'pre-{{ env \"W\" }}-post'\n";
    assert_eq!(
        argv_of(&config("''", args), &[("W", b"\xff")]),
        words(&[
            b"/bin/true",
            b"--env",
            b"pre-\xff-post",
            b"--joined",
            "é".as_bytes(),
            b"--len",
            b"4",
            b"--quoted",
            br#""\xff""#,
            b"--raw",
            b"\xff",
            b"--roundtrip",
            b"gA==",
        ])
    );
}

#[test]
fn the_node_receives_the_bytes() {
    let scratch = Scratch::new("bytes");
    let out = scratch.join("argv");
    let yaml = format!(
        "nodeTemplate:\n  index: '0'\n  command: [/bin/sh, -c, 'printf \"%s\" \"$2\" > \"$0\"', \
         {}]\n  args:\n    raw: 'pre-{{{{ b64dec \"/w==\" }}}}-{{{{ env \"W\" }}}}'\n",
        out.display()
    );
    let output = kubevali(&scratch.config(&yaml), &[("W", b"\xfe")])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"pre-\xff-\xfe");
    // The log line quotes it the way Go's %q does.
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains(r#""--raw" "pre-\xff-\xfe""#), "{log}");
}

#[test]
fn index_of_a_string_is_a_uint8_and_case_follows_go() {
    let args = "    t: '{{ printf \"%T %#v\" (index \"é\" 0) (index \"é\" 0) }}'\n    \
                u: '{{ \"ᾀ\" | upper }}{{ \"ƛ\" | upper }}{{ \"ß\" | upper }}'\n    \
                v: '{{ \"ᾳ\" | title }} {{ \"ანა\" | title }}'\n    \
                w: '{{ printf \"\" (index \"é\" 0) }}'\n";
    assert_eq!(
        argv_of(&config("''", args), &[]),
        words(&[
            b"/bin/true",
            b"-t",
            b"uint8 0xc3",
            b"-u",
            "ᾈƛß".as_bytes(),
            b"-v",
            "ᾼ ანა".as_bytes(),
            b"-w",
            b"%!(EXTRA uint8=195)",
        ])
    );
    let scratch = Scratch::new("bytes");
    let yaml = config("''", "    n: '{{ until (index \"a\" 0) }}'\n");
    let output = dry_run(&scratch.config(&yaml), &[]);
    let message = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(
        message.contains("wrong type for value; expected int; got uint8"),
        "{message}"
    );
}

#[test]
fn a_hostname_that_is_not_utf8_is_shown_escaped() {
    let scratch = Scratch::new("bytes");
    let yaml = "nodeTemplate:\n  command: [/bin/true]\n";
    let output = dry_run(&scratch.config(yaml), &[("HOSTNAME", b"pod-\xff")]);
    let message = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains(r#"HOSTNAME="pod-\xff""#), "{message}");
}
