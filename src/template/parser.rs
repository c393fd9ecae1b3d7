//! Builds trees from tokens with Go's grammar and Go's parse-time checks
//! (undefined variables, unknown functions, `break` outside `range`).

use std::collections::HashMap;
use std::sync::Arc;

use super::ast::{Arg, Branch, Command, Node, Number, Origin, Pipe, Tree, is_empty_tree};
use super::funcs;
use super::lexer::{self, Kind, Token};
use super::limits::MAX_PARSE_NESTING as MAX_NESTING;
use super::strconv;

#[derive(Debug)]
pub struct ParseError {
    pub pos: usize,
    pub message: String,
}

type Result<T> = std::result::Result<T, ParseError>;

/// Parses `src`; returns every tree it defines, the top level (named "")
/// last, in Go's `treeSet` order of addition.
pub fn parse(src: &str, origin: Origin) -> Result<Vec<Tree>> {
    let tokens = lexer::tokenize(src).map_err(|e| ParseError {
        pos: e.pos,
        message: e.message,
    })?;
    let mut p = Parser {
        src,
        tokens,
        at: 0,
        vars: vec![Arc::from("$")],
        range_depth: 0,
        nesting: 0,
        origin,
        trees: Vec::new(),
        tree_index: HashMap::new(),
    };
    let root = p.parse_top()?;
    p.add(Tree {
        name: Arc::from(""),
        origin,
        root,
    })?;
    Ok(p.trees)
}

/// Up to this many trees, names are found by looking along the list.
const FEW_TREES: usize = 8;

/// What ended an item list.
enum Terminator {
    End,
    Else(usize),
    ElseIf,
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    at: usize,
    vars: Vec<Arc<str>>,
    range_depth: usize,
    nesting: usize,
    origin: Origin,
    trees: Vec<Tree>,
    /// Where each name sits in `trees` once there are more than
    /// `FEW_TREES`, so many `define`s stay linear.
    tree_index: HashMap<Arc<str>, usize>,
}

impl Parser<'_> {
    fn text(&self, t: Token) -> &str {
        &self.src[t.start..t.end]
    }

    fn error<T>(&self, pos: usize, message: impl Into<String>) -> Result<T> {
        Err(ParseError {
            pos,
            message: message.into(),
        })
    }

    fn peek(&self) -> Token {
        self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let t = self.peek();
        if self.at < self.tokens.len() - 1 {
            self.at += 1;
        }
        t
    }

    fn backup(&mut self) {
        self.at -= 1;
    }

    fn skip_space(&mut self) {
        while self.peek().kind == Kind::Space {
            self.at += 1;
        }
    }

    fn next_non_space(&mut self) -> Token {
        self.skip_space();
        self.next()
    }

    fn peek_non_space(&mut self) -> Token {
        self.skip_space();
        self.peek()
    }

    fn describe(&self, t: Token) -> String {
        match t.kind {
            Kind::Eof => "EOF".into(),
            Kind::RightDelim | Kind::LeftDelim => format!("\"{}\"", self.text(t).trim()),
            Kind::Space => "space".into(),
            Kind::Text => format!("{:?}", self.text(t)),
            _ => format!("<{}>", self.text(t)),
        }
    }

    fn unexpected<T>(&self, t: Token, context: &str) -> Result<T> {
        if t.kind == Kind::Eof {
            return self.error(t.start, format!("unexpected EOF in {context}"));
        }
        self.error(
            t.start,
            format!("unexpected {} in {context}", self.describe(t)),
        )
    }

    fn expect(&mut self, kind: Kind, context: &str) -> Result<Token> {
        let t = self.next_non_space();
        if t.kind != kind {
            return self.unexpected(t, context);
        }
        Ok(t)
    }

    fn enter(&mut self, pos: usize) -> Result<()> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return self.error(pos, format!("nesting deeper than {MAX_NESTING} levels"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting -= 1;
    }

    /// Go's `Tree.add`: a second non-empty definition of a name is an error;
    /// an empty one never replaces a non-empty one.
    fn add(&mut self, tree: Tree) -> Result<()> {
        if let Some(i) = self.position(&tree.name) {
            if is_empty_tree(&self.trees[i].root) {
                self.trees[i] = tree;
            } else if !is_empty_tree(&tree.root) {
                return self.error(
                    0,
                    format!("multiple definition of template {:?}", tree.name),
                );
            }
            return Ok(());
        }
        if self.trees.len() >= FEW_TREES {
            if self.tree_index.is_empty() {
                for (i, t) in self.trees.iter().enumerate() {
                    self.tree_index.insert(t.name.clone(), i);
                }
            }
            self.tree_index.insert(tree.name.clone(), self.trees.len());
        }
        self.trees.push(tree);
        Ok(())
    }

    /// Where a tree of this name is: a look along the list while there are
    /// few (the common case, and cheaper than hashing), the index after.
    fn position(&self, name: &str) -> Option<usize> {
        if self.trees.len() > FEW_TREES {
            return self.tree_index.get(name).copied();
        }
        self.trees.iter().position(|t| &*t.name == name)
    }

    fn parse_top(&mut self) -> Result<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().kind != Kind::Eof {
            if self.peek().kind == Kind::LeftDelim {
                let delim = self.at;
                self.next();
                if self.next_non_space().kind == Kind::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.at = delim;
            }
            match self.text_or_action()? {
                Item::Node(n) => root.push(n),
                Item::End(pos) => return self.error(pos, "unexpected {{end}}"),
                Item::Else(pos, _) => return self.error(pos, "unexpected {{else}}"),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> Result<()> {
        let context = "define clause";
        let t = self.next_non_space();
        if !matches!(t.kind, Kind::String | Kind::RawString) {
            return self.unexpected(t, context);
        }
        let name = self.template_name(t, context)?;
        self.expect(Kind::RightDelim, context)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec![Arc::from("$")]);
        let saved_range = std::mem::replace(&mut self.range_depth, 0);
        let (root, end) = self.item_list()?;
        self.vars = saved_vars;
        self.range_depth = saved_range;
        match end {
            Terminator::End => {}
            Terminator::Else(pos) => {
                return self.error(pos, format!("unexpected {{{{else}}}} in {context}"));
            }
            Terminator::ElseIf => {
                return self.error(t.start, format!("unexpected {{{{else}}}} in {context}"));
            }
        }
        self.add(Tree {
            name,
            origin: self.origin,
            root,
        })
    }

    fn item_list(&mut self) -> Result<(Vec<Node>, Terminator)> {
        let mut list = Vec::new();
        while self.peek_non_space().kind != Kind::Eof {
            match self.text_or_action()? {
                Item::Node(n) => list.push(n),
                Item::End(_) => return Ok((list, Terminator::End)),
                Item::Else(pos, is_if) => {
                    return Ok((
                        list,
                        if is_if {
                            Terminator::ElseIf
                        } else {
                            Terminator::Else(pos)
                        },
                    ));
                }
            }
        }
        let eof = self.peek();
        self.error(eof.start, "unexpected EOF")
    }

    fn text_or_action(&mut self) -> Result<Item> {
        let t = self.next_non_space();
        match t.kind {
            Kind::Text => Ok(Item::Node(Node::Text(Arc::from(self.text(t))))),
            Kind::LeftDelim => self.action(),
            _ => self.unexpected(t, "input"),
        }
    }

    fn action(&mut self) -> Result<Item> {
        let t = self.next_non_space();
        let node = match t.kind {
            Kind::Block => self.block_control(t)?,
            Kind::Break | Kind::Continue => {
                let what = if t.kind == Kind::Break {
                    "break"
                } else {
                    "continue"
                };
                let close = self.next_non_space();
                if close.kind != Kind::RightDelim {
                    return self.unexpected(close, &format!("{{{{{what}}}}}"));
                }
                if self.range_depth == 0 {
                    return self.error(t.start, format!("{{{{{what}}}}} outside {{{{range}}}}"));
                }
                if t.kind == Kind::Break {
                    Node::Break
                } else {
                    Node::Continue
                }
            }
            Kind::Else => {
                // `else if` keeps the `if` for the caller to parse.
                if self.peek_non_space().kind == Kind::If {
                    return Ok(Item::Else(t.start, true));
                }
                self.expect(Kind::RightDelim, "else")?;
                return Ok(Item::Else(t.start, false));
            }
            Kind::End => {
                self.expect(Kind::RightDelim, "end")?;
                return Ok(Item::End(t.start));
            }
            Kind::If => Node::If(self.parse_control(true, "if", t.start)?),
            Kind::Range => Node::Range(self.parse_control(false, "range", t.start)?),
            Kind::With => Node::With(self.parse_control(false, "with", t.start)?),
            Kind::Template => self.template_control()?,
            _ => {
                self.backup();
                Node::Action(self.pipeline("command", Kind::RightDelim)?)
            }
        };
        Ok(Item::Node(node))
    }

    fn parse_control(&mut self, allow_else_if: bool, context: &str, pos: usize) -> Result<Branch> {
        self.enter(pos)?;
        let vars_len = self.vars.len();
        let pipe = self.pipeline(context, Kind::RightDelim)?;
        let is_range = context == "range";
        if is_range {
            self.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if is_range {
            self.range_depth -= 1;
        }
        let else_list = match next {
            Terminator::End => None,
            Terminator::ElseIf if allow_else_if => {
                let if_token = self.next_non_space();
                let nested = self.parse_control(true, "if", if_token.start)?;
                Some(vec![Node::If(nested)])
            }
            Terminator::ElseIf | Terminator::Else(_) => {
                if let Terminator::ElseIf = next {
                    // `{{else if}}` inside with/range: the `if` starts a pipeline,
                    // which Go rejects as an unexpected keyword.
                    let t = self.next_non_space();
                    return self.unexpected(t, "else");
                }
                let (else_list, end) = self.item_list()?;
                if !matches!(end, Terminator::End) {
                    let p = match end {
                        Terminator::Else(p) => p,
                        _ => pos,
                    };
                    return self.error(p, "expected end; found {{else}}");
                }
                Some(else_list)
            }
        };
        self.vars.truncate(vars_len);
        self.leave();
        Ok(Branch {
            pipe,
            list,
            else_list,
        })
    }

    fn template_name(&mut self, t: Token, context: &str) -> Result<Arc<str>> {
        match t.kind {
            Kind::String | Kind::RawString => {
                let bytes = self.unquote(t)?;
                match String::from_utf8(bytes) {
                    Ok(name) => Ok(Arc::from(name)),
                    Err(_) => self.error(
                        t.start,
                        format!(
                            "template name {} is not valid UTF-8, which kubevali does not support",
                            self.text(t)
                        ),
                    ),
                }
            }
            _ => self.unexpected(t, context),
        }
    }

    fn template_control(&mut self) -> Result<Node> {
        let context = "template clause";
        let t = self.next_non_space();
        let name = self.template_name(t, context)?;
        let pipe = if self.next_non_space().kind != Kind::RightDelim {
            self.backup();
            Some(self.pipeline(context, Kind::RightDelim)?)
        } else {
            None
        };
        Ok(Node::Template {
            pos: t.start,
            name,
            pipe,
        })
    }

    fn block_control(&mut self, block: Token) -> Result<Node> {
        let context = "block clause";
        self.enter(block.start)?;
        let t = self.next_non_space();
        let name = self.template_name(t, context)?;
        let pipe = self.pipeline(context, Kind::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec![Arc::from("$")]);
        let saved_range = std::mem::replace(&mut self.range_depth, 0);
        let (root, end) = self.item_list()?;
        self.vars = saved_vars;
        self.range_depth = saved_range;
        if !matches!(end, Terminator::End) {
            return self.error(block.start, format!("unexpected {{{{else}}}} in {context}"));
        }
        self.add(Tree {
            name: name.clone(),
            origin: self.origin,
            root,
        })?;
        self.leave();
        Ok(Node::Template {
            pos: t.start,
            name,
            pipe: Some(pipe),
        })
    }

    fn pipeline(&mut self, context: &str, end: Kind) -> Result<Pipe> {
        let first = self.peek_non_space();
        self.enter(first.start)?;
        let mut pipe = Pipe {
            pos: first.start,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        loop {
            let v = self.peek_non_space();
            if v.kind != Kind::Variable {
                break;
            }
            let var_at = self.at;
            self.next();
            let next = self.peek_non_space();
            match next.kind {
                Kind::Assign | Kind::Declare => {
                    pipe.is_assign = next.kind == Kind::Assign;
                    self.next();
                    let name: Arc<str> = Arc::from(self.text(v));
                    pipe.decl.push(name.clone());
                    self.vars.push(name);
                    break;
                }
                Kind::Char if self.text(next) == "," => {
                    self.next();
                    let name: Arc<str> = Arc::from(self.text(v));
                    pipe.decl.push(name.clone());
                    self.vars.push(name);
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().kind {
                            Kind::Variable | Kind::RightDelim | Kind::RightParen => continue,
                            _ => {
                                return self
                                    .error(next.start, "range can only initialize variables");
                            }
                        }
                    }
                    return self.error(next.start, format!("too many declarations in {context}"));
                }
                _ => {
                    self.at = var_at;
                    break;
                }
            }
        }
        loop {
            let t = self.next_non_space();
            match t.kind {
                k if k == end => {
                    self.check_pipeline(&pipe, context, t.start)?;
                    self.leave();
                    return Ok(pipe);
                }
                Kind::Bool
                | Kind::CharConstant
                | Kind::Complex
                | Kind::Dot
                | Kind::Field
                | Kind::Identifier
                | Kind::Number
                | Kind::Nil
                | Kind::RawString
                | Kind::String
                | Kind::Variable
                | Kind::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return self.unexpected(t, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str, pos: usize) -> Result<()> {
        if pipe.cmds.is_empty() {
            return self.error(pos, format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args[0],
                Arg::Bool(..) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number(..) | Arg::Str(..)
            ) {
                return self.error(
                    c.pos,
                    format!("non executable command in pipeline stage {}", i + 1),
                );
            }
        }
        Ok(())
    }

    fn command(&mut self) -> Result<Command> {
        let pos = self.peek_non_space().start;
        let mut args = Vec::new();
        loop {
            self.skip_space();
            if let Some(operand) = self.operand()? {
                args.push(operand);
            }
            let t = self.next();
            match t.kind {
                Kind::Space => continue,
                Kind::RightDelim | Kind::RightParen => self.backup(),
                Kind::Pipe => {}
                _ => return self.unexpected(t, "operand"),
            }
            break;
        }
        if args.is_empty() {
            return self.error(pos, "empty command");
        }
        Ok(Command { pos, args })
    }

    fn operand(&mut self) -> Result<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind != Kind::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().start;
        let mut fields: Vec<Arc<str>> = Vec::new();
        while self.peek().kind == Kind::Field {
            let t = self.next();
            fields.push(Arc::from(&self.text(t)[1..]));
        }
        Ok(Some(match node {
            Arg::Field { pos, mut names } => {
                names.extend(fields);
                Arg::Field { pos, names }
            }
            Arg::Variable {
                pos,
                name,
                fields: mut own,
            } => {
                own.extend(fields);
                Arg::Variable {
                    pos,
                    name,
                    fields: own,
                }
            }
            Arg::Bool(..) | Arg::Str(..) | Arg::Number(..) | Arg::Nil(_) | Arg::Dot(_) => {
                return self.error(
                    chain_pos,
                    format!("unexpected . after term {:?}", node.describe()),
                );
            }
            other => Arg::Chain {
                pos: chain_pos,
                node: Box::new(other),
                fields,
            },
        }))
    }

    fn term(&mut self) -> Result<Option<Arg>> {
        let t = self.next_non_space();
        let pos = t.start;
        Ok(Some(match t.kind {
            Kind::Identifier => {
                let name = self.text(t);
                match funcs::lookup(name) {
                    Ok(f) => Arg::Function(pos, f),
                    Err(e) => return self.error(pos, e.to_string()),
                }
            }
            Kind::Dot => Arg::Dot(pos),
            Kind::Nil => Arg::Nil(pos),
            Kind::Variable => {
                let name = self.text(t);
                // `$x.y` arrives as one token; the fields are split off here.
                let mut parts = name.split('.');
                let var = parts.next().unwrap_or_default();
                let fields: Vec<Arc<str>> = parts.map(Arc::from).collect();
                if !self.vars.iter().any(|v| &**v == var) {
                    return self.error(pos, format!("undefined variable {var:?}"));
                }
                Arg::Variable {
                    pos,
                    name: Arc::from(var),
                    fields,
                }
            }
            Kind::Field => Arg::Field {
                pos,
                names: vec![Arc::from(&self.text(t)[1..])],
            },
            Kind::Bool => Arg::Bool(pos, self.text(t) == "true"),
            Kind::CharConstant | Kind::Number | Kind::Complex => Arg::Number(pos, self.number(t)?),
            Kind::LeftParen => Arg::Pipe(Box::new(
                self.pipeline("parenthesized pipeline", Kind::RightParen)?,
            )),
            Kind::String | Kind::RawString => Arg::Str(pos, Arc::from(self.unquote(t)?)),
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }

    fn unquote(&self, t: Token) -> Result<Vec<u8>> {
        let text = self.text(t);
        strconv::unquote(text)
            .or_else(|_| self.error(t.start, format!("invalid string literal {text}")))
    }

    /// Go's `parse.newNumber`: every interpretation that fits.
    fn number(&self, t: Token) -> Result<Number> {
        let text = self.text(t);
        if t.kind == Kind::Complex || text.ends_with('i') {
            return self.error(
                t.start,
                format!("complex number {text} is not supported by kubevali"),
            );
        }
        if t.kind == Kind::CharConstant {
            let inner = &text[1..];
            let c = match strconv::unquote_char(inner, '\'') {
                Ok((c, "'")) => match c {
                    strconv::Unquoted::Char(c) => c as i64,
                    strconv::Unquoted::Byte(b) => b as i64,
                },
                _ => {
                    return self.error(t.start, format!("malformed character constant: {text}"));
                }
            };
            return Ok(Number {
                text: Arc::from(text),
                int: Some(c),
                uint: true,
                float: Some(c as f64),
                float_syntax: false,
            });
        }
        let mut n = Number {
            text: Arc::from(text),
            int: None,
            uint: false,
            float: None,
            float_syntax: false,
        };
        let u = strconv::parse_uint(text, true).ok();
        n.uint = u.is_some();
        n.int = strconv::parse_int(text, true).ok();
        if n.int == Some(0) {
            n.uint = true;
        }
        if let Some(i) = n.int {
            n.float = Some(i as f64);
        } else if let Some(u) = u {
            n.float = Some(u as f64);
        } else if let Some(f) = strconv::parse_float(text) {
            if !text.contains(['.', 'e', 'E', 'p', 'P']) {
                return self.error(t.start, format!("integer overflow: {text:?}"));
            }
            n.float = Some(f);
            if f == (f as i64) as f64 && f.abs() < 9.3e18 {
                n.int = Some(f as i64);
            }
            if f >= 0.0 && f == (f as u64) as f64 && f < 1.8e19 {
                n.uint = true;
            }
        }
        if n.int.is_none() && !n.uint && n.float.is_none() {
            return self.error(t.start, format!("illegal number syntax: {text:?}"));
        }
        let is_hex_int = text.len() > 2
            && text.starts_with('0')
            && matches!(text.as_bytes()[1], b'x' | b'X')
            && !text.contains(['p', 'P']);
        n.float_syntax = !is_hex_int && text.contains(['.', 'e', 'E', 'p', 'P']);
        Ok(n)
    }
}

enum Item {
    Node(Node),
    End(usize),
    /// An `{{else}}`; `true` when it is `{{else if ...`.
    Else(usize, bool),
}
