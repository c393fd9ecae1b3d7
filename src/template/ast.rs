//! The parsed form of a template, shaped like Go's `parse` nodes. Positions
//! are byte offsets into the text the node was parsed from.

use std::sync::Arc;

use super::funcs::Func;

/// Which text a tree was parsed from, so positions can be turned into
/// line:column of the right text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Common,
    Value,
}

#[derive(Debug)]
pub struct Tree {
    pub name: Arc<str>,
    pub origin: Origin,
    pub root: Vec<Node>,
}

#[derive(Debug)]
pub enum Node {
    Text(Arc<str>),
    Action(Pipe),
    If(Branch),
    With(Branch),
    Range(Branch),
    Template {
        pos: usize,
        name: Arc<str>,
        pipe: Option<Pipe>,
    },
    Break,
    Continue,
}

/// `if`, `with` and `range` share this shape.
#[derive(Debug)]
pub struct Branch {
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

#[derive(Debug)]
pub struct Pipe {
    pub pos: usize,
    /// `=` rather than `:=`.
    pub is_assign: bool,
    pub decl: Vec<Arc<str>>,
    pub cmds: Vec<Command>,
}

#[derive(Debug)]
pub struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

/// A number literal with every reading Go's parser found valid.
#[derive(Debug, Clone)]
pub struct Number {
    pub text: Arc<str>,
    pub int: Option<i64>,
    pub uint: bool,
    pub float: Option<f64>,
    /// Written with a decimal point or exponent, so it is a float constant.
    pub float_syntax: bool,
}

#[derive(Debug)]
pub enum Arg {
    /// `.` (field chain empty) or `.A.B`.
    Field {
        pos: usize,
        names: Vec<Arc<str>>,
    },
    /// `$x.A.B`.
    Variable {
        pos: usize,
        name: Arc<str>,
        fields: Vec<Arc<str>>,
    },
    Dot(usize),
    Nil(usize),
    Bool(usize, bool),
    Number(usize, Number),
    /// Bytes: `"\xff"` is a valid literal.
    Str(usize, Arc<[u8]>),
    Function(usize, &'static Func),
    Pipe(Box<Pipe>),
    /// `(pipeline).A.B`.
    Chain {
        pos: usize,
        node: Box<Arg>,
        fields: Vec<Arc<str>>,
    },
}

impl Arg {
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Dot(pos)
            | Arg::Nil(pos)
            | Arg::Bool(pos, _)
            | Arg::Number(pos, _)
            | Arg::Str(pos, _)
            | Arg::Function(pos, _) => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }

    /// How Go's errors name a literal ("expected string; found 5").
    pub fn describe(&self) -> String {
        match self {
            Arg::Field { names, .. } => names.iter().map(|n| format!(".{n}")).collect(),
            Arg::Variable { name, fields, .. } => {
                let mut s = name.to_string();
                for f in fields {
                    s.push('.');
                    s.push_str(f);
                }
                s
            }
            Arg::Dot(_) => ".".into(),
            Arg::Nil(_) => "nil".into(),
            Arg::Bool(_, b) => b.to_string(),
            Arg::Number(_, n) => n.text.to_string(),
            Arg::Str(_, s) => String::from_utf8_lossy(&super::strconv::quote(s)).into_owned(),
            Arg::Function(_, f) => f.name.to_string(),
            Arg::Pipe(_) => "(pipeline)".into(),
            Arg::Chain { node, fields, .. } => {
                let mut s = node.describe();
                for f in fields {
                    s.push('.');
                    s.push_str(f);
                }
                s
            }
        }
    }
}

/// Go's `parse.IsEmptyTree`: only white-space text. Such a tree does not
/// replace an existing template of the same name.
pub fn is_empty_tree(nodes: &[Node]) -> bool {
    nodes.iter().all(|n| match n {
        Node::Text(t) => t.chars().all(super::unicode::is_space),
        _ => false,
    })
}
