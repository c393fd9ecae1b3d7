//! Executes trees the way Go's `text/template/exec.go` does: the same
//! argument conversions, variable scoping, truthiness and printing.

use std::collections::HashMap;
use std::os::unix::ffi::OsStringExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::ast::{Arg, Branch, Command, Node, Number, Origin, Pipe, Tree, is_empty_tree};
use super::funcs::{Func, FuncError, FuncResult, Host, Imp, Param};
use super::limits::{MAX_BUILT, MAX_DEPTH, MAX_LIST_NESTING, MAX_STEPS, MAX_STRING, STACK_RESERVE};
use super::value::Value;
use super::{Context, NodeAddresses, fmt, strconv};

/// What the renders of one config have used of the limits they share, so
/// that many heavy values cannot each take the full allowance.
#[derive(Default)]
pub struct Budget {
    steps: AtomicU64,
    built: AtomicU64,
}

impl Budget {
    pub fn refill(&self) {
        self.steps.store(0, Ordering::Relaxed);
        self.built.store(0, Ordering::Relaxed);
    }
}

/// An execution error at a byte offset of the tree it happened in.
#[derive(Debug)]
pub struct ExecError {
    pub origin: Origin,
    pub pos: usize,
    pub message: String,
}

/// Why a walk stopped early.
enum Stop {
    Break,
    Continue,
    Error(Box<ExecError>),
}

type Result<T> = std::result::Result<T, Stop>;

/// The templates a render can call: the value's own definitions shadow the
/// common ones, except that an empty definition never replaces an existing
/// one (Go's `associate`).
pub struct TemplateSet<'a> {
    pub common: &'a HashMap<Arc<str>, Arc<Tree>>,
    pub value: &'a [Tree],
    /// Names of `value` by position, when there are enough to need it.
    pub value_index: Option<HashMap<&'a str, usize>>,
}

impl<'a> TemplateSet<'a> {
    pub fn new(common: &'a HashMap<Arc<str>, Arc<Tree>>, value: &'a [Tree]) -> TemplateSet<'a> {
        let value_index = (value.len() > 8).then(|| {
            value
                .iter()
                .enumerate()
                .map(|(i, t)| (&*t.name, i))
                .collect()
        });
        TemplateSet {
            common,
            value,
            value_index,
        }
    }

    fn value_tree(&self, name: &str) -> Option<&'a Tree> {
        let value: &'a [Tree] = self.value;
        match &self.value_index {
            Some(index) => index.get(name).map(|&i| &value[i]),
            None => value.iter().find(|t| &*t.name == name),
        }
    }

    /// What `template` finds from the value.
    pub fn lookup(&self, name: &str) -> Option<&'a Tree> {
        let common = self.lookup_common(name);
        match self.value_tree(name) {
            Some(t) if is_empty_tree(&t.root) && common.is_some() => common,
            Some(t) => Some(t),
            None => common,
        }
    }

    /// What `include` finds: it closes over the common set alone, as in
    /// the original (and Helm).
    pub fn lookup_common(&self, name: &str) -> Option<&'a Tree> {
        let common: &'a HashMap<Arc<str>, Arc<Tree>> = self.common;
        common.get(name).map(|t| &**t)
    }
}

pub struct Exec<'a> {
    set: TemplateSet<'a>,
    ctx: &'a Context<'a>,
    common_src: &'a str,
    out: Vec<u8>,
    vars: Vec<(Arc<str>, Value)>,
    depth: usize,
    steps: u64,
    /// Origin of the tree being walked, for error positions.
    origin: Origin,
    /// An error from inside `include`, on its way out through the call.
    nested: Option<Box<ExecError>>,
    /// Bytes in the output buffers of the `include`s being run.
    saved_out_len: usize,
    /// Bytes of strings and lists built by functions so far.
    built: u64,
    /// Inside an `include`: only the common set's templates are visible.
    common_only: bool,
}

/// Runs `tree` with `.` = the kubevali data, charging `budget`.
pub fn execute(
    set: TemplateSet<'_>,
    tree: &Tree,
    ctx: &Context<'_>,
    common_src: &str,
    budget: &Budget,
) -> std::result::Result<Vec<u8>, ExecError> {
    let dot = Value::Data(ctx.index);
    let mut exec = Exec {
        set,
        ctx,
        common_src,
        out: Vec::new(),
        vars: vec![(Arc::from("$"), dot.clone())],
        depth: 0,
        steps: budget.steps.load(Ordering::Relaxed),
        origin: tree.origin,
        nested: None,
        saved_out_len: 0,
        built: budget.built.load(Ordering::Relaxed),
        common_only: false,
    };
    let result = exec.walk(&dot, &tree.root);
    budget.steps.store(exec.steps, Ordering::Relaxed);
    budget.built.store(exec.built, Ordering::Relaxed);
    match result {
        Ok(()) => Ok(exec.out),
        Err(Stop::Error(e)) => Err(*e),
        // The parser only allows break/continue inside range.
        Err(Stop::Break | Stop::Continue) => Ok(exec.out),
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let mut pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    let before = &text[..pos];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

impl Host for Exec<'_> {
    fn env(&self, name: &str) -> Option<Vec<u8>> {
        (self.ctx.env)(name).map(OsStringExt::into_vec)
    }

    fn nodes(&self) -> Option<&dyn NodeAddresses> {
        self.ctx.nodes
    }

    fn include(&mut self, name: &[u8], data: Value) -> std::result::Result<Vec<u8>, FuncError> {
        let tree = std::str::from_utf8(name)
            .ok()
            .and_then(|name| self.set.lookup_common(name));
        let Some(tree) = tree else {
            // Go's `ExecuteTemplate` on the common set, which is named "".
            return Err(FuncError::Message(format!(
                "template: no template {} associated with template \"\"",
                String::from_utf8_lossy(&strconv::quote(name))
            )));
        };
        let saved_out = std::mem::take(&mut self.out);
        self.saved_out_len += saved_out.len();
        let saved_scope = std::mem::replace(&mut self.common_only, true);
        let result = self.run_tree(tree, data);
        self.common_only = saved_scope;
        self.saved_out_len -= saved_out.len();
        let text = std::mem::replace(&mut self.out, saved_out);
        match result {
            Ok(()) => Ok(text),
            Err(Stop::Error(e)) => {
                // Passed on whole (see `call`), so recursion does not stack
                // up one message prefix per level.
                self.nested = Some(e);
                Err(FuncError::Nested)
            }
            Err(Stop::Break | Stop::Continue) => Ok(text),
        }
    }
}

impl<'a> Exec<'a> {
    fn error<T>(&self, pos: usize, message: impl Into<String>) -> Result<T> {
        Err(Stop::Error(Box::new(ExecError {
            origin: self.origin,
            pos,
            message: message.into(),
        })))
    }

    fn step(&mut self, pos: usize, units: u64) -> Result<()> {
        self.steps += units;
        if self.steps > MAX_STEPS {
            return self.error(
                pos,
                format!(
                    "the config's templates together take more than {MAX_STEPS} steps \
                     (endless loop?)"
                ),
            );
        }
        Ok(())
    }

    /// An error from a template in the common text, told from the caller's
    /// point of view.
    fn describe_nested(&self, e: &ExecError) -> String {
        match e.origin {
            Origin::Common => {
                let (l, c) = line_col(self.common_src, e.pos);
                format!("commonTemplate:{l}:{c}: {}", e.message)
            }
            Origin::Value => e.message.clone(),
        }
    }

    fn write(&mut self, pos: usize, text: &[u8]) -> Result<()> {
        // Outputs of unfinished `include`s count too, so recursion cannot
        // pile up a buffer per level.
        if self.saved_out_len + self.out.len() + text.len() > MAX_STRING {
            return self.error(pos, format!("output larger than {MAX_STRING} bytes"));
        }
        self.out.extend_from_slice(text);
        Ok(())
    }

    fn walk(&mut self, dot: &Value, nodes: &[Node]) -> Result<()> {
        for node in nodes {
            self.walk_node(dot, node)?;
        }
        Ok(())
    }

    fn walk_node(&mut self, dot: &Value, node: &Node) -> Result<()> {
        match node {
            Node::Text(text) => self.write(0, text.as_bytes()),
            Node::Action(pipe) => {
                let value = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.print_value(pipe.pos, &value)?;
                }
                Ok(())
            }
            Node::If(b) => self.walk_if_or_with(dot, b, false),
            Node::With(b) => self.walk_if_or_with(dot, b, true),
            Node::Range(b) => self.walk_range(dot, b),
            Node::Template { pos, name, pipe } => self.walk_template(dot, *pos, name, pipe),
            Node::Break => Err(Stop::Break),
            Node::Continue => Err(Stop::Continue),
        }
    }

    fn print_value(&mut self, pos: usize, value: &Value) -> Result<()> {
        match value {
            Value::Nil => self.write(pos, b"<no value>"),
            Value::Str(s) => self.write(pos, s),
            other => {
                let text = fmt::format_value(other);
                self.write(pos, &text)
            }
        }
    }

    fn walk_if_or_with(&mut self, dot: &Value, b: &Branch, is_with: bool) -> Result<()> {
        let mark = self.vars.len();
        let result = (|| {
            let value = self.eval_pipeline(dot, &b.pipe)?;
            if value.is_truthy() {
                let dot = if is_with { &value } else { dot };
                self.walk(dot, &b.list)
            } else if let Some(else_list) = &b.else_list {
                self.walk(dot, else_list)
            } else {
                Ok(())
            }
        })();
        self.vars.truncate(mark);
        result
    }

    fn walk_range(&mut self, dot: &Value, b: &Branch) -> Result<()> {
        let mark = self.vars.len();
        let result = self.range_items(dot, b);
        self.vars.truncate(mark);
        result
    }

    fn range_items(&mut self, dot: &Value, b: &Branch) -> Result<()> {
        let value = self.eval_pipeline(dot, &b.pipe)?;
        let inner = self.vars.len();
        match &value {
            Value::List(_, items) if !items.is_empty() => {
                for (i, elem) in items.iter().enumerate() {
                    self.step(b.pipe.pos, 1)?;
                    if !b.pipe.decl.is_empty() {
                        self.vars[inner - 1].1 = elem.clone();
                    }
                    if b.pipe.decl.len() > 1 {
                        self.vars[inner - 2].1 = Value::Int(i as i64);
                    }
                    let r = self.walk(elem, &b.list);
                    self.vars.truncate(inner);
                    match r {
                        Ok(()) | Err(Stop::Continue) => {}
                        Err(Stop::Break) => break,
                        Err(e) => return Err(e),
                    }
                }
                return Ok(());
            }
            Value::List(..) | Value::Nil => {}
            other => {
                let shown = fmt::format_value(other);
                let shown = String::from_utf8_lossy(&shown);
                return self.error(b.pipe.pos, format!("range can't iterate over {shown}"));
            }
        }
        match &b.else_list {
            Some(list) => self.walk(dot, list),
            None => Ok(()),
        }
    }

    fn walk_template(
        &mut self,
        dot: &Value,
        pos: usize,
        name: &str,
        pipe: &Option<Pipe>,
    ) -> Result<()> {
        if self.lookup(name).is_none() {
            return self.error(pos, format!("no such template {name:?}"));
        }
        let data = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Value::Nil,
        };
        match self.call_template(name, data) {
            Err(Stop::Error(e)) if e.origin != self.origin => {
                let message = format!("template {name:?}: {}", self.describe_nested(&e));
                self.error(pos, message)
            }
            other => other,
        }
    }

    /// Runs a named template with `data` as both `.` and `$`, writing to
    /// the current output.
    fn call_template(&mut self, name: &str, data: Value) -> Result<()> {
        let Some(tree) = self.lookup(name) else {
            return self.error(0, format!("no such template {name:?}"));
        };
        self.run_tree(tree, data)
    }

    fn lookup(&self, name: &str) -> Option<&'a Tree> {
        if self.common_only {
            self.set.lookup_common(name)
        } else {
            self.set.lookup(name)
        }
    }

    fn run_tree(&mut self, tree: &Tree, data: Value) -> Result<()> {
        if self.depth >= MAX_DEPTH {
            return self.error(
                0,
                format!("templates nested deeper than {MAX_DEPTH} levels (endless recursion?)"),
            );
        }
        if self.depth >= 16 && stack_left().is_some_and(|left| left < STACK_RESERVE) {
            return self.error(
                0,
                format!(
                    "templates nested {} levels deep exhaust the stack (endless recursion?)",
                    self.depth
                ),
            );
        }
        let saved_vars = std::mem::replace(&mut self.vars, vec![(Arc::from("$"), data.clone())]);
        let saved_origin = std::mem::replace(&mut self.origin, tree.origin);
        self.depth += 1;
        let result = self.walk(&data, &tree.root);
        self.depth -= 1;
        self.origin = saved_origin;
        self.vars = saved_vars;
        result
    }

    fn eval_pipeline(&mut self, dot: &Value, pipe: &Pipe) -> Result<Value> {
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            value = Some(self.eval_command(dot, cmd, value)?);
        }
        let value = value.unwrap_or(Value::Nil);
        for name in &pipe.decl {
            if pipe.is_assign {
                match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = value.clone(),
                    None => return self.error(pipe.pos, format!("undefined variable: {name}")),
                }
            } else {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, cmd: &Command, final_value: &Option<Value>) -> Result<()> {
        if cmd.args.len() > 1 || final_value.is_some() {
            return self.error(
                cmd.pos,
                format!(
                    "can't give argument to non-function {}",
                    cmd.args[0].describe()
                ),
            );
        }
        Ok(())
    }

    fn eval_command(
        &mut self,
        dot: &Value,
        cmd: &Command,
        final_value: Option<Value>,
    ) -> Result<Value> {
        self.step(cmd.pos, 1)?;
        let has_args = cmd.args.len() > 1 || final_value.is_some();
        match &cmd.args[0] {
            Arg::Field { pos, names } => self.eval_fields(*pos, dot.clone(), names, has_args),
            Arg::Chain { pos, node, fields } => {
                let receiver = self.eval_chain_receiver(dot, node)?;
                self.eval_fields(*pos, receiver, fields, has_args)
            }
            Arg::Function(pos, f) => self.call(dot, *pos, f, &cmd.args[1..], final_value),
            Arg::Pipe(p) => {
                self.not_a_function(cmd, &final_value)?;
                self.eval_pipeline(dot, p)
            }
            Arg::Variable { pos, name, fields } => {
                let value = self.var(*pos, name)?;
                if fields.is_empty() {
                    self.not_a_function(cmd, &final_value)?;
                    return Ok(value);
                }
                self.eval_fields(*pos, value, fields, has_args)
            }
            Arg::Nil(pos) => {
                self.not_a_function(cmd, &final_value)?;
                self.error(*pos, "nil is not a command")
            }
            Arg::Bool(_, b) => {
                self.not_a_function(cmd, &final_value)?;
                Ok(Value::Bool(*b))
            }
            Arg::Dot(_) => {
                self.not_a_function(cmd, &final_value)?;
                Ok(dot.clone())
            }
            Arg::Number(pos, n) => {
                self.not_a_function(cmd, &final_value)?;
                self.constant(*pos, n)
            }
            Arg::Str(_, s) => {
                self.not_a_function(cmd, &final_value)?;
                Ok(Value::str(s))
            }
        }
    }

    fn eval_chain_receiver(&mut self, dot: &Value, node: &Arg) -> Result<Value> {
        if let Arg::Nil(pos) = node {
            return self.error(*pos, "indirection through explicit nil");
        }
        self.eval_arg(dot, Param::Any, node)
    }

    fn var(&self, pos: usize, name: &str) -> Result<Value> {
        match self.vars.iter().rev().find(|(n, _)| &**n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => self.error(pos, format!("undefined variable: {name}")),
        }
    }

    /// `.A.B` on `receiver`; only the last field may be given arguments,
    /// and a data field never takes any.
    fn eval_fields(
        &self,
        pos: usize,
        mut receiver: Value,
        names: &[Arc<str>],
        has_args: bool,
    ) -> Result<Value> {
        if names.is_empty() {
            return Ok(receiver);
        }
        for (i, name) in names.iter().enumerate() {
            let last = i + 1 == names.len();
            receiver = match &receiver {
                Value::Nil => return Ok(Value::Nil),
                Value::Data(index) if &**name == "Index" => {
                    if last && has_args {
                        return self.error(
                            pos,
                            format!("{name} has arguments but cannot be invoked as function"),
                        );
                    }
                    Value::Int(*index)
                }
                other => {
                    return self.error(
                        pos,
                        format!(
                            "can't evaluate field {name} in type {}",
                            other.go_type_name()
                        ),
                    );
                }
            };
        }
        Ok(receiver)
    }

    /// Go's `idealConstant`: an untyped number literal used as a value.
    fn constant(&self, pos: usize, n: &Number) -> Result<Value> {
        if n.float_syntax {
            return Ok(Value::Float(n.float.unwrap_or_default()));
        }
        if let Some(i) = n.int {
            return Ok(Value::Int(i));
        }
        if n.uint {
            return self.error(pos, format!("{} overflows int", n.text));
        }
        Ok(Value::Nil)
    }

    fn call(
        &mut self,
        dot: &Value,
        pos: usize,
        f: &Func,
        args: &[Arg],
        final_value: Option<Value>,
    ) -> Result<Value> {
        let num_in = args.len() + usize::from(final_value.is_some());
        let fixed = f.params.len();
        if f.variadic.is_some() {
            if num_in < fixed {
                return self.error(
                    pos,
                    format!(
                        "wrong number of args for {}: want at least {fixed} got {}",
                        f.name,
                        args.len()
                    ),
                );
            }
        } else if num_in != fixed {
            return self.error(
                pos,
                format!(
                    "wrong number of args for {}: want {fixed} got {num_in}",
                    f.name
                ),
            );
        }
        let param_at = |i: usize| {
            if i < fixed {
                f.params[i]
            } else {
                f.variadic.unwrap_or(Param::Any)
            }
        };
        if let Imp::And | Imp::Or = f.imp {
            let is_or = matches!(f.imp, Imp::Or);
            let mut value = Value::Nil;
            for arg in args {
                value = self.eval_arg(dot, Param::Reflect, arg)?;
                if value.is_truthy() == is_or {
                    return Ok(value);
                }
            }
            if let Some(v) = final_value {
                value = v;
            }
            return Ok(value);
        }
        let mut argv = Vec::with_capacity(num_in);
        for (i, arg) in args.iter().enumerate() {
            argv.push(self.eval_arg(dot, param_at(i), arg)?);
        }
        if let Some(v) = final_value {
            let param = param_at(num_in - 1);
            argv.push(self.check_type(pos, v, param)?);
        }
        let result = match f.imp {
            Imp::Pure(func) => func(&argv),
            Imp::Host(func) => func(self, &argv),
            Imp::And | Imp::Or => unreachable_and_or(),
        };
        match result {
            Ok(value) => {
                self.check_value_size(pos, &value)?;
                Ok(value)
            }
            Err(FuncError::Nested) => match self.nested.take() {
                Some(e) if e.origin == self.origin => Err(Stop::Error(e)),
                Some(e) => {
                    let message = format!("error calling {}: {}", f.name, self.describe_nested(&e));
                    self.error(pos, message)
                }
                None => self.error(pos, format!("error calling {}", f.name)),
            },
            Err(e) => self.error(pos, format!("error calling {}: {e}", f.name)),
        }
    }

    /// Keeps values small enough that printing them stays within the output
    /// limit; nested lists can otherwise grow exponentially.
    fn check_value_size(&mut self, pos: usize, value: &Value) -> Result<()> {
        match value {
            Value::Str(s) if s.len() > MAX_STRING => {
                self.error(pos, format!("result larger than {MAX_STRING} bytes"))
            }
            Value::Str(s) => {
                // Values can be kept in variables at every level of a
                // recursion; the sum of all strings built bounds memory.
                self.built += s.len() as u64;
                if self.built > MAX_BUILT {
                    return self.error(
                        pos,
                        format!("template builds more than {MAX_BUILT} bytes of strings"),
                    );
                }
                Ok(())
            }
            Value::List(..) => {
                let mut visited = 0u64;
                let Some(size) = weight(value, 0, &mut visited) else {
                    return self.error(
                        pos,
                        format!("lists nested deeper than {MAX_LIST_NESTING} levels"),
                    );
                };
                self.step(pos, visited / 16)?;
                if size > MAX_STRING as u64 {
                    return self.error(pos, format!("result larger than {MAX_STRING} bytes"));
                }
                self.built += size;
                if self.built > MAX_BUILT {
                    return self.error(
                        pos,
                        format!("template builds more than {MAX_BUILT} bytes of strings"),
                    );
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Go's `evalArg`: literals are checked against the parameter type,
    /// computed values must already have it.
    fn eval_arg(&mut self, dot: &Value, param: Param, arg: &Arg) -> Result<Value> {
        let pos = arg.pos();
        let value = match arg {
            Arg::Dot(_) => dot.clone(),
            Arg::Nil(_) => {
                return match param {
                    Param::Any | Param::Reflect => Ok(Value::Nil),
                    other => self.error(pos, format!("cannot assign nil to {}", type_name(other))),
                };
            }
            Arg::Field { names, .. } => self.eval_fields(pos, dot.clone(), names, false)?,
            Arg::Variable { name, fields, .. } => {
                let v = self.var(pos, name)?;
                self.eval_fields(pos, v, fields, false)?
            }
            Arg::Pipe(p) => self.eval_pipeline(dot, p)?,
            Arg::Function(_, f) => self.call(dot, pos, f, &[], None)?,
            Arg::Chain { node, fields, .. } => {
                let receiver = self.eval_chain_receiver(dot, node)?;
                self.eval_fields(pos, receiver, fields, false)?
            }
            Arg::Bool(_, b) => {
                return match param {
                    Param::Any | Param::Reflect | Param::Bool => Ok(Value::Bool(*b)),
                    other => self.expected(pos, other, arg),
                };
            }
            Arg::Number(_, n) => {
                return match param {
                    Param::Any | Param::Reflect => self.constant(pos, n),
                    Param::Int => match n.int {
                        Some(i) => Ok(Value::Int(i)),
                        None => self.expected(pos, Param::Int, arg),
                    },
                    other => self.expected(pos, other, arg),
                };
            }
            Arg::Str(_, s) => {
                return match param {
                    Param::Any | Param::Reflect | Param::Str => Ok(Value::str(&**s)),
                    other => self.expected(pos, other, arg),
                };
            }
        };
        self.check_type(pos, value, param)
    }

    fn expected<T>(&self, pos: usize, param: Param, arg: &Arg) -> Result<T> {
        let what = match param {
            Param::Int => "integer",
            Param::Bool => "bool",
            _ => "string",
        };
        self.error(pos, format!("expected {what}; found {}", arg.describe()))
    }

    /// Go's `validateType` for a computed value.
    fn check_type(&self, pos: usize, value: Value, param: Param) -> Result<Value> {
        let ok = match (param, &value) {
            (Param::Any | Param::Reflect, _) => true,
            (_, Value::Nil) => {
                return self.error(pos, format!("invalid value; expected {}", type_name(param)));
            }
            (Param::Str, Value::Str(_)) => true,
            (Param::Int, Value::Int(_)) => true,
            (Param::Bool, Value::Bool(_)) => true,
            _ => false,
        };
        if ok {
            return Ok(value);
        }
        self.error(
            pos,
            format!(
                "wrong type for value; expected {}; got {}",
                type_name(param),
                value.go_type_name()
            ),
        )
    }
}

thread_local! {
    /// Lowest usable address of this thread's stack, looked up once.
    static STACK_LOW: Option<usize> = crate::sys::thread_stack_low();
}

/// Bytes of stack left below the caller, when the platform tells.
fn stack_left() -> Option<usize> {
    let marker = 0u8;
    let here = std::ptr::addr_of!(marker) as usize;
    STACK_LOW.with(|low| low.map(|low| here.saturating_sub(low)))
}

fn unreachable_and_or() -> FuncResult {
    Err("internal error: and/or are evaluated lazily".into())
}

fn type_name(param: Param) -> &'static str {
    match param {
        Param::Any => "interface {}",
        Param::Reflect => "reflect.Value",
        Param::Str => "string",
        Param::Int => "int",
        Param::Bool => "bool",
    }
}

/// Roughly how many bytes `value` prints as; stops counting once past the
/// limit. `visited` counts the elements looked at. `None` when lists nest
/// too deeply (printing or dropping them would recurse that deep).
fn weight(value: &Value, depth: usize, visited: &mut u64) -> Option<u64> {
    *visited += 1;
    match value {
        Value::Str(s) => Some(s.len() as u64 + 1),
        Value::List(_, items) => {
            if depth >= MAX_LIST_NESTING {
                return None;
            }
            let mut total = 2u64;
            for item in items.iter() {
                total += weight(item, depth + 1, visited)?;
                if total > MAX_STRING as u64 {
                    break;
                }
            }
            Some(total)
        }
        _ => Some(2),
    }
}
