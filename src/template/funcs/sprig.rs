//! The sprig 3.2.3 functions kubevali supports, plus Helm's `include`, with
//! sprig's conversions (spf13/cast) reproduced exactly.

use std::rc::Rc;

use super::Host;
use crate::template::gofmt;
use crate::template::strconv;
use crate::template::value::{ElemType, Value};

/// No string a template builds may be longer than this; checked before
/// allocating, so `repeat 1000000000 "x"` fails fast instead of eating memory.
pub const MAX_STRING: usize = 1 << 20;
/// The longest list `until` may build.
const MAX_LIST: i64 = 1 << 16;

fn too_large() -> String {
    format!("result larger than {MAX_STRING} bytes")
}

fn check_size(len: u128) -> Result<(), String> {
    if len > MAX_STRING as u128 {
        return Err(too_large());
    }
    Ok(())
}

fn s(v: &Value) -> &str {
    match v {
        Value::Str(s) => s,
        _ => "",
    }
}

fn int_arg(v: &Value) -> i64 {
    match v {
        Value::Int(n) | Value::Int64(n) => *n,
        _ => 0,
    }
}

fn string(s: impl Into<Rc<str>>) -> Result<Value, String> {
    Ok(Value::Str(s.into()))
}

/// Go's float64 → int64 conversion on amd64: out-of-range and NaN give the
/// "integer indefinite" value, i64::MIN.
pub fn float_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// cast's `trimZeroDecimal`: "5.00" → "5", so such strings parse as integers.
fn trim_zero_decimal(s: &str) -> &str {
    let mut found_zero = false;
    for (i, b) in s.bytes().enumerate().rev() {
        match b {
            b'.' if found_zero => return &s[..i],
            b'.' => {}
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// `cast.ToInt64`: what sprig's arithmetic does to every argument.
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(n) | Value::Int64(n) => *n,
        Value::Float(f) => float_to_i64(*f),
        Value::Str(s) => strconv::parse_int(trim_zero_decimal(s), true).unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(n) | Value::Int64(n) => *n as f64,
        Value::Float(f) => *f,
        Value::Str(s) => strconv::parse_float(s).unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }
}

/// sprig's `strval`: strings as they are, everything else as `%v`.
pub fn strval(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        other => gofmt::format_value(other),
    }
}

/// The reflect kind name sprig's list errors print.
fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "invalid",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Int64(_) => "int64",
        Value::Float(_) => "float64",
        Value::Str(_) => "string",
        Value::List(..) => "slice",
        Value::Data(_) => "struct",
    }
}

fn list_of<'a>(v: &'a Value, what: &str) -> Result<&'a [Value], String> {
    match v {
        Value::List(_, items) => Ok(items),
        // sprig asks reflect for the kind of a nil interface and panics.
        Value::Nil => {
            Err("runtime error: invalid memory address or nil pointer dereference".into())
        }
        other => Err(format!("Cannot find {what} on type {}", kind_name(other))),
    }
}

// --- arithmetic (all int64, wrapping like Go) ---

pub fn add(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Int64(
        args.iter().fold(0i64, |a, b| a.wrapping_add(to_int64(b))),
    ))
}

pub fn add1(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Int64(to_int64(&args[0]).wrapping_add(1)))
}

pub fn sub(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Int64(
        to_int64(&args[0]).wrapping_sub(to_int64(&args[1])),
    ))
}

pub fn mul(args: &[Value]) -> Result<Value, String> {
    let first = to_int64(&args[0]);
    Ok(Value::Int64(
        args[1..]
            .iter()
            .fold(first, |a, b| a.wrapping_mul(to_int64(b))),
    ))
}

pub fn div(args: &[Value]) -> Result<Value, String> {
    let (a, b) = (to_int64(&args[0]), to_int64(&args[1]));
    if b == 0 {
        return Err("division by zero".into());
    }
    Ok(Value::Int64(a.wrapping_div(b)))
}

pub fn modulo(args: &[Value]) -> Result<Value, String> {
    let (a, b) = (to_int64(&args[0]), to_int64(&args[1]));
    if b == 0 {
        return Err("division by zero".into());
    }
    Ok(Value::Int64(a.wrapping_rem(b)))
}

pub fn max(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Int64(
        args.iter().map(to_int64).max().unwrap_or_default(),
    ))
}

pub fn min(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Int64(
        args.iter().map(to_int64).min().unwrap_or_default(),
    ))
}

// --- conversions ---

pub fn atoi(args: &[Value]) -> Result<Value, String> {
    // Go's Atoi gives the clamped value on overflow and 0 on bad syntax;
    // sprig ignores its error.
    let (n, _) = strconv::atoi(s(&args[0]));
    Ok(Value::Int(n))
}

pub fn int(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Int(to_int64(&args[0])))
}

pub fn int64(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Int64(to_int64(&args[0])))
}

pub fn float64(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Float(to_float64(&args[0])))
}

pub fn to_string(args: &[Value]) -> Result<Value, String> {
    string(strval(&args[0]))
}

// --- strings ---

pub fn trim(args: &[Value]) -> Result<Value, String> {
    string(s(&args[0]).trim())
}

pub fn trim_all(args: &[Value]) -> Result<Value, String> {
    let cutset = s(&args[0]);
    string(s(&args[1]).trim_matches(|c| cutset.contains(c)))
}

pub fn trim_prefix(args: &[Value]) -> Result<Value, String> {
    let text = s(&args[1]);
    string(text.strip_prefix(s(&args[0])).unwrap_or(text))
}

pub fn trim_suffix(args: &[Value]) -> Result<Value, String> {
    let text = s(&args[1]);
    string(text.strip_suffix(s(&args[0])).unwrap_or(text))
}

/// Go maps case one character to one character; where Unicode's full
/// mapping would give several, Go keeps the character (İ is the exception).
fn map_case(text: &str, upper: bool) -> String {
    text.chars()
        .map(|c| {
            if upper {
                let mut it = c.to_uppercase();
                match (it.next(), it.next()) {
                    (Some(u), None) => u,
                    _ => c,
                }
            } else {
                c.to_lowercase().next().unwrap_or(c)
            }
        })
        .collect()
}

pub fn upper(args: &[Value]) -> Result<Value, String> {
    string(map_case(s(&args[0]), true))
}

pub fn lower(args: &[Value]) -> Result<Value, String> {
    string(map_case(s(&args[0]), false))
}

/// Go's `strings.Title` word boundaries.
fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if c.is_alphabetic() || c.is_numeric() {
        return false;
    }
    c.is_whitespace()
}

fn to_title(c: char) -> char {
    match c {
        'Ǆ' | 'ǅ' | 'ǆ' => 'ǅ',
        'Ǉ' | 'ǈ' | 'ǉ' => 'ǈ',
        'Ǌ' | 'ǋ' | 'ǌ' => 'ǋ',
        'Ǳ' | 'ǲ' | 'ǳ' => 'ǲ',
        _ => {
            let mut it = c.to_uppercase();
            match (it.next(), it.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        }
    }
}

pub fn title(args: &[Value]) -> Result<Value, String> {
    let mut prev = ' ';
    string(
        s(&args[0])
            .chars()
            .map(|c| {
                let out = if is_separator(prev) { to_title(c) } else { c };
                prev = c;
                out
            })
            .collect::<String>(),
    )
}

pub fn replace(args: &[Value]) -> Result<Value, String> {
    let (old, new, text) = (s(&args[0]), s(&args[1]), s(&args[2]));
    let count = if old.is_empty() {
        text.chars().count() + 1
    } else {
        text.matches(old).count()
    };
    let size = text.len() as u128 + count as u128 * new.len() as u128;
    check_size(size)?;
    string(text.replace(old, new))
}

pub fn repeat(args: &[Value]) -> Result<Value, String> {
    let (count, text) = (int_arg(&args[0]), s(&args[1]));
    if count < 0 {
        return Err("strings: negative Repeat count".into());
    }
    check_size(count as u128 * text.len() as u128)?;
    string(text.repeat(count as usize))
}

pub fn contains(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(s(&args[1]).contains(s(&args[0]))))
}

pub fn has_prefix(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(s(&args[1]).starts_with(s(&args[0]))))
}

pub fn has_suffix(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(s(&args[1]).ends_with(s(&args[0]))))
}

pub fn quote(args: &[Value]) -> Result<Value, String> {
    let parts: Vec<String> = args
        .iter()
        .filter(|v| !matches!(v, Value::Nil))
        .map(|v| gofmt::quote(&strval(v)))
        .collect();
    string(parts.join(" "))
}

pub fn squote(args: &[Value]) -> Result<Value, String> {
    let parts: Vec<String> = args
        .iter()
        .filter(|v| !matches!(v, Value::Nil))
        .map(|v| format!("'{}'", gofmt::format_value(v)))
        .collect();
    string(parts.join(" "))
}

pub fn cat(args: &[Value]) -> Result<Value, String> {
    let parts: Vec<String> = args
        .iter()
        .filter(|v| !matches!(v, Value::Nil))
        .map(gofmt::format_value)
        .collect();
    string(parts.join(" "))
}

fn indent_text(spaces: i64, text: &str) -> Result<String, String> {
    if spaces < 0 {
        return Err("strings: negative Repeat count".into());
    }
    let lines = text.bytes().filter(|&b| b == b'\n').count() as u128 + 1;
    check_size(text.len() as u128 + lines * spaces as u128 + 1)?;
    let pad = " ".repeat(spaces as usize);
    Ok(format!("{pad}{}", text.replace('\n', &format!("\n{pad}"))))
}

pub fn indent(args: &[Value]) -> Result<Value, String> {
    string(indent_text(int_arg(&args[0]), s(&args[1]))?)
}

pub fn nindent(args: &[Value]) -> Result<Value, String> {
    string(format!(
        "\n{}",
        indent_text(int_arg(&args[0]), s(&args[1]))?
    ))
}

/// goutils' `DeleteWhiteSpace` looks at bytes, not characters: it keeps
/// the input as is when nothing is removed, and otherwise re-encodes every
/// kept byte as the character of that code point (mangling non-ASCII text).
pub fn nospace(args: &[Value]) -> Result<Value, String> {
    let text = s(&args[0]);
    let is_space = |b: u8| char::from(b).is_whitespace();
    if !text.bytes().any(is_space) {
        return string(text);
    }
    string(
        text.bytes()
            .filter(|&b| !is_space(b))
            .map(char::from)
            .collect::<String>(),
    )
}

/// A byte slice of a string, shown the way Go's output would read once
/// decoded: every byte that is not part of a valid character becomes U+FFFD.
fn byte_slice(text: &str, start: usize, end: usize) -> String {
    lossy_per_byte(&text.as_bytes()[start..end])
}

/// Bytes as text, each byte that is not part of a valid character replaced
/// by U+FFFD on its own (Go's raw bytes cannot live in a Rust `String`).
fn lossy_per_byte(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                return out;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                out.push('\u{FFFD}');
                rest = &after[1..];
            }
        }
    }
}

pub fn trunc(args: &[Value]) -> Result<Value, String> {
    let (c, text) = (int_arg(&args[0]), s(&args[1]));
    let len = text.len() as i64;
    if c < 0 && len + c > 0 {
        return string(byte_slice(text, (len + c) as usize, text.len()));
    }
    if c >= 0 && len > c {
        return string(byte_slice(text, 0, c as usize));
    }
    string(text)
}

pub fn substr(args: &[Value]) -> Result<Value, String> {
    let (start, end, text) = (int_arg(&args[0]), int_arg(&args[1]), s(&args[2]));
    let len = text.len() as i64;
    let out_of_range = || Err("runtime error: slice bounds out of range".to_string());
    let (from, to) = if start < 0 {
        (0, end)
    } else if end < 0 || end > len {
        (start, len)
    } else {
        (start, end)
    };
    if from < 0 || to < 0 || to > len || from > to {
        return out_of_range();
    }
    string(byte_slice(text, from as usize, to as usize))
}

pub fn b64enc(args: &[Value]) -> Result<Value, String> {
    string(crate::base64::encode(s(&args[0]).as_bytes()))
}

pub fn b64dec(args: &[Value]) -> Result<Value, String> {
    // sprig prints Go's error text instead of failing.
    match crate::base64::decode(s(&args[0]).as_bytes()) {
        Ok(bytes) => string(lossy_per_byte(&bytes)),
        Err(at) => string(format!("illegal base64 data at input byte {at}")),
    }
}

pub fn fail(args: &[Value]) -> Result<Value, String> {
    Err(s(&args[0]).to_owned())
}

pub fn hello(_: &[Value]) -> Result<Value, String> {
    string("Hello!")
}

// --- lists ---

pub fn list(args: &[Value]) -> Result<Value, String> {
    Ok(Value::List(ElemType::Any, args.into()))
}

pub fn split_list(args: &[Value]) -> Result<Value, String> {
    let (sep, text) = (s(&args[0]), s(&args[1]));
    let items: Vec<Value> = if sep.is_empty() {
        text.chars().map(|c| Value::str(c.to_string())).collect()
    } else {
        text.split(sep).map(Value::str).collect()
    };
    Ok(Value::List(ElemType::String, items.into()))
}

pub fn join(args: &[Value]) -> Result<Value, String> {
    let sep = s(&args[0]);
    let parts: Vec<String> = match &args[1] {
        Value::List(_, items) => items
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(strval)
            .collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    };
    let size: u128 = parts.iter().map(|p| p.len() as u128).sum::<u128>()
        + sep.len() as u128 * parts.len() as u128;
    check_size(size)?;
    string(parts.join(sep))
}

pub fn first(args: &[Value]) -> Result<Value, String> {
    Ok(list_of(&args[0], "first")?
        .first()
        .cloned()
        .unwrap_or(Value::Nil))
}

pub fn last(args: &[Value]) -> Result<Value, String> {
    Ok(list_of(&args[0], "last")?
        .last()
        .cloned()
        .unwrap_or(Value::Nil))
}

pub fn rest(args: &[Value]) -> Result<Value, String> {
    let items = list_of(&args[0], "rest")?;
    if items.is_empty() {
        // sprig returns a nil []interface{}, which prints as [].
        return Ok(Value::List(ElemType::Any, Rc::from([])));
    }
    Ok(Value::List(ElemType::Any, items[1..].into()))
}

pub fn initial(args: &[Value]) -> Result<Value, String> {
    let items = list_of(&args[0], "initial")?;
    if items.is_empty() {
        // sprig returns a nil []interface{}, which prints as [].
        return Ok(Value::List(ElemType::Any, Rc::from([])));
    }
    Ok(Value::List(ElemType::Any, items[..items.len() - 1].into()))
}

/// sprig's `slice`: `list[start:end]`, keeping the list's type.
pub fn slice(args: &[Value]) -> Result<Value, String> {
    let Value::List(elem, items) = &args[0] else {
        return match &args[0] {
            Value::Nil => {
                Err("runtime error: invalid memory address or nil pointer dereference".into())
            }
            other => Err(format!(
                "list should be type of slice or array but {}",
                kind_name(other)
            )),
        };
    };
    if items.is_empty() {
        return Ok(Value::Nil);
    }
    let len = items.len() as i64;
    let start = args.get(1).map_or(0, to_int64);
    let end = args.get(2).map_or(len, to_int64);
    if start < 0 || end < start || end > len {
        return Err(format!("reflect: slice index out of range [{start}:{end}]"));
    }
    Ok(Value::List(
        *elem,
        items[start as usize..end as usize].into(),
    ))
}

pub fn compact(args: &[Value]) -> Result<Value, String> {
    let items = list_of(&args[0], "compact")
        .map_err(|e| e.replace("Cannot find compact on", "Cannot compact on"))?;
    Ok(Value::List(
        ElemType::Any,
        items.iter().filter(|v| v.is_truthy()).cloned().collect(),
    ))
}

pub fn concat(args: &[Value]) -> Result<Value, String> {
    let mut out = Vec::new();
    for v in args {
        match v {
            Value::List(_, items) => out.extend(items.iter().cloned()),
            Value::Nil => {
                return Err(
                    "runtime error: invalid memory address or nil pointer dereference".into(),
                );
            }
            other => return Err(format!("Cannot concat type {} as list", kind_name(other))),
        }
    }
    Ok(Value::List(ElemType::Any, out.into()))
}

/// Go's `reflect.DeepEqual` over template values: same Go type, same value.
fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) | (Value::Int64(x), Value::Int64(y)) => x == y,
        (Value::Data(x), Value::Data(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::List(t1, x), Value::List(t2, y)) => {
            t1 == t2 && x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| deep_equal(a, b))
        }
        _ => false,
    }
}

pub fn has(args: &[Value]) -> Result<Value, String> {
    let needle = &args[0];
    match &args[1] {
        Value::Nil => Ok(Value::Bool(false)),
        Value::List(_, items) => Ok(Value::Bool(items.iter().any(|i| deep_equal(needle, i)))),
        other => Err(format!("Cannot find has on type {}", kind_name(other))),
    }
}

pub fn until(args: &[Value]) -> Result<Value, String> {
    let count = int_arg(&args[0]);
    if count.unsigned_abs() > MAX_LIST as u64 {
        return Err(format!(
            "until: lists longer than {MAX_LIST} are not supported"
        ));
    }
    let items: Vec<Value> = if count >= 0 {
        (0..count).map(Value::Int).collect()
    } else {
        (count + 1..=0).rev().map(Value::Int).collect()
    };
    Ok(Value::List(ElemType::Int, items.into()))
}

// --- logic ---

pub fn default(args: &[Value]) -> Result<Value, String> {
    match args.get(1) {
        Some(given) if given.is_truthy() => Ok(given.clone()),
        _ => Ok(args[0].clone()),
    }
}

pub fn empty(args: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(!args[0].is_truthy()))
}

pub fn coalesce(args: &[Value]) -> Result<Value, String> {
    Ok(args
        .iter()
        .find(|v| v.is_truthy())
        .cloned()
        .unwrap_or(Value::Nil))
}

pub fn ternary(args: &[Value]) -> Result<Value, String> {
    let cond = matches!(args[2], Value::Bool(true));
    Ok(if cond {
        args[0].clone()
    } else {
        args[1].clone()
    })
}

// --- environment and templates ---

pub fn env(host: &mut dyn Host, args: &[Value]) -> Result<Value, String> {
    string(host.env(s(&args[0])).unwrap_or_default())
}

pub fn include(host: &mut dyn Host, args: &[Value]) -> Result<Value, String> {
    string(host.include(s(&args[0]), args[1].clone())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(x: &str) -> Value {
        Value::str(x)
    }

    #[test]
    fn casts_like_spf13_cast() {
        assert_eq!(to_int64(&st("0x10")), 16);
        assert_eq!(to_int64(&st("010")), 8);
        assert_eq!(to_int64(&st("08")), 0);
        assert_eq!(to_int64(&st("5.00")), 5);
        assert_eq!(to_int64(&st("x")), 0);
        assert_eq!(to_int64(&Value::Float(-3.9)), -3);
        assert_eq!(to_int64(&Value::Float(f64::NAN)), i64::MIN);
        assert_eq!(to_int64(&Value::Bool(true)), 1);
    }

    #[test]
    fn arithmetic_wraps_and_never_panics() {
        let r = div(&[Value::Int64(i64::MIN), Value::Int(-1)]).unwrap();
        assert!(matches!(r, Value::Int64(i64::MIN)));
        let r = modulo(&[Value::Int64(i64::MIN), Value::Int(-1)]).unwrap();
        assert!(matches!(r, Value::Int64(0)));
        assert!(div(&[Value::Int(1), Value::Int(0)]).is_err());
        let r = mul(&[Value::Int64(i64::MAX), Value::Int(2)]).unwrap();
        assert!(matches!(r, Value::Int64(-2)));
    }

    #[test]
    fn size_checks_come_before_allocation() {
        assert!(repeat(&[Value::Int(1_000_000_000), st("x")]).is_err());
        assert!(indent(&[Value::Int(1_000_000_000), st("x")]).is_err());
        assert!(until(&[Value::Int(i64::MIN)]).is_err());
    }

    #[test]
    fn byte_slicing_never_splits_a_panic() {
        assert_eq!(s(&trunc(&[Value::Int(1), st("é")]).unwrap()), "\u{FFFD}");
        assert!(substr(&[Value::Int(2), Value::Int(1), st("abc")]).is_err());
        assert_eq!(
            s(&substr(&[Value::Int(-1), Value::Int(2), st("abc")]).unwrap()),
            "ab"
        );
        assert_eq!(
            s(&substr(&[Value::Int(1), Value::Int(-1), st("abc")]).unwrap()),
            "bc"
        );
        assert!(substr(&[Value::Int(5), Value::Int(-1), st("abc")]).is_err());
    }

    #[test]
    fn base64_matches_go() {
        assert_eq!(s(&b64enc(&[st("hello")]).unwrap()), "aGVsbG8=");
        assert_eq!(s(&b64dec(&[st("aGVsbG8=")]).unwrap()), "hello");
        assert_eq!(
            s(&b64dec(&[st("aGVsbG8")]).unwrap()),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            s(&b64dec(&[st("a!")]).unwrap()),
            "illegal base64 data at input byte 1"
        );
    }
}
