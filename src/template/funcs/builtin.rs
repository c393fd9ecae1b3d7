//! Go's `text/template` builtins (except `and`/`or`, which the evaluator
//! runs because they short-circuit).

use super::{FuncError, FuncResult};
use crate::template::fmt;
use crate::template::strconv::is_print;
use crate::template::unicode::decode_rune;
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
        // Go compares signed with unsigned integers by value, which for a
        // `uint8` is what comparing it as an `int` gives.
        Value::Int(_) | Value::Int64(_) | Value::Uint8(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::Str,
        _ => Kind::Other,
    }
}

fn int_of(v: &Value) -> i64 {
    match v {
        Value::Int(n) | Value::Int64(n) => *n,
        Value::Uint8(n) => i64::from(*n),
        _ => 0,
    }
}

fn float_of(v: &Value) -> f64 {
    match v {
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

fn str_of(v: &Value) -> &[u8] {
    match v {
        Value::Str(s) => s,
        _ => b"",
    }
}

fn equal(a: &Value, b: &Value) -> Result<bool, FuncError> {
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

pub fn eq(args: &[Value]) -> FuncResult {
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

pub fn ne(args: &[Value]) -> FuncResult {
    Ok(Value::Bool(!equal(&args[0], &args[1])?))
}

fn less(a: &Value, b: &Value) -> Result<bool, FuncError> {
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

pub fn lt(args: &[Value]) -> FuncResult {
    Ok(Value::Bool(less(&args[0], &args[1])?))
}

pub fn le(args: &[Value]) -> FuncResult {
    Ok(Value::Bool(
        less(&args[0], &args[1])? || equal(&args[0], &args[1])?,
    ))
}

pub fn gt(args: &[Value]) -> FuncResult {
    Ok(Value::Bool(
        !(less(&args[0], &args[1])? || equal(&args[0], &args[1])?),
    ))
}

pub fn ge(args: &[Value]) -> FuncResult {
    Ok(Value::Bool(!less(&args[0], &args[1])?))
}

pub fn not(args: &[Value]) -> FuncResult {
    Ok(Value::Bool(!args[0].is_truthy()))
}

pub fn len(args: &[Value]) -> FuncResult {
    match &args[0] {
        Value::Str(s) => Ok(Value::Int(s.len() as i64)),
        Value::List(_, items) => Ok(Value::Int(items.len() as i64)),
        Value::Nil => Err("len of nil pointer".into()),
        other => Err(format!("len of type {}", other.go_type_name()).into()),
    }
}

pub fn index(args: &[Value]) -> FuncResult {
    let mut item = args[0].clone();
    if let Value::Nil = item {
        return Err("index of untyped nil".into());
    }
    for index in &args[1..] {
        let len = match &item {
            Value::Str(s) => s.len(),
            Value::List(_, items) => items.len(),
            Value::Nil => return Err("index of nil pointer".into()),
            other => {
                return Err(format!("can't index item of type {}", other.go_type_name()).into());
            }
        };
        let x = match index {
            Value::Int(n) | Value::Int64(n) => *n,
            Value::Uint8(n) => i64::from(*n),
            Value::Nil => return Err("cannot index slice/array with nil".into()),
            other => {
                return Err(format!(
                    "cannot index slice/array with type {}",
                    other.go_type_name()
                )
                .into());
            }
        };
        if x < 0 || x as u64 >= len as u64 {
            return Err(format!("index out of range: {x}").into());
        }
        let at = x as usize;
        item = match &item {
            // A string's element is a byte, Go's `uint8`.
            Value::Str(s) => Value::Uint8(s.get(at).copied().unwrap_or(0)),
            Value::List(_, items) => items.get(at).cloned().unwrap_or(Value::Nil),
            _ => Value::Nil,
        };
    }
    Ok(item)
}

pub fn print(args: &[Value]) -> FuncResult {
    Ok(Value::str(fmt::sprint(args)))
}

pub fn println(args: &[Value]) -> FuncResult {
    Ok(Value::str(fmt::sprintln(args)))
}

pub fn printf(args: &[Value]) -> FuncResult {
    let format = match &args[0] {
        Value::Str(s) => s.clone(),
        _ => return Err("printf: format is not a string".into()),
    };
    Ok(Value::str(fmt::sprintf(&format, &args[1..])))
}

/// Go's `evalArgs`: one string stays as it is, anything else is printed,
/// with nil as `<no value>`.
fn eval_args(args: &[Value]) -> Vec<u8> {
    if let [Value::Str(s)] = args {
        return s.to_vec();
    }
    let printable: Vec<Value> = args
        .iter()
        .map(|v| match v {
            Value::Nil => Value::str("<no value>"),
            other => other.clone(),
        })
        .collect();
    fmt::sprint(&printable)
}

/// Go's `template.HTMLEscapeString`, byte by byte.
pub fn html(args: &[Value]) -> FuncResult {
    let text = eval_args(args);
    let mut out = Vec::with_capacity(text.len());
    for &b in &text {
        match b {
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'&' => out.extend_from_slice(b"&amp;"),
            b'\'' => out.extend_from_slice(b"&#39;"),
            b'"' => out.extend_from_slice(b"&#34;"),
            0 => out.extend_from_slice("\u{FFFD}".as_bytes()),
            b => out.push(b),
        }
    }
    Ok(Value::str(out))
}

/// Go's `template.JSEscapeString`: ASCII specials escaped, non-printable
/// runes as `\uXXXX`, everything else (an invalid byte too) kept.
pub fn js(args: &[Value]) -> FuncResult {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let text = eval_args(args);
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\'' => out.extend_from_slice(b"\\'"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'<' => out.extend_from_slice(b"\\u003C"),
            b'>' => out.extend_from_slice(b"\\u003E"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            b'=' => out.extend_from_slice(b"\\u003D"),
            0..=0x1f => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xF)]);
            }
            0x20..=0x7f => out.push(b),
            _ => {
                let (c, width) = decode_rune(&text[i..]);
                if is_print(c) {
                    out.extend_from_slice(&text[i..i + width]);
                } else {
                    out.extend_from_slice(format!("\\u{:04X}", c as u32).as_bytes());
                }
                i += width;
                continue;
            }
        }
        i += 1;
    }
    Ok(Value::str(out))
}

/// Go's `url.QueryEscape`.
pub fn urlquery(args: &[Value]) -> FuncResult {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let text = eval_args(args);
    let mut out = Vec::with_capacity(text.len());
    for b in text {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b),
            b' ' => out.push(b'+'),
            b => {
                out.push(b'%');
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xF)]);
            }
        }
    }
    Ok(Value::str(out))
}
