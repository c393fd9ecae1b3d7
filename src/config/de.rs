//! From the YAML tree to a [`Config`]: every key checked against the schema,
//! every value against its type, each mistake reported at its own line.
//!
//! Written by hand rather than derived: the tree knows every value's
//! position and the text each scalar was written with, which serde's data
//! model would throw away (numbers would arrive converted, positions not at
//! all).

use std::collections::BTreeMap;
use std::time::Duration;

use super::error::ConfigError;
use super::path::FieldPath;
use super::schema::*;
use super::source::Source;
use super::tree::{Node, ScalarKind, Value};
use crate::duration;

const TOP_FIELDS: &[&str] = &[
    "commonTemplate",
    "nodeTemplate",
    "watchlog",
    "nodeService",
    "nodeStdout",
    "nodeStderr",
    "logging",
    "stopSignal",
    "stopTimeout",
    "http",
];
const NODE_TEMPLATE_FIELDS: &[&str] = &["index", "command", "args"];
const WATCHLOG_FIELDS: &[&str] = &[
    "enabled",
    "keyword",
    "lastThreshold",
    "healthcheckIDs",
    "pingKey",
    "slug",
    "pingBaseURL",
    "pingInterval",
    "pingTimeout",
];
const NODE_SERVICE_FIELDS: &[&str] = &["enabled", "forceUpdate", "nodePortTemplate"];
const LOGGING_FIELDS: &[&str] = &["level", "format"];
const HTTP_FIELDS: &[&str] = &["listen"];

const ARG_EXPECTED: &str = "a string, a number, true/false or a list of strings and numbers";

/// Reads the whole config from the document's root node.
pub(super) fn config(source: &Source, root: &Node) -> Result<Config, ConfigError> {
    let reader = Reader { source };
    let top = FieldPath::default();
    let fields = reader.fields(root, &top, TOP_FIELDS)?;
    let mut config = Config {
        common_template: String::new(),
        node_template: NodeTemplate {
            index: DEFAULT_INDEX_TEMPLATE.to_owned(),
            command: Vec::new(),
            args: BTreeMap::new(),
        },
        watchlog: Watchlog::default(),
        node_service: NodeService::default(),
        node_stdout: Stream::Stdout,
        node_stderr: Stream::Stdout,
        logging: Logging::default(),
        stop_signal: DEFAULT_STOP_SIGNAL,
        stop_timeout: DEFAULT_STOP_TIMEOUT,
        http: None,
    };
    let mut node_template = None;
    for (name, value) in fields {
        let at = top.key(name);
        match name {
            "commonTemplate" => config.common_template = reader.string(value, &at)?,
            "nodeTemplate" => node_template = Some(reader.node_template(value, &at)?),
            "watchlog" => config.watchlog = reader.watchlog(value, &at)?,
            "nodeService" => config.node_service = reader.node_service(value, &at)?,
            "nodeStdout" => config.node_stdout = reader.stream(value, &at)?,
            "nodeStderr" => config.node_stderr = reader.stream(value, &at)?,
            "logging" => config.logging = reader.logging(value, &at)?,
            "stopSignal" => config.stop_signal = reader.signal(value, &at)?,
            "stopTimeout" => config.stop_timeout = reader.duration(value, &at)?,
            "http" => config.http = Some(reader.http(value, &at)?),
            _ => {}
        }
    }
    config.node_template =
        node_template.ok_or_else(|| reader.error(root, &top, "missing field \"nodeTemplate\""))?;
    Ok(config)
}

struct Reader<'a> {
    source: &'a Source,
}

impl Reader<'_> {
    fn error(&self, node: &Node, path: &FieldPath, message: impl Into<String>) -> ConfigError {
        self.source.invalid_at(Some(node.pos), path, message)
    }

    fn invalid_type(&self, node: &Node, path: &FieldPath, expected: &str) -> ConfigError {
        let found = describe(node.resolved());
        self.error(
            node,
            path,
            format!("invalid type: {found}, expected {expected}"),
        )
    }

    /// The entries of a map of settings, every key one of `allowed`.
    fn fields<'n>(
        &self,
        node: &'n Node,
        path: &FieldPath,
        allowed: &[&str],
    ) -> Result<Vec<(&'n str, &'n Node)>, ConfigError> {
        let Value::Map(entries) = &node.resolved().value else {
            return Err(self.invalid_type(node, path, "a map of settings"));
        };
        let mut fields = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let name = key_text(key);
            if !allowed.contains(&name) {
                return Err(self.error(
                    key,
                    &path.key(name),
                    format!(
                        "unknown field {name:?}; expected {}",
                        one_of(allowed, false)
                    ),
                ));
            }
            fields.push((name, value.as_ref()));
        }
        Ok(fields)
    }

    fn node_template(&self, node: &Node, path: &FieldPath) -> Result<NodeTemplate, ConfigError> {
        let mut template = NodeTemplate {
            index: DEFAULT_INDEX_TEMPLATE.to_owned(),
            command: Vec::new(),
            args: BTreeMap::new(),
        };
        let mut command = None;
        for (name, value) in self.fields(node, path, NODE_TEMPLATE_FIELDS)? {
            let at = path.key(name);
            match name {
                "index" => template.index = self.string(value, &at)?,
                "command" => command = Some(self.strings(value, &at)?),
                "args" => template.args = self.args(value, &at)?,
                _ => {}
            }
        }
        template.command =
            command.ok_or_else(|| self.error(node, path, "missing field \"command\""))?;
        Ok(template)
    }

    fn watchlog(&self, node: &Node, path: &FieldPath) -> Result<Watchlog, ConfigError> {
        let mut watchlog = Watchlog::default();
        for (name, value) in self.fields(node, path, WATCHLOG_FIELDS)? {
            let at = path.key(name);
            match name {
                "enabled" => watchlog.enabled = self.bool(value, &at)?,
                "keyword" => watchlog.keyword = self.string(value, &at)?,
                "lastThreshold" => watchlog.last_threshold = Some(self.duration(value, &at)?),
                "healthcheckIDs" => watchlog.healthcheck_ids = self.strings(value, &at)?,
                "pingKey" => watchlog.ping_key = Some(self.string(value, &at)?),
                "slug" => watchlog.slug = Some(self.string(value, &at)?),
                "pingBaseURL" => watchlog.ping_base_url = self.string(value, &at)?,
                "pingInterval" => watchlog.ping_interval = self.duration(value, &at)?,
                "pingTimeout" => watchlog.ping_timeout = self.duration(value, &at)?,
                _ => {}
            }
        }
        Ok(watchlog)
    }

    fn http(&self, node: &Node, path: &FieldPath) -> Result<Http, ConfigError> {
        let mut listen = None;
        for (name, value) in self.fields(node, path, HTTP_FIELDS)? {
            let at = path.key(name);
            if name == "listen" {
                let text = self.string(value, &at)?;
                listen = Some(super::listen::parse(&text).map_err(|e| self.error(value, &at, e))?);
            }
        }
        let listen = listen.ok_or_else(|| self.error(node, path, "missing field \"listen\""))?;
        Ok(Http { listen })
    }

    fn node_service(&self, node: &Node, path: &FieldPath) -> Result<NodeService, ConfigError> {
        let mut service = NodeService::default();
        for (name, value) in self.fields(node, path, NODE_SERVICE_FIELDS)? {
            let at = path.key(name);
            match name {
                "enabled" => service.enabled = self.bool(value, &at)?,
                "forceUpdate" => service.force_update = self.bool(value, &at)?,
                "nodePortTemplate" => service.node_port_template = self.string(value, &at)?,
                _ => {}
            }
        }
        Ok(service)
    }

    fn logging(&self, node: &Node, path: &FieldPath) -> Result<Logging, ConfigError> {
        let mut logging = Logging::default();
        for (name, value) in self.fields(node, path, LOGGING_FIELDS)? {
            let at = path.key(name);
            match name {
                "level" => {
                    logging.level = Some(self.variant(
                        value,
                        &at,
                        &[
                            ("off", LogLevel::Off),
                            ("error", LogLevel::Error),
                            ("warn", LogLevel::Warn),
                            ("info", LogLevel::Info),
                            ("debug", LogLevel::Debug),
                            ("trace", LogLevel::Trace),
                            ("warning", LogLevel::Warn),
                        ],
                        6,
                    )?)
                }
                "format" => {
                    logging.format = self.variant(
                        value,
                        &at,
                        &[("console", LogFormat::Console), ("json", LogFormat::Json)],
                        2,
                    )?
                }
                _ => {}
            }
        }
        Ok(logging)
    }

    fn stream(&self, node: &Node, path: &FieldPath) -> Result<Stream, ConfigError> {
        self.variant(
            node,
            path,
            &[("stdout", Stream::Stdout), ("stderr", Stream::Stderr)],
            2,
        )
    }

    /// One of a fixed set of words; the first `shown` are listed in the
    /// error (the rest are accepted spellings).
    fn variant<T: Copy>(
        &self,
        node: &Node,
        path: &FieldPath,
        variants: &[(&str, T)],
        shown: usize,
    ) -> Result<T, ConfigError> {
        let text = self.string(node, path)?;
        variants
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, value)| *value)
            .ok_or_else(|| {
                let names: Vec<&str> = variants.iter().take(shown).map(|(n, _)| *n).collect();
                self.error(
                    node,
                    path,
                    format!(
                        "unknown variant {text:?}, expected {}",
                        one_of(&names, true)
                    ),
                )
            })
    }

    /// Any scalar but null, as written: `index: 0` is the text "0".
    fn string(&self, node: &Node, path: &FieldPath) -> Result<String, ConfigError> {
        match &node.resolved().value {
            Value::Scalar(scalar) if scalar.kind == ScalarKind::Null => Err(self.error(
                node,
                path,
                format!(
                    "null ({:?}) is not a value; write a string, quoted if it is \"~\" or \
                     \"null\", or leave the key out",
                    scalar.text
                ),
            )),
            Value::Scalar(scalar) => Ok(scalar.text.clone()),
            _ => Err(self.invalid_type(node, path, "a string")),
        }
    }

    fn strings(&self, node: &Node, path: &FieldPath) -> Result<Vec<String>, ConfigError> {
        let Value::Seq(items) = &node.resolved().value else {
            return Err(self.invalid_type(node, path, "a sequence"));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.string(item, &path.index(i)))
            .collect()
    }

    fn bool(&self, node: &Node, path: &FieldPath) -> Result<bool, ConfigError> {
        match &node.resolved().value {
            Value::Scalar(scalar) => match scalar.kind {
                ScalarKind::Bool(value) => Ok(value),
                _ => Err(self.invalid_type(node, path, "a boolean (true or false)")),
            },
            _ => Err(self.invalid_type(node, path, "a boolean (true or false)")),
        }
    }

    fn duration(&self, node: &Node, path: &FieldPath) -> Result<Duration, ConfigError> {
        let text = self.string(node, path)?;
        duration::parse(&text).map_err(|e| self.error(node, path, e.to_string()))
    }

    fn signal(&self, node: &Node, path: &FieldPath) -> Result<i32, ConfigError> {
        let text = self.string(node, path)?;
        crate::signal::parse(&text).ok_or_else(|| {
            self.error(
                node,
                path,
                format!(
                    "unknown signal {text:?}; use a name such as SIGTERM, INT or HUP, or a number"
                ),
            )
        })
    }

    fn args(
        &self,
        node: &Node,
        path: &FieldPath,
    ) -> Result<BTreeMap<String, ArgValue>, ConfigError> {
        let Value::Map(entries) = &node.resolved().value else {
            return Err(self.invalid_type(node, path, "a map of argument names to values"));
        };
        let mut args = BTreeMap::new();
        for (key, value) in entries {
            let name = key_text(key);
            let at = path.key(name);
            if name.is_empty() {
                return Err(self.error(
                    key,
                    &at,
                    "an argument name cannot be empty: it would become \"--\", which ends \
                     the node's options",
                ));
            }
            args.insert(name.to_owned(), self.arg(value, &at)?);
        }
        Ok(args)
    }

    fn arg(&self, node: &Node, path: &FieldPath) -> Result<ArgValue, ConfigError> {
        match &node.resolved().value {
            Value::Scalar(scalar) => match scalar.kind {
                ScalarKind::Null => Err(self.error(
                    node,
                    path,
                    format!(
                        "null is not a value; expected {ARG_EXPECTED} (use false or \"\" to \
                         leave the flag out)"
                    ),
                )),
                ScalarKind::Bool(on) => Ok(ArgValue::Switch(on)),
                ScalarKind::Number => Ok(ArgValue::Number(scalar.text.clone())),
                ScalarKind::Text => Ok(ArgValue::Template(scalar.text.clone())),
            },
            Value::Seq(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| self.arg_item(item, &path.index(i)))
                .collect::<Result<_, _>>()
                .map(ArgValue::List),
            Value::Map(_) | Value::Alias(_) => Err(self.error(
                node,
                path,
                format!("a map is not a value; expected {ARG_EXPECTED}"),
            )),
        }
    }

    fn arg_item(&self, node: &Node, path: &FieldPath) -> Result<ArgItem, ConfigError> {
        match self.arg(node, path)? {
            ArgValue::Template(text) => Ok(ArgItem::Template(text)),
            ArgValue::Number(text) => Ok(ArgItem::Number(text)),
            ArgValue::Switch(_) | ArgValue::List(_) => Err(self.error(
                node,
                path,
                "a list item must be a string or a number (true/false and nested lists are not)",
            )),
        }
    }
}

/// A key's text; the tree only lets scalars be keys.
fn key_text(key: &Node) -> &str {
    match &key.resolved().value {
        Value::Scalar(scalar) => &scalar.text,
        _ => "",
    }
}

fn describe(node: &Node) -> String {
    match &node.value {
        Value::Scalar(scalar) => match scalar.kind {
            ScalarKind::Null => "null".to_owned(),
            ScalarKind::Bool(value) => format!("boolean {value}"),
            ScalarKind::Number => format!("number {}", scalar.text),
            ScalarKind::Text => format!("string {:?}", scalar.text),
        },
        Value::Seq(_) => "a sequence".to_owned(),
        Value::Map(_) | Value::Alias(_) => "a map".to_owned(),
    }
}

/// serde's way of listing choices: `a`, `a or b`, `one of a, b, c`.
fn one_of(names: &[&str], quoted: bool) -> String {
    let show = |name: &&str| {
        if quoted {
            format!("{name:?}")
        } else {
            (*name).to_owned()
        }
    };
    let shown: Vec<String> = names.iter().map(show).collect();
    match shown.as_slice() {
        [] => "nothing".to_owned(),
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        many => format!("one of {}", many.join(", ")),
    }
}
