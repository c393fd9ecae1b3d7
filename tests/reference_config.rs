//! `docs/kubevali.yaml` documents every key; loading it with the real loader
//! keeps it from drifting away from what kubevali accepts.

use std::path::Path;

use kubevali::config::{self, ArgValue, LogFormat, Stream};
use kubevali::template::Templates;

#[test]
fn reference_config_loads_and_sets_every_section() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/kubevali.yaml");
    let (config, _source) = config::load(&path).expect("docs/kubevali.yaml must load");
    assert!(!config.common_template.is_empty());
    assert_eq!(config.node_template.index, config::DEFAULT_INDEX_TEMPLATE);
    assert!(matches!(
        config.node_template.args["in-peers"],
        ArgValue::Number(_)
    ));
    assert!(matches!(
        config.node_template.args["bootnodes"],
        ArgValue::List(_)
    ));
    assert_eq!(config.node_stdout, Stream::Stdout);
    assert_eq!(config.watchlog.keyword, "Prepared block");
    assert_eq!(config.watchlog.healthcheck_ids.len(), 2);
    assert!(!config.node_service.node_port_template.is_empty());
    assert_eq!(config.logging.format, LogFormat::Console);
    assert_eq!(config.stop_signal, 15);
}

#[test]
fn reference_templates_all_parse() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/kubevali.yaml");
    let (config, _source) = config::load(&path).unwrap();
    let templates = Templates::new(&config.common_template).expect("commonTemplate parses");
    let node = &config.node_template;
    let mut sources: Vec<&str> = vec![&node.index, &config.node_service.node_port_template];
    sources.extend(node.command.iter().map(String::as_str));
    for value in node.args.values() {
        match value {
            ArgValue::Template(source) => sources.push(source),
            ArgValue::List(items) => sources.extend(items.iter().filter_map(|item| match item {
                config::ArgItem::Template(source) => Some(source.as_str()),
                config::ArgItem::Number(_) => None,
            })),
            _ => {}
        }
    }
    for source in sources {
        templates
            .check(source)
            .unwrap_or_else(|e| panic!("{source:?}: {e}"));
    }
}
