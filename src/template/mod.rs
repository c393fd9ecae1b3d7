//! Go `text/template` with a curated sprig subset, hand-written.
//!
//! Data flows lexer → parser (AST) → evaluator; functions live in their own
//! files. Whatever is supported prints byte for byte what Go 1.19 + sprig 3.2.3
//! print; whatever is not is a clear error.
//!
//! (API surface fixed first so that config, argv and kube code can be written
//! against it; the engine fills it in.)

pub mod gofmt;
mod value;

pub use value::{ElemType, Value};

use std::fmt;

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
pub struct Templates {/* engine state */}

impl Templates {
    pub fn new(common: &str) -> Result<Templates, Error> {
        if !common.contains("{{") {
            return Ok(Templates {});
        }
        unimplemented!("template engine")
    }

    /// Parses `source` on its own (its `define`s may shadow common ones) and
    /// executes it with `ctx`.
    pub fn render(&self, source: &str, ctx: &Context<'_>) -> Result<String, Error> {
        // Text without an action is its own output; most values are like that.
        if !source.contains("{{") {
            return Ok(source.to_owned());
        }
        let _ = ctx;
        unimplemented!("template engine")
    }

    /// Parses `source` without executing it, to report syntax errors and
    /// unknown functions when the config is loaded.
    pub fn check(&self, source: &str) -> Result<(), Error> {
        if !source.contains("{{") {
            return Ok(());
        }
        unimplemented!("template engine")
    }
}
