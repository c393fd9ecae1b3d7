//! Renders the config's templates into what the node is started with: its
//! `.Index`, its argv, and the per-replica values other parts need.
//!
//! Pure: the environment and the Kubernetes lookups come in from outside.

use crate::config::{ArgItem, ArgValue, Config, ConfigError, FieldPath, Source};
use crate::template::{Context, NodeAddresses, Templates};

/// Everything rendered for one replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub index: i64,
    pub argv: Vec<String>,
    /// `watchlog.healthcheckIDs[.Index]` when watchlog is on.
    pub healthcheck_id: Option<String>,
    /// The rendered `nodeService.nodePortTemplate` when the Service is on.
    pub node_port: Option<u16>,
}

/// The node ports Kubernetes hands out by default.
pub const NODE_PORT_RANGE: std::ops::RangeInclusive<u16> = 30000..=32767;

pub struct Renderer<'a> {
    pub config: &'a Config,
    pub source: &'a Source,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub nodes: Option<&'a dyn NodeAddresses>,
}

impl Renderer<'_> {
    pub fn render(&self) -> Result<Plan, ConfigError> {
        let common = FieldPath::parse("commonTemplate");
        let templates = Templates::new(&self.config.common_template)
            .map_err(|e| self.source.template_error(&common, e))?;
        let index = self.render_index(&templates)?;
        let argv = self.render_argv(&templates, index)?;
        let healthcheck_id = self.healthcheck_id(index)?;
        let node_port = self.node_port(&templates, index)?;
        Ok(Plan {
            index,
            argv,
            healthcheck_id,
            node_port,
        })
    }

    fn context(&self, index: i64) -> Context<'_> {
        Context {
            index,
            env: self.env,
            nodes: self.nodes,
        }
    }

    fn render_one(
        &self,
        templates: &Templates,
        path: &FieldPath,
        source: &str,
        index: i64,
    ) -> Result<String, ConfigError> {
        templates
            .render(source, &self.context(index))
            .map_err(|e| self.source.template_error(path, e))
    }

    fn render_index(&self, templates: &Templates) -> Result<i64, ConfigError> {
        let path = FieldPath::parse("nodeTemplate.index");
        let template = &self.config.node_template.index;
        // `.Index` is not known yet while the index itself renders.
        let rendered = self.render_one(templates, &path, template, 0)?;
        if let Some(index) = parse_index(&rendered) {
            return Ok(index);
        }
        // All digits, yet no i64: out of range, which is not a missing suffix.
        let digits = rendered.trim();
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            let message = format!(
                "rendered {rendered:?}, which is out of range for an ordinal (at most {})",
                i64::MAX
            );
            return Err(self.source.invalid(&path, message));
        }
        let mut message = format!("rendered {rendered:?}, which is not a non-negative integer");
        if template == crate::config::DEFAULT_INDEX_TEMPLATE {
            let hostname = (self.env)("HOSTNAME").unwrap_or_default();
            message.push_str(&format!(
                "; HOSTNAME={hostname:?} has no -<ordinal> suffix (as in sts-pod-2), so set \
                 nodeTemplate.index, for example index: \"0\""
            ));
        }
        Err(self.source.invalid(&path, message))
    }

    fn render_argv(&self, templates: &Templates, index: i64) -> Result<Vec<String>, ConfigError> {
        let node = &self.config.node_template;
        let command_path = FieldPath::parse("nodeTemplate.command");
        let mut argv = Vec::with_capacity(node.command.len() + 2 * node.args.len());
        for (i, item) in node.command.iter().enumerate() {
            let word = self.render_one(templates, &command_path.index(i), item, index)?;
            if !word.is_empty() {
                argv.push(word);
            }
        }
        if argv.is_empty() {
            return Err(self.source.invalid(
                &command_path,
                "every item rendered to \"\", so there is no executable to start",
            ));
        }
        let args_path = FieldPath::parse("nodeTemplate.args");
        // BTreeMap iterates in byte order of the names, as the original sorted them.
        for (name, value) in &node.args {
            let at = args_path.key(name);
            let flag = flag_for(name);
            match value {
                ArgValue::Switch(true) => argv.push(flag),
                ArgValue::Switch(false) => {}
                ArgValue::Number(text) => argv.extend([flag, text.clone()]),
                ArgValue::Template(source) => {
                    let value = self.render_one(templates, &at, source, index)?;
                    if !value.is_empty() {
                        argv.extend([flag, value]);
                    }
                }
                ArgValue::List(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let value = match item {
                            ArgItem::Number(text) => text.clone(),
                            ArgItem::Template(source) => {
                                self.render_one(templates, &at.index(i), source, index)?
                            }
                        };
                        if !value.is_empty() {
                            argv.extend([flag.clone(), value]);
                        }
                    }
                }
            }
        }
        Ok(argv)
    }

    fn healthcheck_id(&self, index: i64) -> Result<Option<String>, ConfigError> {
        let watchlog = &self.config.watchlog;
        if !watchlog.enabled {
            return Ok(None);
        }
        let ids = &watchlog.healthcheck_ids;
        match usize::try_from(index).ok().and_then(|i| ids.get(i)) {
            Some(id) => Ok(Some(id.clone())),
            None => Err(self.source.invalid(
                &FieldPath::parse("watchlog.healthcheckIDs"),
                format!(
                    "lists {} check ID(s), but this replica has .Index {index} and needs \
                     healthcheckIDs[{index}]",
                    ids.len()
                ),
            )),
        }
    }

    fn node_port(&self, templates: &Templates, index: i64) -> Result<Option<u16>, ConfigError> {
        let service = &self.config.node_service;
        if !service.enabled {
            return Ok(None);
        }
        let path = FieldPath::parse("nodeService.nodePortTemplate");
        let rendered = self.render_one(templates, &path, &service.node_port_template, index)?;
        match rendered.trim().parse::<u16>() {
            Ok(port) if NODE_PORT_RANGE.contains(&port) => Ok(Some(port)),
            _ => Err(self.source.invalid(
                &path,
                format!("rendered {rendered:?}, which is not a node port in 30000-32767"),
            )),
        }
    }
}

/// How an `args` name becomes a flag: `-x` for one letter, `--name` for
/// longer names, and a name that already starts with `-` as written.
pub fn flag_for(name: &str) -> String {
    if name.starts_with('-') {
        name.to_owned()
    } else if name.chars().count() == 1 {
        format!("-{name}")
    } else {
        format!("--{name}")
    }
}

/// A non-negative decimal integer, white space around it allowed.
fn parse_index(rendered: &str) -> Option<i64> {
    let digits = rendered.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_spelling() {
        assert_eq!(flag_for("d"), "-d");
        assert_eq!(flag_for("port"), "--port");
        assert_eq!(flag_for("-x"), "-x");
        assert_eq!(flag_for("--rpc-cors"), "--rpc-cors");
        assert_eq!(flag_for("é"), "-é");
    }

    #[test]
    fn index_parsing() {
        assert_eq!(parse_index("2"), Some(2));
        assert_eq!(parse_index(" 10\n"), Some(10));
        assert_eq!(parse_index("007"), Some(7));
        for bad in [
            "",
            "-1",
            "+1",
            "1.0",
            "nohyphen",
            "0x1",
            "99999999999999999999",
        ] {
            assert_eq!(parse_index(bad), None, "{bad:?}");
        }
    }

    fn render(yaml: &str, env: &[(&str, &str)]) -> Result<Plan, ConfigError> {
        let source = Source {
            file: "kubevali.yaml".to_owned(),
            text: yaml.to_owned(),
        };
        let config = source.parse()?;
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        Renderer {
            config: &config,
            source: &source,
            env: &lookup,
            nodes: None,
        }
        .render()
    }

    #[test]
    fn plain_values_build_argv_in_name_order() {
        let plan = render(
            "nodeTemplate:\n  index: '3'\n  command: [darwinia, '', --validator]\n  args:\n    \
             z: last\n    port: 30333\n    ratio: 1.50\n    d: /data\n    unsafe: true\n    \
             no: false\n    empty: ''\n    peer: [a, '', 2]\n    --raw: x\n",
            &[],
        )
        .unwrap();
        assert_eq!(plan.index, 3);
        assert_eq!(
            plan.argv,
            [
                "darwinia",
                "--validator",
                "--raw",
                "x",
                "-d",
                "/data",
                "--peer",
                "a",
                "--peer",
                "2",
                "--port",
                "30333",
                "--ratio",
                "1.50",
                "--unsafe",
                "-z",
                "last"
            ]
        );
    }

    #[test]
    fn command_rendering_to_nothing_is_an_error() {
        let error = render("nodeTemplate:\n  index: '0'\n  command: ['']\n", &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "kubevali.yaml:3:12: nodeTemplate.command: every item rendered to \"\", so there is \
             no executable to start"
        );
    }

    #[test]
    fn too_few_healthcheck_ids() {
        let yaml = "nodeTemplate:\n  index: '2'\n  command: [x]\nwatchlog:\n  enabled: true\n  \
                    keyword: k\n  lastThreshold: 1m\n  healthcheckIDs: [a, b]\n";
        let error = render(yaml, &[]).unwrap_err().to_string();
        assert!(
            error.starts_with("kubevali.yaml:8:19: watchlog.healthcheckIDs: lists 2"),
            "{error}"
        );
        let ok = yaml.replace("[a, b]", "[a, b, c]");
        assert_eq!(
            render(&ok, &[]).unwrap().healthcheck_id.as_deref(),
            Some("c")
        );
    }

    #[test]
    fn index_must_be_an_integer() {
        let error = render("nodeTemplate:\n  index: ' x '\n  command: [x]\n", &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "kubevali.yaml:2:10: nodeTemplate.index: rendered \" x \", which is not a \
             non-negative integer"
        );
    }
}
