//! The YAML document as a tree of positioned nodes, built from libyaml's
//! events under the loader's bounds.
//!
//! Everything an attacker with edit rights on the ConfigMap could use to
//! make the loader work hard is refused here, while the events stream in:
//! nesting deeper than [`MAX_DEPTH`], aliases that would repeat more than
//! [`MAX_EXPANDED_BYTES`] of content, and keys written twice. Aliases are
//! not copied: an alias node shares its anchor's node, and the expansion
//! budget counts what a full copy would have cost.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::rc::Rc;

use super::path::{FieldPath, Pos};
use super::yaml::{Event, Mark, Parser, Style, SyntaxError};

/// How deep collections may nest. kubevali's schema needs 4 levels; 64
/// leaves room for anything reasonable, and refusing at the opening bracket
/// keeps libyaml (whose flow-collection scanning is quadratic in the depth)
/// from ever seeing deep input: it reads at most about a kilobyte ahead.
pub const MAX_DEPTH: usize = 64;

/// How much content (scalar bytes, plus one per node) the document may hold
/// once every alias is counted as a copy of its anchor.
pub const MAX_EXPANDED_BYTES: usize = 4 << 20;

const CORE_TAG: &str = "tag:yaml.org,2002:";

#[derive(Debug)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
    /// Content size with aliases expanded, for the budget.
    size: usize,
}

#[derive(Debug)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Rc<Node>>),
    Map(Vec<(Rc<Node>, Rc<Node>)>),
    /// `*name`: the anchored node, shared rather than copied.
    Alias(Rc<Node>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// The value as YAML defines it (escapes resolved, quotes removed); for
    /// a plain scalar this is exactly the text as written.
    pub text: String,
    pub kind: ScalarKind,
}

/// What an untagged plain scalar means under YAML 1.2's core schema.
/// Numbers are only recognised, never converted: they reach the node as
/// written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    Null,
    Bool(bool),
    Number,
    Text,
}

impl Node {
    /// The node itself, or the anchored node an alias stands for.
    pub fn resolved(&self) -> &Node {
        match &self.value {
            Value::Alias(target) => target,
            _ => self,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeError {
    Syntax(SyntaxError),
    TooDeep {
        pos: Pos,
        path: FieldPath,
    },
    /// `alias` is `None` when plain content alone is over the budget.
    TooLarge {
        pos: Pos,
        path: FieldPath,
        alias: Option<String>,
    },
    DuplicateKey {
        path: FieldPath,
        first: Pos,
        second: Pos,
    },
    UnknownAlias {
        pos: Pos,
        path: FieldPath,
        name: String,
    },
    KeyNotScalar {
        pos: Pos,
        path: FieldPath,
    },
    UnsupportedTag {
        pos: Pos,
        path: FieldPath,
        tag: String,
    },
    SecondDocument {
        pos: Pos,
    },
}

/// Parses `text` into a tree; `None` for a document with no content.
pub fn parse(text: &str) -> Result<Option<Rc<Node>>, TreeError> {
    Builder::default().run(text)
}

enum Open {
    Seq {
        pos: Pos,
        anchor: Option<String>,
        items: Vec<Rc<Node>>,
    },
    Map {
        pos: Pos,
        anchor: Option<String>,
        entries: Vec<(Rc<Node>, Rc<Node>)>,
        key: Option<Rc<Node>>,
        seen: HashMap<String, Pos>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    anchors: HashMap<String, Rc<Node>>,
    expanded: usize,
    root: Option<Rc<Node>>,
    documents: usize,
}

fn pos(mark: Mark) -> Pos {
    Pos {
        line: mark.line.saturating_add(1),
        column: mark.column.saturating_add(1),
    }
}

impl Builder {
    fn run(mut self, text: &str) -> Result<Option<Rc<Node>>, TreeError> {
        let mut parser = Parser::new(text);
        loop {
            let (event, mark) = parser.next_event().map_err(TreeError::Syntax)?;
            let at = pos(mark);
            match event {
                Event::StreamStart | Event::DocumentEnd => {}
                Event::StreamEnd => break,
                Event::DocumentStart => {
                    self.documents += 1;
                    if self.documents > 1 {
                        return Err(TreeError::SecondDocument { pos: at });
                    }
                }
                Event::Alias { name } => {
                    let Some(target) = self.anchors.get(&name).cloned() else {
                        return Err(TreeError::UnknownAlias {
                            pos: at,
                            path: self.path(),
                            name,
                        });
                    };
                    self.spend(target.size, at, Some(&name))?;
                    let node = Node {
                        pos: at,
                        size: target.size,
                        value: Value::Alias(target),
                    };
                    self.complete(node, None)?;
                }
                Event::Scalar {
                    anchor,
                    tag,
                    value,
                    style,
                } => {
                    let text = String::from_utf8_lossy(&value).into_owned();
                    let kind = self.scalar_kind(&text, style, tag.as_deref(), at)?;
                    let size = text.len().saturating_add(1);
                    self.spend(size, at, None)?;
                    let node = Node {
                        pos: at,
                        size,
                        value: Value::Scalar(Scalar { text, kind }),
                    };
                    self.complete(node, anchor)?;
                }
                Event::SequenceStart { anchor, tag } => {
                    self.open(at, tag.as_deref(), "seq")?;
                    self.stack.push(Open::Seq {
                        pos: at,
                        anchor,
                        items: Vec::new(),
                    });
                }
                Event::MappingStart { anchor, tag } => {
                    self.open(at, tag.as_deref(), "map")?;
                    self.stack.push(Open::Map {
                        pos: at,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                        seen: HashMap::new(),
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let (node, anchor) = match self.stack.pop() {
                        Some(Open::Seq { pos, anchor, items }) => {
                            let size = sum_sizes(items.iter());
                            (
                                Node {
                                    pos,
                                    size,
                                    value: Value::Seq(items),
                                },
                                anchor,
                            )
                        }
                        Some(Open::Map {
                            pos,
                            anchor,
                            entries,
                            ..
                        }) => {
                            let size = sum_sizes(entries.iter().flat_map(|(k, v)| [k, v]));
                            (
                                Node {
                                    pos,
                                    size,
                                    value: Value::Map(entries),
                                },
                                anchor,
                            )
                        }
                        // libyaml balances its events; nothing to close.
                        None => continue,
                    };
                    self.complete(node, anchor)?;
                }
            }
        }
        Ok(self
            .root
            .filter(|root| !matches!(&root.value, Value::Scalar(s) if s.kind == ScalarKind::Null)))
    }

    fn open(&mut self, at: Pos, tag: Option<&str>, core: &str) -> Result<(), TreeError> {
        if let Some(tag) = tag
            && tag != "!"
            && tag.strip_prefix(CORE_TAG) != Some(core)
        {
            return Err(self.unsupported_tag(at, tag));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(TreeError::TooDeep {
                pos: at,
                path: self.path(),
            });
        }
        self.spend(1, at, None)
    }

    fn scalar_kind(
        &self,
        text: &str,
        style: Style,
        tag: Option<&str>,
        at: Pos,
    ) -> Result<ScalarKind, TreeError> {
        match tag {
            None if style == Style::Plain => Ok(plain_kind(text)),
            None => Ok(ScalarKind::Text),
            Some(tag) if tag == "!" || tag.strip_prefix(CORE_TAG) == Some("str") => {
                Ok(ScalarKind::Text)
            }
            Some(tag) => Err(self.unsupported_tag(at, tag)),
        }
    }

    fn unsupported_tag(&self, at: Pos, tag: &str) -> TreeError {
        let shown = match tag.strip_prefix(CORE_TAG) {
            Some(short) => format!("!!{short}"),
            None => tag.to_owned(),
        };
        TreeError::UnsupportedTag {
            pos: at,
            path: self.path(),
            tag: shown,
        }
    }

    fn spend(&mut self, size: usize, at: Pos, alias: Option<&str>) -> Result<(), TreeError> {
        self.expanded = self.expanded.saturating_add(size);
        if self.expanded > MAX_EXPANDED_BYTES {
            return Err(TreeError::TooLarge {
                pos: at,
                path: self.path(),
                alias: alias.map(str::to_owned),
            });
        }
        Ok(())
    }

    /// Hangs a finished node into its parent and registers its anchor.
    fn complete(&mut self, node: Node, anchor: Option<String>) -> Result<(), TreeError> {
        let node = Rc::new(node);
        if let Some(anchor) = anchor {
            // A later anchor of the same name replaces the earlier one, as
            // YAML specifies.
            self.anchors.insert(anchor, Rc::clone(&node));
        }
        let is_key = matches!(self.stack.last(), Some(Open::Map { key: None, .. }));
        if is_key {
            self.check_key(&node)?;
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map { entries, key, .. }) => match key.take() {
                Some(key) => entries.push((key, node)),
                None => *key = Some(node),
            },
        }
        Ok(())
    }

    /// A key must be a scalar, and new in its map. The path is built only
    /// for an error: keys can be long, and most nodes are fine.
    fn check_key(&mut self, node: &Node) -> Result<(), TreeError> {
        let Value::Scalar(scalar) = &node.resolved().value else {
            return Err(TreeError::KeyNotScalar {
                pos: node.pos,
                path: self.path(),
            });
        };
        let first = match self.stack.last_mut() {
            Some(Open::Map { seen, .. }) => match seen.entry(scalar.text.clone()) {
                Entry::Occupied(first) => *first.get(),
                Entry::Vacant(slot) => {
                    slot.insert(node.pos);
                    return Ok(());
                }
            },
            _ => return Ok(()),
        };
        Err(TreeError::DuplicateKey {
            path: self.path().key(&scalar.text),
            first,
            second: node.pos,
        })
    }

    /// The path of the value being read, for error messages.
    fn path(&self) -> FieldPath {
        let mut path = FieldPath::default();
        for open in &self.stack {
            path = match open {
                Open::Seq { items, .. } => path.index(items.len()),
                Open::Map { key: Some(key), .. } => match &key.resolved().value {
                    Value::Scalar(scalar) => path.key(&scalar.text),
                    _ => path,
                },
                Open::Map { key: None, .. } => path,
            };
        }
        path
    }
}

fn sum_sizes<'a>(nodes: impl Iterator<Item = &'a Rc<Node>>) -> usize {
    nodes.fold(1, |total, node| total.saturating_add(node.size))
}

/// YAML 1.2 core schema, as serde_yaml reads it, for plain scalars.
fn plain_kind(text: &str) -> ScalarKind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => ScalarKind::Null,
        "true" | "True" | "TRUE" => ScalarKind::Bool(true),
        "false" | "False" | "FALSE" => ScalarKind::Bool(false),
        _ if is_number(text) => ScalarKind::Number,
        _ => ScalarKind::Text,
    }
}

fn is_number(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let digits_in =
        |rest: &str, radix: u32| !rest.is_empty() && rest.chars().all(|c| c.is_digit(radix));
    if let Some(hex) = unsigned.strip_prefix("0x") {
        return digits_in(hex, 16);
    }
    if let Some(octal) = unsigned.strip_prefix("0o") {
        return digits_in(octal, 8);
    }
    if let Some(binary) = unsigned.strip_prefix("0b") {
        return digits_in(binary, 2);
    }
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(text, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    // [0-9]+(\.[0-9]*)? | \.[0-9]+, then an optional exponent.
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = all_digits(whole)
        && fraction.is_none_or(all_digits)
        && (!whole.is_empty() || fraction.is_some_and(|f| !f.is_empty()));
    let exponent_ok =
        exponent.is_none_or(|e| digits_in(e.strip_prefix(['+', '-']).unwrap_or(e), 10));
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Rc<Node> {
        parse(text).unwrap().unwrap()
    }

    #[test]
    fn numbers_are_recognised_not_converted() {
        for number in [
            "0",
            "-1",
            "+5",
            "1.50",
            "1e400",
            "0x1F",
            "0o17",
            ".5",
            "1.",
            "-.inf",
            ".nan",
            "99999999999999999999999",
        ] {
            assert_eq!(plain_kind(number), ScalarKind::Number, "{number}");
        }
        for text in [
            "1.2.3", "0x", "e5", "1e", "--1", "12a", ".", "-.nan", "1_000",
        ] {
            assert_eq!(plain_kind(text), ScalarKind::Text, "{text}");
        }
    }

    #[test]
    fn aliases_share_their_anchor() {
        let tree = root("a: &x [1, 2]\nb: *x\n");
        let Value::Map(entries) = &tree.value else {
            panic!("a map")
        };
        let Value::Alias(target) = &entries[1].1.value else {
            panic!("an alias")
        };
        assert!(Rc::ptr_eq(target, &entries[0].1));
    }

    #[test]
    fn duplicate_keys_name_both_positions() {
        let error = parse("a:\n  port: 1\n  port: 2\n").unwrap_err();
        assert_eq!(
            error,
            TreeError::DuplicateKey {
                path: FieldPath::parse("a.port"),
                first: Pos { line: 2, column: 3 },
                second: Pos { line: 3, column: 3 },
            }
        );
    }

    #[test]
    fn depth_is_refused_at_the_opening_bracket() {
        let deep = format!("a: {}{}", "[".repeat(100), "]".repeat(100));
        match parse(&deep).unwrap_err() {
            TreeError::TooDeep { pos, .. } => assert_eq!(
                pos,
                Pos {
                    line: 1,
                    column: 67
                }
            ),
            other => panic!("{other:?}"),
        }
        let fine = format!("a: {}{}", "[".repeat(60), "]".repeat(60));
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn alias_expansion_is_budgeted() {
        let big = "x".repeat(100_000);
        let refs = vec!["*a"; 100].join(", ");
        let text = format!("s: &a {big}\nl: [{refs}]\n");
        match parse(&text).unwrap_err() {
            TreeError::TooLarge { alias, path, .. } => {
                assert_eq!(alias.as_deref(), Some("a"));
                assert!(path.to_string().starts_with("l["), "{path}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_aliases_and_odd_keys_are_errors() {
        assert!(matches!(
            parse("a: *nope\n"),
            Err(TreeError::UnknownAlias { .. })
        ));
        assert!(matches!(
            parse("? [a]\n: b\n"),
            Err(TreeError::KeyNotScalar { .. })
        ));
        assert!(matches!(
            parse("a: !!int 5\n"),
            Err(TreeError::UnsupportedTag { .. })
        ));
        assert!(matches!(
            parse("a: 1\n---\nb: 2\n"),
            Err(TreeError::SecondDocument { .. })
        ));
    }

    #[test]
    fn empty_documents_have_no_root() {
        assert!(parse("").unwrap().is_none());
        assert!(parse("# c\n").unwrap().is_none());
        assert!(parse("---\n...\n").unwrap().is_none());
        assert!(parse("~\n").unwrap().is_none());
    }
}
