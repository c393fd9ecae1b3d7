//! Go `text/template` with a curated sprig subset, hand-written.
//!
//! Data flows lexer → parser (AST) → evaluator; functions live in their own
//! files. Whatever is supported prints byte for byte what Go 1.19 + sprig 3.2.3
//! print; whatever is not is a clear error.
//!
//! `lexer` → `parser` (trees in `ast`) → `eval`; `funcs` holds the function
//! table (`builtin`, `sprig`, `kube`). Go's own packages each have a module:
//! `fmt` (printing), `strconv` (literals, numbers, quoting, floats) and
//! `unicode` (UTF-8 decoding and Go 1.19's case tables). Strings are bytes,
//! as in Go: a value may be any bytes, not only UTF-8. tests/conformance.rs
//! and tests/differential.rs (against Go itself) pin the output to Go's.
//!
//! Every bound on a render is in `limits`.

mod ast;
mod eval;
mod fmt;
mod funcs;
mod lexer;
pub(crate) mod limits;
mod parser;
pub(crate) mod strconv;
#[cfg(test)]
mod tests;
mod unicode;
mod value;

#[cfg(test)]
pub(crate) use value::ElemType;

use std::collections::HashMap;
use std::ffi::OsString;
use std::sync::Arc;

use ast::{Origin, Tree};

/// Where the Kubernetes-backed template functions get node addresses from.
/// The `kube` module implements it lazily, so the API is only called when a
/// template uses one of these functions.
pub trait NodeAddresses {
    /// ExternalIP addresses of all nodes, in API list order.
    fn external_ips(&self) -> Result<Vec<String>, String>;
    /// ExternalIP of the node this pod runs on.
    fn pod_node_ip(&self) -> Result<String, String>;
}

/// Everything a render can see besides the template text.
pub struct Context<'a> {
    /// `.Index`.
    pub index: i64,
    /// What `env "NAME"` reads, bytes as they are; `None` prints as "".
    pub env: &'a dyn Fn(&str) -> Option<OsString>,
    /// Backs `getRandomNodeIP`, `getNodeIPWithIndex`, `getPodNodeIP`.
    pub nodes: Option<&'a dyn NodeAddresses>,
}

/// A template error with its position inside the template text (1-based;
/// 0 when the error has no position).
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "{}:{}: {}", self.line, self.column, self.message)
        }
    }
}

impl std::error::Error for Error {}

/// The parsed `commonTemplate`: its `define`d templates are visible to every
/// value rendered through it. One `Templates` is one render of a config: the
/// values rendered through it share one budget of work (see `limits`).
pub struct Templates {
    common_src: String,
    /// Every template the common text defines, its top level under "".
    common: HashMap<Arc<str>, Arc<Tree>>,
    budget: eval::Budget,
}

impl Templates {
    pub fn new(common: &str) -> Result<Templates, Error> {
        let trees = parser::parse(common, Origin::Common)
            .map_err(|e| position_error(common, e.pos, e.message))?;
        Ok(Templates {
            common_src: common.to_owned(),
            common: trees
                .into_iter()
                .map(|t| (t.name.clone(), Arc::new(t)))
                .collect(),
            budget: eval::Budget::default(),
        })
    }

    /// Parses `source` on its own (its `define`s may shadow common ones) and
    /// executes it with `ctx`. The result is bytes, as Go's is.
    ///
    /// As in the original, the value becomes a new template of its own: a
    /// value with no action (empty, blank, a comment, only `define`s)
    /// renders its own text, never the common text's top level.
    pub fn render(&self, source: &str, ctx: &Context<'_>) -> Result<Vec<u8>, Error> {
        if !source.contains("{{") {
            // Text without an action is its own output; most values are
            // like that.
            if source.len() > limits::MAX_STRING {
                return Err(Error {
                    line: 1,
                    column: 1,
                    message: format!(
                        "text of {} bytes is larger than the {} bytes a value may render to",
                        source.len(),
                        limits::MAX_STRING
                    ),
                });
            }
            return Ok(source.as_bytes().to_vec());
        }
        let trees = parser::parse(source, Origin::Value)
            .map_err(|e| position_error(source, e.pos, e.message))?;
        // The parser always adds the value's own top level, named "".
        let Some(main) = trees.iter().find(|t| t.name.is_empty()) else {
            return Ok(Vec::new());
        };
        let set = eval::TemplateSet::new(&self.common, &trees);
        eval::execute(set, main, ctx, &self.common_src, &self.budget)
            .map_err(|e| self.exec_error(source, e))
    }

    /// Starts a fresh budget, for benchmarks that render one value many
    /// times through the same `Templates`.
    #[doc(hidden)]
    pub fn refill_budget(&self) {
        self.budget.refill();
    }

    /// Parses `source` without executing it, to report syntax errors and
    /// unknown functions (used to check a whole reference config).
    pub fn check(&self, source: &str) -> Result<(), Error> {
        if !source.contains("{{") {
            return Ok(());
        }
        parser::parse(source, Origin::Value)
            .map(|_| ())
            .map_err(|e| position_error(source, e.pos, e.message))
    }

    fn exec_error(&self, source: &str, e: eval::ExecError) -> Error {
        match e.origin {
            Origin::Value => position_error(source, e.pos, e.message),
            Origin::Common => {
                let (line, column) = eval::line_col(&self.common_src, e.pos);
                Error {
                    line: 0,
                    column: 0,
                    message: format!("commonTemplate:{line}:{column}: {}", e.message),
                }
            }
        }
    }
}

fn position_error(text: &str, pos: usize, message: String) -> Error {
    let (line, column) = eval::line_col(text, pos);
    Error {
        line,
        column,
        message,
    }
}
