//! Go `text/template` with a curated sprig subset, hand-written.
//!
//! Data flows lexer → parser (AST) → evaluator; functions live in their own
//! files. Whatever is supported prints byte for byte what Go 1.19 + sprig 3.2.3
//! print; whatever is not is a clear error.
//!
//! `lexer` → `parser` (trees in `ast`) → `eval`; `funcs` holds the function
//! table (`builtin`, `sprig`, `kube`), `strconv` Go's literal and number
//! parsing, `gofmt` Go's `fmt`. tests/conformance.rs and
//! tests/differential.rs (against Go itself) pin the output to Go's.
//!
//! Limits, so no input can hang or exhaust the process: 1 MiB per string and
//! per output, 1000 nested template calls (and never more than the stack
//! allows), 200 nested parentheses or blocks, 10 million evaluation steps.

mod ast;
mod eval;
mod funcs;
pub mod gofmt;
mod lexer;
mod parser;
mod strconv;
#[cfg(test)]
mod tests;
mod value;

pub use value::{ElemType, Value};

use std::collections::HashMap;
use std::fmt;
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
    /// What `env "NAME"` reads; `None` prints as "".
    pub env: &'a dyn Fn(&str) -> Option<String>,
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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "{}:{}: {}", self.line, self.column, self.message)
        }
    }
}

impl std::error::Error for Error {}

/// The parsed `commonTemplate`: its `define`d templates are visible to every
/// value rendered through it.
pub struct Templates {
    common_src: String,
    /// Every template the common text defines, its top level under "".
    common: HashMap<Arc<str>, Arc<Tree>>,
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
        })
    }

    /// Parses `source` on its own (its `define`s may shadow common ones) and
    /// executes it with `ctx`.
    pub fn render(&self, source: &str, ctx: &Context<'_>) -> Result<String, Error> {
        if !source.contains("{{") {
            // Text without an action is its own output; most values are
            // like that. Go keeps an existing template instead of replacing
            // it with a blank one, so a blank value runs the common text's
            // top level.
            if !source.trim().is_empty() {
                return Ok(source.to_owned());
            }
            let Some(top) = self.common.get("") else {
                return Ok(String::new());
            };
            let set = eval::TemplateSet {
                common: &self.common,
                value: &[],
            };
            return eval::execute(set, top, ctx, &self.common_src)
                .map_err(|e| self.exec_error(source, e));
        }
        let trees = parser::parse(source, Origin::Value)
            .map_err(|e| position_error(source, e.pos, e.message))?;
        let set = eval::TemplateSet {
            common: &self.common,
            value: &trees,
        };
        let Some(main) = set.lookup("") else {
            return Ok(String::new());
        };
        eval::execute(set, main, ctx, &self.common_src).map_err(|e| self.exec_error(source, e))
    }

    /// Parses `source` without executing it, to report syntax errors and
    /// unknown functions when the config is loaded.
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
