//! Go's `text/template` builtins (except `and`/`or`, which the evaluator
//! runs because they short-circuit).

use crate::template::gofmt;
use crate::template::value::Value;

const BAD_COMPARISON_TYPE: &str = "invalid type for comparison";
const BAD_COMPARISON: &str = "incompatible types for comparison";
const NO_COMPARISON: &str = "missing argument for comparison";

/// Go's `basicKind` classes; values outside them only compare for equality.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Bool,
    Int,
    Float,
    Str,
    Other,
}

fn kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) | Value::Int64(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::Str,
        _ => Kind::Other,
    }
}

fn int_of(v: &Value) -> i64 {
    match v {
        Value::Int(n) | Value::Int64(n) => *n,
        _ => 0,
    }
}

fn float_of(v: &Value) -> f64 {
    match v {
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

fn str_of(v: &Value) -> &str {
    match v {
        Value::Str(s) => s,
        _ => "",
    }
}

fn equal(a: &Value, b: &Value) -> Result<bool, String> {
    let (k1, k2) = (kind(a), kind(b));
    if k1 != k2 {
        if !matches!(a, Value::Nil) && !matches!(b, Value::Nil) {
            return Err(BAD_COMPARISON.into());
        }
        return Ok(false);
    }
    Ok(match k1 {
        Kind::Bool => matches!((a, b), (Value::Bool(x), Value::Bool(y)) if x == y),
        Kind::Int => int_of(a) == int_of(b),
        Kind::Float => float_of(a) == float_of(b),
        Kind::Str => str_of(a) == str_of(b),
        Kind::Other => match (a, b) {
            (Value::Nil, Value::Nil) => true,
            (Value::Nil, _) | (_, Value::Nil) => false,
            (Value::Data(x), Value::Data(y)) => x == y,
            (Value::List(..), Value::List(..)) => {
                return Err("non-comparable type".into());
            }
            _ => return Err(BAD_COMPARISON.into()),
        },
    })
}

pub fn eq(args: &[Value]) -> Result<Value, String> {
    let Some((first, rest)) = args.split_first() else {
        return Err(NO_COMPARISON.into());
    };
    if rest.is_empty() {
        return Err(NO_COMPARISON.into());
    }
    for other in rest {
        if equal(first, other)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

pub fn ne(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(!equal(&args[0], &args[1])?))
}

fn less(a: &Value, b: &Value) -> Result<bool, String> {
    let (k1, k2) = (kind(a), kind(b));
    if k1 == Kind::Other || k2 == Kind::Other {
        return Err(BAD_COMPARISON_TYPE.into());
    }
    if k1 != k2 {
        return Err(BAD_COMPARISON.into());
    }
    match k1 {
        Kind::Int => Ok(int_of(a) < int_of(b)),
        Kind::Float => Ok(float_of(a) < float_of(b)),
        Kind::Str => Ok(str_of(a) < str_of(b)),
        _ => Err(BAD_COMPARISON_TYPE.into()),
    }
}

pub fn lt(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(less(&args[0], &args[1])?))
}

pub fn le(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(
        less(&args[0], &args[1])? || equal(&args[0], &args[1])?,
    ))
}

pub fn gt(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(
        !(less(&args[0], &args[1])? || equal(&args[0], &args[1])?),
    ))
}

pub fn ge(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(!less(&args[0], &args[1])?))
}

pub fn not(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(!args[0].is_truthy()))
}

pub fn len(args: &[Value]) -> Result<Value, String> {
    match &args[0] {
        Value::Str(s) => Ok(Value::Int(s.len() as i64)),
        Value::List(_, items) => Ok(Value::Int(items.len() as i64)),
        Value::Nil => Err("len of nil pointer".into()),
        other => Err(format!("len of type {}", other.go_type_name())),
    }
}

pub fn index(args: &[Value]) -> Result<Value, String> {
    let mut item = args[0].clone();
    if let Value::Nil = item {
        return Err("index of untyped nil".into());
    }
    for index in &args[1..] {
        let len = match &item {
            Value::Str(s) => s.len(),
            Value::List(_, items) => items.len(),
            Value::Nil => return Err("index of nil pointer".into()),
            other => return Err(format!("can't index item of type {}", other.go_type_name())),
        };
        let x = match index {
            Value::Int(n) | Value::Int64(n) => *n,
            Value::Nil => return Err("cannot index slice/array with nil".into()),
            other => {
                return Err(format!(
                    "cannot index slice/array with type {}",
                    other.go_type_name()
                ));
            }
        };
        if x < 0 || x as u64 >= len as u64 {
            return Err(format!("index out of range: {x}"));
        }
        let at = x as usize;
        item = match &item {
            // A string's element is a byte (Go `uint8`), printed as a number.
            Value::Str(s) => Value::Int(i64::from(s.as_bytes().get(at).copied().unwrap_or(0))),
            Value::List(_, items) => items.get(at).cloned().unwrap_or(Value::Nil),
            _ => Value::Nil,
        };
    }
    Ok(item)
}

pub fn print(args: &[Value]) -> Result<Value, String> {
    Ok(Value::str(gofmt::sprint(args)))
}

pub fn println(args: &[Value]) -> Result<Value, String> {
    Ok(Value::str(gofmt::sprintln(args)))
}

pub fn printf(args: &[Value]) -> Result<Value, String> {
    let format = match &args[0] {
        Value::Str(s) => s.clone(),
        _ => return Err("printf: format is not a string".into()),
    };
    Ok(Value::str(gofmt::sprintf(&format, &args[1..])))
}

/// Go's `evalArgs`: one string stays as it is, anything else is printed,
/// with nil as `<no value>`.
fn eval_args(args: &[Value]) -> String {
    if let [Value::Str(s)] = args {
        return s.to_string();
    }
    let printable: Vec<Value> = args
        .iter()
        .map(|v| match v {
            Value::Nil => Value::str("<no value>"),
            other => other.clone(),
        })
        .collect();
    gofmt::sprint(&printable)
}

/// Go's `template.HTMLEscapeString`.
pub fn html(args: &[Value]) -> Result<Value, String> {
    let text = eval_args(args);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '"' => out.push_str("&#34;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    Ok(Value::str(out))
}

/// Go's `template.JSEscapeString`.
pub fn js(args: &[Value]) -> Result<Value, String> {
    let text = eval_args(args);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 || (!c.is_ascii() && !gofmt::is_print(c)) => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    Ok(Value::str(out))
}

/// Go's `url.QueryEscape`.
pub fn urlquery(args: &[Value]) -> Result<Value, String> {
    let text = eval_args(args);
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::str(out))
}
