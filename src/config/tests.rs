//! The loader from text to validated config, error messages included.

use std::time::Duration;

use super::*;
fn source(text: &str) -> Source {
    Source {
        file: "kubevali.yaml".to_owned(),
        text: text.to_owned(),
    }
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    source(text).parse()
}

fn error(text: &str) -> String {
    parse(text)
        .expect_err("config should be rejected")
        .to_string()
}

const MINIMAL: &str = "nodeTemplate:\n  command: [darwinia]\n";

#[test]
fn defaults() {
    let config = parse(MINIMAL).unwrap();
    assert_eq!(config.node_template.index, DEFAULT_INDEX_TEMPLATE);
    assert_eq!(config.node_stdout, Stream::Stdout);
    assert_eq!(config.node_stderr, Stream::Stdout);
    assert_eq!(config.stop_signal, libc::SIGTERM);
    assert_eq!(config.stop_timeout, Duration::from_secs(60));
    assert!(!config.watchlog.enabled);
    assert_eq!(config.watchlog.ping_base_url, "https://hc-ping.com");
    assert_eq!(config.watchlog.ping_interval, Duration::from_secs(60));
    assert_eq!(config.watchlog.ping_timeout, Duration::from_secs(10));
    assert_eq!(config.logging.format, LogFormat::Console);
}

#[test]
fn arg_shapes() {
    let config = parse(
        "nodeTemplate:\n  command: [darwinia]\n  args:\n    name: 'n{{ .Index }}'\n    \
         port: 30333\n    ratio: 1.50\n    hex: 0x1F\n    validator: true\n    \
         rpc-external: false\n    bootnodes: [a, 2, 3.0]\n",
    )
    .unwrap();
    let args = &config.node_template.args;
    assert_eq!(args["name"], ArgValue::Template("n{{ .Index }}".into()));
    assert_eq!(args["port"], ArgValue::Number("30333".into()));
    assert_eq!(args["ratio"], ArgValue::Number("1.50".into()));
    assert_eq!(args["hex"], ArgValue::Number("0x1F".into()));
    assert_eq!(args["validator"], ArgValue::Switch(true));
    assert_eq!(args["rpc-external"], ArgValue::Switch(false));
    assert_eq!(
        args["bootnodes"],
        ArgValue::List(vec![
            ArgItem::Template("a".into()),
            ArgItem::Number("2".into()),
            ArgItem::Number("3.0".into()),
        ])
    );
}

#[test]
fn unknown_keys_at_every_depth() {
    assert_eq!(
        error("nodeTemplates:\n  command: [x]\n"),
        "kubevali.yaml:1:1: nodeTemplates: unknown field \"nodeTemplates\"; expected one of \
         commonTemplate, nodeTemplate, watchlog, nodeService, nodeStdout, nodeStderr, \
         logging, stopSignal, stopTimeout, http"
    );
    let nested = error("nodeTemplate:\n  command: [x]\n  argz: {}\n");
    assert!(
        nested.starts_with("kubevali.yaml:3:3: nodeTemplate.argz: unknown field"),
        "{nested}"
    );
    let deeper = error("nodeTemplate:\n  command: [x]\nwatchlog:\n  keywrd: x\n");
    assert!(
        deeper.starts_with("kubevali.yaml:4:3: watchlog.keywrd: unknown field"),
        "{deeper}"
    );
}

#[test]
fn bad_values_name_path_and_line() {
    let null = error("nodeTemplate:\n  command: [x]\n  args:\n    port: ~\n");
    assert!(
        null.starts_with("kubevali.yaml:4:11: nodeTemplate.args.port: null"),
        "{null}"
    );
    let map = error("nodeTemplate:\n  command: [x]\n  args:\n    port: {a: 1}\n");
    assert!(
        map.starts_with("kubevali.yaml:4:11: nodeTemplate.args.port: a map"),
        "{map}"
    );
    let item = error("nodeTemplate:\n  command: [x]\n  args:\n    b: [x, ~]\n");
    assert!(item.contains("nodeTemplate.args.b[1]: null"), "{item}");
    let stream = error("nodeStdout: file\nnodeTemplate:\n  command: [x]\n");
    assert!(
        stream.starts_with("kubevali.yaml:1:13: nodeStdout: unknown variant"),
        "{stream}"
    );
    let duration = error("nodeTemplate:\n  command: [x]\nstopTimeout: 10 minutes\n");
    assert!(
        duration.contains("kubevali.yaml:3:14: stopTimeout: invalid duration \"10 minutes\""),
        "{duration}"
    );
    let signal = error("nodeTemplate:\n  command: [x]\nstopSignal: SIGFOO\n");
    assert!(
        signal.contains("stopSignal: unknown signal \"SIGFOO\""),
        "{signal}"
    );
    let wrong_type = error("nodeTemplate:\n  command: darwinia\n");
    assert!(
        wrong_type.starts_with("kubevali.yaml:2:12: nodeTemplate.command: invalid type"),
        "{wrong_type}"
    );
}

#[test]
fn validation_after_parsing_points_at_the_key() {
    assert_eq!(
        error("nodeTemplate:\n  command: []\n"),
        "kubevali.yaml:2:12: nodeTemplate.command: needs at least one item: the node's executable"
    );
    let no_keyword = error(&format!(
        "{MINIMAL}watchlog:\n  enabled: true\n  lastThreshold: 1h\n  healthcheckIDs: [a]\n"
    ));
    assert!(
        no_keyword.starts_with("kubevali.yaml:4:3: watchlog.keyword: must be set"),
        "{no_keyword}"
    );
    let short = error(&format!("{MINIMAL}watchlog:\n  lastThreshold: 500ms\n"));
    assert_eq!(
        short,
        "kubevali.yaml:4:18: watchlog.lastThreshold: must be at least 1s, got 500ms"
    );
}

#[test]
fn empty_documents_are_errors() {
    assert!(matches!(parse(""), Err(ConfigError::Empty { .. })));
    assert!(matches!(
        parse("# only a comment\n"),
        Err(ConfigError::Empty { .. })
    ));
    let missing_command = error("nodeTemplate: {}\n");
    assert!(
        missing_command.contains("nodeTemplate: missing field \"command\""),
        "{missing_command}"
    );
}

#[test]
fn http_listen_is_checked_at_load() {
    let config = parse(&format!("{MINIMAL}http:\n  listen: \":9616\"\n")).unwrap();
    assert_eq!(config.http.map(|h| h.listen), Some(Listen::Any(9616)));
    assert_eq!(parse(MINIMAL).unwrap().http, None);
    let bad = error(&format!("{MINIMAL}http:\n  listen: \"example.com:80\"\n"));
    assert!(
        bad.starts_with("kubevali.yaml:4:11: http.listen: \"example.com:80\": the host"),
        "{bad}"
    );
    let number = error(&format!("{MINIMAL}http:\n  listen: 9616\n"));
    assert!(
        number.contains("http.listen: \"9616\": no port"),
        "{number}"
    );
    let missing = error(&format!("{MINIMAL}http: {{}}\n"));
    assert!(
        missing.contains("http: missing field \"listen\""),
        "{missing}"
    );
}
