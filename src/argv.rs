//! Renders the config's templates into what the node is started with: its
//! `.Index`, its argv, and the per-replica values other parts need.
//!
//! Pure: the environment and the Kubernetes lookups come in from outside.
//! The argv is bytes, exactly what the templates printed (Go strings are
//! bytes too); what the kernel would refuse to exec (a NUL byte, a word or
//! a whole command line over its limits) is refused here, naming the key.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::config::{ArgItem, ArgValue, Config, ConfigError, FieldPath, Source};
use crate::ping_url::{self as url, Check};
use crate::quote;
use crate::template::{Context, NodeAddresses, Templates};

/// Linux's `MAX_ARG_STRLEN`: one argument or environment string, its
/// terminating NUL included, may not be longer (32 pages of 4 KiB).
pub const MAX_ARG_STRLEN: usize = 32 * 4096;

/// Everything rendered for one replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub index: i64,
    /// Raw bytes, as rendered.
    pub argv: Vec<OsString>,
    /// The Healthchecks check this replica pings, when watchlog is on.
    pub check: Option<Check>,
    /// The rendered `nodeService.nodePortTemplate` when the Service is on.
    pub node_port: Option<u16>,
}

/// The node ports Kubernetes hands out by default.
pub const NODE_PORT_RANGE: std::ops::RangeInclusive<u16> = 30000..=32767;

pub struct Renderer<'a> {
    pub config: &'a Config,
    pub source: &'a Source,
    pub env: &'a dyn Fn(&str) -> Option<OsString>,
    pub nodes: Option<&'a dyn NodeAddresses>,
}

/// How much room the kernel leaves for the node's command line: `execve`
/// fails with E2BIG past it.
#[derive(Debug, Clone, Copy)]
pub struct ExecRoom {
    /// Bytes for argv and environment strings and their pointers together.
    pub total: usize,
    /// Of those, what the environment (inherited by the node) already uses.
    pub env: usize,
}

impl ExecRoom {
    /// The kernel's rule (fs/exec.c): a quarter of the stack limit, at most
    /// 6 MiB (3/4 of the default 8 MiB stack) and at least 128 KiB; every
    /// string counts with its NUL and every pointer with 8 bytes.
    pub fn of_this_process() -> ExecRoom {
        const MIN: usize = 128 << 10;
        const MAX: usize = 6 << 20;
        let stack = crate::sys::stack_limit().unwrap_or(8 << 20);
        let env = std::env::vars_os()
            .map(|(k, v)| k.len() + 1 + v.len() + 1 + std::mem::size_of::<usize>())
            .sum();
        ExecRoom {
            total: (stack / 4).clamp(MIN, MAX),
            env,
        }
    }
}

impl Renderer<'_> {
    /// Renders everything. A given `index` (`--index`, `--replicas`) is
    /// `.Index` and `nodeTemplate.index` is not rendered; with `room`, the
    /// command line is also checked against what the kernel will exec.
    pub fn render(&self, index: Option<i64>, room: Option<ExecRoom>) -> Result<Plan, ConfigError> {
        let common = FieldPath::parse("commonTemplate");
        let templates = Templates::new(&self.config.common_template)
            .map_err(|e| self.source.template_error(&common, e))?;
        let index = match index {
            Some(index) => index,
            None => self.render_index(&templates)?,
        };
        let (argv, keys) = self.render_argv(&templates, index)?;
        if let Some(room) = room {
            self.check_room(&argv, &keys, room)?;
        }
        let check = self.check(&templates, index)?;
        let node_port = self.node_port(&templates, index)?;
        Ok(Plan {
            index,
            argv,
            check,
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
    ) -> Result<Vec<u8>, ConfigError> {
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
        let digits = rendered.trim_ascii();
        if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
            let message = format!(
                "rendered {}, which is out of range for an ordinal (at most {})",
                quote::go_quoted(&rendered),
                i64::MAX
            );
            return Err(self.source.invalid(&path, message));
        }
        let mut message = format!(
            "rendered {}, which is not a non-negative integer",
            quote::go_quoted(&rendered)
        );
        if template == crate::config::DEFAULT_INDEX_TEMPLATE {
            let hostname = (self.env)("HOSTNAME").unwrap_or_default();
            message.push_str(&format!(
                "; HOSTNAME={} has no -<ordinal> suffix (as in sts-pod-2), so set \
                 nodeTemplate.index, for example index: \"0\"",
                quote::go_quoted(hostname.as_bytes())
            ));
        }
        Err(self.source.invalid(&path, message))
    }

    /// The argv and, for each word, the key it came from.
    fn render_argv(
        &self,
        templates: &Templates,
        index: i64,
    ) -> Result<(Vec<OsString>, Vec<FieldPath>), ConfigError> {
        let node = &self.config.node_template;
        let command_path = FieldPath::parse("nodeTemplate.command");
        let capacity = node.command.len() + 2 * node.args.len();
        let mut words = Words {
            renderer: self,
            argv: Vec::with_capacity(capacity),
            keys: Vec::with_capacity(capacity),
        };
        for (i, item) in node.command.iter().enumerate() {
            let at = command_path.index(i);
            let word = self.render_one(templates, &at, item, index)?;
            if !word.is_empty() {
                words.push(&at, word)?;
            }
        }
        if words.argv.is_empty() {
            return Err(self.source.invalid(
                &command_path,
                "every item rendered to \"\", so there is no executable to start",
            ));
        }
        let args_path = FieldPath::parse("nodeTemplate.args");
        // BTreeMap iterates in byte order of the names, as the original sorted them.
        for (name, value) in &node.args {
            let at = args_path.key(name);
            let flag = flag_for(name).into_bytes();
            match value {
                ArgValue::Switch(true) => words.push(&at, flag)?,
                ArgValue::Switch(false) => {}
                ArgValue::Number(text) => words.pair(&at, &flag, text.clone().into_bytes())?,
                ArgValue::Template(source) => {
                    let value = self.render_one(templates, &at, source, index)?;
                    if !value.is_empty() {
                        words.pair(&at, &flag, value)?;
                    }
                }
                ArgValue::List(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let item_at = at.index(i);
                        let value = match item {
                            ArgItem::Number(text) => text.clone().into_bytes(),
                            ArgItem::Template(source) => {
                                self.render_one(templates, &item_at, source, index)?
                            }
                        };
                        if !value.is_empty() {
                            words.pair(&item_at, &flag, value)?;
                        }
                    }
                }
            }
        }
        Ok((words.argv, words.keys))
    }

    /// The whole command line against what `execve` accepts. The node gets
    /// kubevali's environment, so that counts too; so does the program
    /// path the kernel copies, which the `PATH` search may lengthen, so it
    /// is counted at its longest (`PATH_MAX`): what passes here, the kernel
    /// takes.
    fn check_room(
        &self,
        argv: &[OsString],
        keys: &[FieldPath],
        room: ExecRoom,
    ) -> Result<(), ConfigError> {
        let pointer = std::mem::size_of::<usize>();
        let words: usize = argv.iter().map(|w| w.len() + 1 + pointer).sum();
        let program = libc::PATH_MAX as usize;
        let needed = words + program + room.env + pointer;
        if needed <= room.total {
            return Ok(());
        }
        let largest = argv
            .iter()
            .zip(keys)
            .max_by_key(|(word, _)| word.len())
            .map(|(_, key)| key.clone())
            .unwrap_or_else(|| FieldPath::parse("nodeTemplate"));
        let largest_len = argv.iter().map(|w| w.len()).max().unwrap_or(0);
        Err(self.source.invalid(
            &largest,
            format!(
                "the node's command line would take {needed} bytes with the environment \
                 ({words} for {} arguments, {} for the environment), {} more than the {} bytes \
                 Linux allows (a quarter of the stack limit); this key's {largest_len} bytes are \
                 the largest part",
                argv.len(),
                room.env,
                needed - room.total,
                room.total
            ),
        ))
    }

    /// `healthcheckIDs[.Index]`, or `pingKey` and `slug` (default: the pod
    /// name), rendered and checked against what Healthchecks accepts.
    fn check(&self, templates: &Templates, index: i64) -> Result<Option<Check>, ConfigError> {
        let watchlog = &self.config.watchlog;
        if !watchlog.enabled {
            return Ok(None);
        }
        let at = FieldPath::parse("watchlog");
        let rendered =
            |path: &FieldPath, source: &str, validate: fn(&str) -> Result<(), url::PartError>| {
                let value = self.render_one(templates, path, source, index)?;
                // The message never quotes the value: it may be a secret.
                let value = String::from_utf8(value).map_err(|_| {
                    self.source.invalid(
                        path,
                        "rendered a value that is not UTF-8 text (Healthchecks takes only \
                         letters, digits, '-' and '_')",
                    )
                })?;
                validate(&value).map_err(|e| {
                    self.source
                        .invalid(path, format!("rendered a value that {e}"))
                })?;
                Ok::<_, ConfigError>(value)
            };
        if let Some(key) = &watchlog.ping_key {
            let ping_key = rendered(&at.key("pingKey"), key, url::validate_ping_key)?;
            let slug = match &watchlog.slug {
                Some(slug) => rendered(&at.key("slug"), slug, url::validate_slug)?,
                None => self.pod_name_as_slug(&at.key("slug"))?,
            };
            return Ok(Some(Check::Provisioned { ping_key, slug }));
        }
        let ids = &watchlog.healthcheck_ids;
        let ids_path = at.key("healthcheckIDs");
        match usize::try_from(index)
            .ok()
            .and_then(|i| ids.get(i).map(|id| (i, id)))
        {
            Some((i, id)) => {
                let id = rendered(&ids_path.index(i), id, url::validate_check_id)?;
                Ok(Some(Check::Id(id)))
            }
            None => Err(self.source.invalid(
                &ids_path,
                format!(
                    "lists {} check ID(s), but this replica has .Index {index} and needs \
                     healthcheckIDs[{index}]",
                    ids.len()
                ),
            )),
        }
    }

    /// The slug when none is configured: the pod's name, `$HOSTNAME`.
    fn pod_name_as_slug(&self, path: &FieldPath) -> Result<String, ConfigError> {
        let pod_name = (self.env)("HOSTNAME").unwrap_or_default();
        if pod_name.is_empty() {
            return Err(self.source.invalid(
                path,
                "is not set, and HOSTNAME (the pod name, its default) is empty: set watchlog.slug",
            ));
        }
        let invalid = |problem: String| {
            self.source.invalid(
                path,
                format!(
                    "is not set, and the pod name (HOSTNAME={}) that stands in for it {problem}: \
                     set watchlog.slug",
                    quote::go_quoted(pod_name.as_bytes())
                ),
            )
        };
        let text = pod_name
            .to_str()
            .ok_or_else(|| invalid("is not UTF-8 text".to_owned()))?;
        url::validate_slug(text).map_err(|e| invalid(e.to_string()))?;
        Ok(text.to_owned())
    }

    fn node_port(&self, templates: &Templates, index: i64) -> Result<Option<u16>, ConfigError> {
        let service = &self.config.node_service;
        if !service.enabled {
            return Ok(None);
        }
        let path = FieldPath::parse("nodeService.nodePortTemplate");
        let rendered = self.render_one(templates, &path, &service.node_port_template, index)?;
        let port = std::str::from_utf8(&rendered)
            .ok()
            .and_then(|text| text.trim().parse::<u16>().ok());
        match port {
            Some(port) if NODE_PORT_RANGE.contains(&port) => Ok(Some(port)),
            _ => Err(self.source.invalid(
                &path,
                format!(
                    "rendered {}, which is not a node port in 30000-32767",
                    quote::go_quoted(&rendered)
                ),
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

/// Collects argv words, refusing what `execve` cannot pass on.
struct Words<'r, 'a> {
    renderer: &'r Renderer<'a>,
    argv: Vec<OsString>,
    keys: Vec<FieldPath>,
}

impl Words<'_, '_> {
    fn push(&mut self, key: &FieldPath, word: Vec<u8>) -> Result<(), ConfigError> {
        if let Some(at) = word.iter().position(|&b| b == 0) {
            return Err(self.renderer.source.invalid(
                key,
                format!(
                    "renders to {}, which holds a NUL byte (at byte {at}); a command-line \
                     argument ends at the first NUL, so it cannot be passed to the node",
                    quote::go_quoted(&word)
                ),
            ));
        }
        if word.len() >= MAX_ARG_STRLEN {
            return Err(self.renderer.source.invalid(
                key,
                format!(
                    "renders to a {}-byte argument, {} too long: Linux allows {} bytes for one \
                     argument ({} with its terminating NUL)",
                    word.len(),
                    bytes(word.len() + 1 - MAX_ARG_STRLEN),
                    MAX_ARG_STRLEN - 1,
                    MAX_ARG_STRLEN
                ),
            ));
        }
        self.argv.push(OsString::from_vec(word));
        self.keys.push(key.clone());
        Ok(())
    }

    fn pair(&mut self, key: &FieldPath, flag: &[u8], value: Vec<u8>) -> Result<(), ConfigError> {
        self.push(key, flag.to_vec())?;
        self.push(key, value)
    }
}

fn bytes(n: usize) -> String {
    if n == 1 {
        "1 byte".to_owned()
    } else {
        format!("{n} bytes")
    }
}

/// A non-negative decimal integer, white space around it allowed.
fn parse_index(rendered: &[u8]) -> Option<i64> {
    let digits = rendered.trim_ascii();
    if digits.is_empty() || !digits.iter().all(|b| b.is_ascii_digit()) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
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
        let parse_index = |s: &str| parse_index(s.as_bytes());
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
        let env: Vec<(String, OsString)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        Renderer {
            config: &config,
            source: &source,
            env: &lookup,
            nodes: None,
        }
        .render(None, None)
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
            render(&ok, &[]).unwrap().check,
            Some(Check::Id("c".to_owned()))
        );
    }

    #[test]
    fn checks_render_as_templates_and_default_to_the_pod_name() {
        let watchlog = "nodeTemplate:\n  index: '1'\n  command: [x]\nwatchlog:\n  enabled: true\n  \
                        keyword: k\n  lastThreshold: 1m\n";
        let ids =
            format!("{watchlog}  healthcheckIDs: [a, '{{{{ env \"ID\" }}}}-{{{{ .Index }}}}']\n");
        assert_eq!(
            render(&ids, &[("ID", "key/slug")]).unwrap().check,
            Some(Check::Id("key/slug-1".to_owned()))
        );
        let error = render(&ids, &[("ID", "x#")]).unwrap_err().to_string();
        assert!(
            error.contains("watchlog.healthcheckIDs[1]: rendered a value that has '#'"),
            "{error}"
        );
        let keyed = format!("{watchlog}  pingKey: '{{{{ env \"K\" }}}}'\n");
        let env = [("K", "Fq0Od6"), ("HOSTNAME", "validator-sts-1")];
        assert_eq!(
            render(&keyed, &env).unwrap().check,
            Some(Check::Provisioned {
                ping_key: "Fq0Od6".to_owned(),
                slug: "validator-sts-1".to_owned()
            })
        );
        let error = render(&keyed, &[("K", "Fq0Od6")]).unwrap_err().to_string();
        assert!(
            error.contains("watchlog.slug: is not set, and HOSTNAME"),
            "{error}"
        );
        let slugged = format!("{keyed}  slug: 'v-{{{{ .Index }}}}'\n");
        assert_eq!(
            render(&slugged, &env).unwrap().check,
            Some(Check::Provisioned {
                ping_key: "Fq0Od6".to_owned(),
                slug: "v-1".to_owned()
            })
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
