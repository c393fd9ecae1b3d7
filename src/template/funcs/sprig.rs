//! The sprig 3.2.3 functions kubevali supports, plus Helm's `include`, with
//! sprig's conversions (spf13/cast) reproduced exactly.

use std::rc::Rc;

use memchr::memmem;

use super::{FuncError, FuncResult, Host};
use crate::template::fmt;
use crate::template::limits::{MAX_LIST, MAX_STRING};
use crate::template::strconv;
use crate::template::unicode::{self, Case, decode_last_rune, decode_rune, push_char, runes};
use crate::template::value::{ElemType, Value};

/// Checked before allocating, so `repeat 1000000000 "x"` fails fast
/// instead of eating memory.
fn check_size(len: u128) -> Result<(), FuncError> {
    if len > MAX_STRING as u128 {
        return Err(FuncError::TooLarge);
    }
    Ok(())
}

fn s(v: &Value) -> &[u8] {
    match v {
        Value::Str(s) => s,
        _ => b"",
    }
}

/// Text for Go's number parsers; bytes that are not UTF-8 are no number.
fn text(v: &Value) -> &str {
    std::str::from_utf8(s(v)).unwrap_or("")
}

fn int_arg(v: &Value) -> i64 {
    match v {
        Value::Int(n) | Value::Int64(n) => *n,
        _ => 0,
    }
}

fn string(s: impl AsRef<[u8]>) -> FuncResult {
    Ok(Value::str(s))
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
        Value::Uint8(n) => i64::from(*n),
        Value::Float(f) => float_to_i64(*f),
        Value::Str(_) => strconv::parse_int(trim_zero_decimal(text(v)), true).unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(n) | Value::Int64(n) => *n as f64,
        Value::Uint8(n) => f64::from(*n),
        Value::Float(f) => *f,
        Value::Str(_) => strconv::parse_float(text(v)).unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }
}

/// sprig's `strval`: strings as they are, everything else as `%v`.
pub fn strval(v: &Value) -> Vec<u8> {
    match v {
        Value::Str(s) => s.to_vec(),
        other => fmt::format_value(other),
    }
}

/// The reflect kind name sprig's list errors print.
fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "invalid",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Int64(_) => "int64",
        Value::Uint8(_) => "uint8",
        Value::Float(_) => "float64",
        Value::Str(_) => "string",
        Value::List(..) => "slice",
        Value::Data(_) => "struct",
    }
}

const NIL_DEREFERENCE: &str = "runtime error: invalid memory address or nil pointer dereference";

fn list_of<'a>(v: &'a Value, what: &str) -> Result<&'a [Value], FuncError> {
    match v {
        Value::List(_, items) => Ok(items),
        // sprig asks reflect for the kind of a nil interface and panics.
        Value::Nil => Err(NIL_DEREFERENCE.into()),
        other => Err(format!("Cannot find {what} on type {}", kind_name(other)).into()),
    }
}

// --- arithmetic (all int64, wrapping like Go) ---

pub fn add(args: &[Value]) -> FuncResult {
    Ok(Value::Int64(
        args.iter().fold(0i64, |a, b| a.wrapping_add(to_int64(b))),
    ))
}

pub fn add1(args: &[Value]) -> FuncResult {
    Ok(Value::Int64(to_int64(&args[0]).wrapping_add(1)))
}

pub fn sub(args: &[Value]) -> FuncResult {
    Ok(Value::Int64(
        to_int64(&args[0]).wrapping_sub(to_int64(&args[1])),
    ))
}

pub fn mul(args: &[Value]) -> FuncResult {
    let first = to_int64(&args[0]);
    Ok(Value::Int64(
        args[1..]
            .iter()
            .fold(first, |a, b| a.wrapping_mul(to_int64(b))),
    ))
}

pub fn div(args: &[Value]) -> FuncResult {
    let (a, b) = (to_int64(&args[0]), to_int64(&args[1]));
    if b == 0 {
        return Err("division by zero".into());
    }
    Ok(Value::Int64(a.wrapping_div(b)))
}

pub fn modulo(args: &[Value]) -> FuncResult {
    let (a, b) = (to_int64(&args[0]), to_int64(&args[1]));
    if b == 0 {
        return Err("division by zero".into());
    }
    Ok(Value::Int64(a.wrapping_rem(b)))
}

pub fn max(args: &[Value]) -> FuncResult {
    Ok(Value::Int64(
        args.iter().map(to_int64).max().unwrap_or_default(),
    ))
}

pub fn min(args: &[Value]) -> FuncResult {
    Ok(Value::Int64(
        args.iter().map(to_int64).min().unwrap_or_default(),
    ))
}

// --- conversions ---

pub fn atoi(args: &[Value]) -> FuncResult {
    // Go's Atoi gives the clamped value on overflow and 0 on bad syntax;
    // sprig ignores its error.
    let (n, _) = strconv::atoi(text(&args[0]));
    Ok(Value::Int(n))
}

pub fn int(args: &[Value]) -> FuncResult {
    Ok(Value::Int(to_int64(&args[0])))
}

pub fn int64(args: &[Value]) -> FuncResult {
    Ok(Value::Int64(to_int64(&args[0])))
}

pub fn float64(args: &[Value]) -> FuncResult {
    Ok(Value::Float(to_float64(&args[0])))
}

pub fn to_string(args: &[Value]) -> FuncResult {
    string(strval(&args[0]))
}

// --- strings ---

pub fn trim(args: &[Value]) -> FuncResult {
    string(trim_runes(s(&args[0]), unicode::is_space))
}

/// Go's `TrimFunc`: whole runes off both ends while `cut` holds; an
/// invalid byte reads as U+FFFD.
fn trim_runes(mut b: &[u8], cut: impl Fn(char) -> bool) -> &[u8] {
    while !b.is_empty() {
        let (c, width) = decode_rune(b);
        if !cut(c) {
            break;
        }
        b = &b[width..];
    }
    while !b.is_empty() {
        let (c, width) = decode_last_rune(b);
        if !cut(c) {
            break;
        }
        b = &b[..b.len() - width];
    }
    b
}

/// Go's `ContainsRune` (through `IndexRune`): U+FFFD also matches a byte
/// that is not valid UTF-8.
fn contains_rune(set: &[u8], c: char) -> bool {
    if c == char::REPLACEMENT_CHARACTER {
        return runes(set).any(|(_, r, _)| r == c);
    }
    let mut tmp = [0u8; 4];
    memmem::find(set, c.encode_utf8(&mut tmp).as_bytes()).is_some()
}

pub fn trim_all(args: &[Value]) -> FuncResult {
    let (cutset, text) = (s(&args[0]), s(&args[1]));
    if cutset.is_empty() {
        return string(text);
    }
    string(trim_runes(text, |c| contains_rune(cutset, c)))
}

pub fn trim_prefix(args: &[Value]) -> FuncResult {
    let text = s(&args[1]);
    string(text.strip_prefix(s(&args[0])).unwrap_or(text))
}

pub fn trim_suffix(args: &[Value]) -> FuncResult {
    let text = s(&args[1]);
    string(text.strip_suffix(s(&args[0])).unwrap_or(text))
}

pub fn upper(args: &[Value]) -> FuncResult {
    string(unicode::map_runes(s(&args[0]), |c| {
        unicode::to_case(Case::Upper, c)
    }))
}

pub fn lower(args: &[Value]) -> FuncResult {
    string(unicode::map_runes(s(&args[0]), |c| {
        unicode::to_case(Case::Lower, c)
    }))
}

/// Go's `strings.Title` word boundaries.
fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if unicode::is_letter(c) || unicode::is_digit(c) {
        return false;
    }
    unicode::is_space(c)
}

/// `strings.Title`: the title-case mapping (not upper case) of every rune
/// that follows a separator.
pub fn title(args: &[Value]) -> FuncResult {
    let mut prev = ' ';
    string(unicode::map_runes(s(&args[0]), |c| {
        let out = if is_separator(prev) {
            unicode::to_case(Case::Title, c)
        } else {
            c
        };
        prev = c;
        out
    }))
}

/// `strings.Replace(text, old, new, -1)` over bytes; an empty `old`
/// matches before every rune and at the end.
fn replace_all(text: &[u8], old: &[u8], new: &[u8]) -> Result<Vec<u8>, FuncError> {
    let count = if old.is_empty() {
        unicode::rune_count(text) + 1
    } else {
        memmem::find_iter(text, old).count()
    };
    let size = text.len() as u128 + count as u128 * new.len() as u128;
    check_size(size)?;
    if count == 0 || old == new {
        return Ok(text.to_vec());
    }
    let mut out = Vec::with_capacity(size as usize);
    if old.is_empty() {
        out.extend_from_slice(new);
        for (at, _, width) in runes(text) {
            out.extend_from_slice(&text[at..at + width]);
            out.extend_from_slice(new);
        }
        return Ok(out);
    }
    let mut start = 0;
    for at in memmem::find_iter(text, old) {
        out.extend_from_slice(&text[start..at]);
        out.extend_from_slice(new);
        start = at + old.len();
    }
    out.extend_from_slice(&text[start..]);
    Ok(out)
}

pub fn replace(args: &[Value]) -> FuncResult {
    string(replace_all(s(&args[2]), s(&args[0]), s(&args[1]))?)
}

pub fn repeat(args: &[Value]) -> FuncResult {
    let (count, text) = (int_arg(&args[0]), s(&args[1]));
    if count < 0 {
        return Err("strings: negative Repeat count".into());
    }
    check_size(count as u128 * text.len() as u128)?;
    string(text.repeat(count as usize))
}

pub fn contains(args: &[Value]) -> FuncResult {
    Ok(Value::Bool(
        memmem::find(s(&args[1]), s(&args[0])).is_some(),
    ))
}

pub fn has_prefix(args: &[Value]) -> FuncResult {
    Ok(Value::Bool(s(&args[1]).starts_with(s(&args[0]))))
}

pub fn has_suffix(args: &[Value]) -> FuncResult {
    Ok(Value::Bool(s(&args[1]).ends_with(s(&args[0]))))
}

/// Non-nil operands, each formatted by `each`, joined by a space.
fn spaced(args: &[Value], each: impl Fn(&Value) -> Vec<u8>) -> FuncResult {
    let parts: Vec<Vec<u8>> = args
        .iter()
        .filter(|v| !matches!(v, Value::Nil))
        .map(each)
        .collect();
    string(parts.join(&b' '))
}

pub fn quote(args: &[Value]) -> FuncResult {
    spaced(args, |v| strconv::quote(&strval(v)))
}

pub fn squote(args: &[Value]) -> FuncResult {
    spaced(args, |v| {
        let mut out = vec![b'\''];
        out.extend_from_slice(&fmt::format_value(v));
        out.push(b'\'');
        out
    })
}

pub fn cat(args: &[Value]) -> FuncResult {
    spaced(args, fmt::format_value)
}

fn indent_text(spaces: i64, text: &[u8]) -> Result<Vec<u8>, FuncError> {
    if spaces < 0 {
        return Err("strings: negative Repeat count".into());
    }
    let lines = memchr::memchr_iter(b'\n', text).count() as u128 + 1;
    check_size(text.len() as u128 + lines * spaces as u128 + 1)?;
    let pad = vec![b' '; spaces as usize];
    let mut out = Vec::with_capacity(text.len() + lines as usize * pad.len());
    out.extend_from_slice(&pad);
    for &b in text {
        out.push(b);
        if b == b'\n' {
            out.extend_from_slice(&pad);
        }
    }
    Ok(out)
}

pub fn indent(args: &[Value]) -> FuncResult {
    string(indent_text(int_arg(&args[0]), s(&args[1]))?)
}

pub fn nindent(args: &[Value]) -> FuncResult {
    let mut out = vec![b'\n'];
    out.extend_from_slice(&indent_text(int_arg(&args[0]), s(&args[1]))?);
    string(out)
}

/// goutils' `DeleteWhiteSpace` looks at bytes, not characters: it keeps
/// the input as is when nothing is removed, and otherwise re-encodes every
/// kept byte as the character of that code point (mangling non-ASCII text).
pub fn nospace(args: &[Value]) -> FuncResult {
    let text = s(&args[0]);
    let is_space = |b: u8| unicode::is_space(char::from(b));
    if !text.iter().any(|&b| is_space(b)) {
        return string(text);
    }
    let mut out = Vec::with_capacity(text.len());
    for &b in text.iter().filter(|&&b| !is_space(b)) {
        push_char(&mut out, char::from(b));
    }
    string(out)
}

/// Cuts bytes, as Go does: the result may end inside a character.
pub fn trunc(args: &[Value]) -> FuncResult {
    let (c, text) = (int_arg(&args[0]), s(&args[1]));
    let len = text.len() as i64;
    if c < 0 && len + c > 0 {
        return string(&text[(len + c) as usize..]);
    }
    if c >= 0 && len > c {
        return string(&text[..c as usize]);
    }
    string(text)
}

pub fn substr(args: &[Value]) -> FuncResult {
    let (start, end, text) = (int_arg(&args[0]), int_arg(&args[1]), s(&args[2]));
    let len = text.len() as i64;
    let (from, to) = if start < 0 {
        (0, end)
    } else if end < 0 || end > len {
        (start, len)
    } else {
        (start, end)
    };
    if from < 0 || to < 0 || to > len || from > to {
        return Err("runtime error: slice bounds out of range".into());
    }
    string(&text[from as usize..to as usize])
}

pub fn b64enc(args: &[Value]) -> FuncResult {
    string(crate::base64::encode(s(&args[0])))
}

pub fn b64dec(args: &[Value]) -> FuncResult {
    // sprig prints Go's error text instead of failing.
    match crate::base64::decode(s(&args[0])) {
        Ok(bytes) => string(bytes),
        Err(at) => string(format!("illegal base64 data at input byte {at}")),
    }
}

pub fn fail(args: &[Value]) -> FuncResult {
    Err(FuncError::Message(
        String::from_utf8_lossy(s(&args[0])).into_owned(),
    ))
}

pub fn hello(_: &[Value]) -> FuncResult {
    string("Hello!")
}

// --- lists ---

pub fn list(args: &[Value]) -> FuncResult {
    Ok(Value::List(ElemType::Any, args.into()))
}

pub fn split_list(args: &[Value]) -> FuncResult {
    let (sep, text) = (s(&args[0]), s(&args[1]));
    let items: Vec<Value> = if sep.is_empty() {
        // Go's `explode`: one item per rune, an invalid byte as U+FFFD,
        // except that the last item is the rest of the bytes as they are.
        let mut items: Vec<Value> = runes(text)
            .map(|(at, c, width)| {
                if c == char::REPLACEMENT_CHARACTER {
                    Value::str("\u{FFFD}")
                } else {
                    Value::str(&text[at..at + width])
                }
            })
            .collect();
        if let Some((at, _, _)) = runes(text).last() {
            items.pop();
            items.push(Value::str(&text[at..]));
        }
        items
    } else {
        let mut items = Vec::new();
        let mut start = 0;
        for at in memmem::find_iter(text, sep) {
            items.push(Value::str(&text[start..at]));
            start = at + sep.len();
        }
        items.push(Value::str(&text[start..]));
        items
    };
    Ok(Value::List(ElemType::String, items.into()))
}

pub fn join(args: &[Value]) -> FuncResult {
    let sep = s(&args[0]);
    let parts: Vec<Vec<u8>> = match &args[1] {
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

pub fn first(args: &[Value]) -> FuncResult {
    Ok(list_of(&args[0], "first")?
        .first()
        .cloned()
        .unwrap_or(Value::Nil))
}

pub fn last(args: &[Value]) -> FuncResult {
    Ok(list_of(&args[0], "last")?
        .last()
        .cloned()
        .unwrap_or(Value::Nil))
}

pub fn rest(args: &[Value]) -> FuncResult {
    let items = list_of(&args[0], "rest")?;
    if items.is_empty() {
        // sprig returns a nil []interface{}, which prints as [].
        return Ok(Value::List(ElemType::Any, Rc::from([])));
    }
    Ok(Value::List(ElemType::Any, items[1..].into()))
}

pub fn initial(args: &[Value]) -> FuncResult {
    let items = list_of(&args[0], "initial")?;
    if items.is_empty() {
        // sprig returns a nil []interface{}, which prints as [].
        return Ok(Value::List(ElemType::Any, Rc::from([])));
    }
    Ok(Value::List(ElemType::Any, items[..items.len() - 1].into()))
}

/// sprig's `slice`: `list[start:end]`, keeping the list's type.
pub fn slice(args: &[Value]) -> FuncResult {
    let Value::List(elem, items) = &args[0] else {
        return match &args[0] {
            Value::Nil => Err(NIL_DEREFERENCE.into()),
            other => Err(format!(
                "list should be type of slice or array but {}",
                kind_name(other)
            )
            .into()),
        };
    };
    if items.is_empty() {
        return Ok(Value::Nil);
    }
    let len = items.len() as i64;
    let start = args.get(1).map_or(0, to_int64);
    let end = args.get(2).map_or(len, to_int64);
    if start < 0 || end < start || end > len {
        return Err(format!("reflect: slice index out of range [{start}:{end}]").into());
    }
    Ok(Value::List(
        *elem,
        items[start as usize..end as usize].into(),
    ))
}

pub fn compact(args: &[Value]) -> FuncResult {
    let items = match &args[0] {
        Value::List(_, items) => items,
        Value::Nil => return Err(NIL_DEREFERENCE.into()),
        other => return Err(format!("Cannot compact on type {}", kind_name(other)).into()),
    };
    Ok(Value::List(
        ElemType::Any,
        items.iter().filter(|v| v.is_truthy()).cloned().collect(),
    ))
}

pub fn concat(args: &[Value]) -> FuncResult {
    let mut out = Vec::new();
    for v in args {
        match v {
            Value::List(_, items) => out.extend(items.iter().cloned()),
            Value::Nil => return Err(NIL_DEREFERENCE.into()),
            other => {
                return Err(format!("Cannot concat type {} as list", kind_name(other)).into());
            }
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
        (Value::Uint8(x), Value::Uint8(y)) => x == y,
        (Value::Data(x), Value::Data(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::List(t1, x), Value::List(t2, y)) => {
            t1 == t2 && x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| deep_equal(a, b))
        }
        _ => false,
    }
}

pub fn has(args: &[Value]) -> FuncResult {
    let needle = &args[0];
    match &args[1] {
        Value::Nil => Ok(Value::Bool(false)),
        Value::List(_, items) => Ok(Value::Bool(items.iter().any(|i| deep_equal(needle, i)))),
        other => Err(format!("Cannot find has on type {}", kind_name(other)).into()),
    }
}

pub fn until(args: &[Value]) -> FuncResult {
    let count = int_arg(&args[0]);
    if count.unsigned_abs() > MAX_LIST as u64 {
        return Err(FuncError::Limit(format!(
            "until: lists longer than {MAX_LIST} are not supported"
        )));
    }
    let items: Vec<Value> = if count >= 0 {
        (0..count).map(Value::Int).collect()
    } else {
        (count + 1..=0).rev().map(Value::Int).collect()
    };
    Ok(Value::List(ElemType::Int, items.into()))
}

// --- logic ---

pub fn default(args: &[Value]) -> FuncResult {
    match args.get(1) {
        Some(given) if given.is_truthy() => Ok(given.clone()),
        _ => Ok(args[0].clone()),
    }
}

pub fn empty(args: &[Value]) -> FuncResult {
    Ok(Value::Bool(!args[0].is_truthy()))
}

pub fn coalesce(args: &[Value]) -> FuncResult {
    Ok(args
        .iter()
        .find(|v| v.is_truthy())
        .cloned()
        .unwrap_or(Value::Nil))
}

pub fn ternary(args: &[Value]) -> FuncResult {
    let cond = matches!(args[2], Value::Bool(true));
    Ok(if cond {
        args[0].clone()
    } else {
        args[1].clone()
    })
}

// --- environment and templates ---

pub fn env(host: &mut dyn Host, args: &[Value]) -> FuncResult {
    let value = std::str::from_utf8(s(&args[0]))
        .ok()
        .and_then(|name| host.env(name));
    string(value.unwrap_or_default())
}

pub fn include(host: &mut dyn Host, args: &[Value]) -> FuncResult {
    string(host.include(s(&args[0]), args[1].clone())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(x: &str) -> Value {
        Value::str(x)
    }

    fn text_of(v: &Value) -> &str {
        std::str::from_utf8(s(v)).expect("UTF-8")
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
    fn byte_slicing_cuts_bytes_and_never_panics() {
        assert_eq!(s(&trunc(&[Value::Int(1), st("é")]).unwrap()), b"\xc3");
        assert!(substr(&[Value::Int(2), Value::Int(1), st("abc")]).is_err());
        assert_eq!(
            text_of(&substr(&[Value::Int(-1), Value::Int(2), st("abc")]).unwrap()),
            "ab"
        );
        assert_eq!(
            text_of(&substr(&[Value::Int(1), Value::Int(-1), st("abc")]).unwrap()),
            "bc"
        );
        assert!(substr(&[Value::Int(5), Value::Int(-1), st("abc")]).is_err());
    }

    #[test]
    fn base64_matches_go() {
        assert_eq!(text_of(&b64enc(&[st("hello")]).unwrap()), "aGVsbG8=");
        assert_eq!(text_of(&b64dec(&[st("aGVsbG8=")]).unwrap()), "hello");
        assert_eq!(
            text_of(&b64dec(&[st("aGVsbG8")]).unwrap()),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            text_of(&b64dec(&[st("a!")]).unwrap()),
            "illegal base64 data at input byte 1"
        );
    }
}
