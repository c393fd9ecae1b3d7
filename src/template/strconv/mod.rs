//! The parts of Go's `strconv` whose exact acceptance rules show in template
//! output: number literals, sprig's string-to-number casts, string literals
//! (here), quoting (`quote`), float formatting (`ftoa`) and `IsPrint`.

mod ftoa;
mod isprint;
mod quote;

pub use ftoa::format_float;
#[cfg(test)]
pub use quote::quote_to_ascii;
pub use quote::{append_escaped_rune, append_quoted, can_backquote, is_print, quote};

#[derive(Debug, PartialEq)]
pub enum NumError {
    Syntax,
    /// Out of range; Go still returns the clamped value.
    Range(i64),
}

/// Go's `underscoreOK`: underscores only between digits or after a base
/// prefix.
fn underscore_ok(s: &[u8]) -> bool {
    // saw: '^' start, '0' digit or prefix, '_' underscore, '!' other.
    let mut saw = b'^';
    let mut i = 0;
    let mut s = s;
    if matches!(s.first(), Some(b'+' | b'-')) {
        s = &s[1..];
    }
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1] | 0x20 == b'x';
    }
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// `strconv.ParseUint(s, base, 64)` for base 0 (Go literal prefixes) or 10.
pub fn parse_uint(s: &str, base0: bool) -> Result<u64, NumError> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Err(NumError::Syntax);
    }
    let (base, digits): (u32, &[u8]) = if !base0 {
        (10, b)
    } else if b[0] == b'0' && b.len() >= 3 && matches!(b[1] | 0x20, b'x' | b'o' | b'b') {
        let base = match b[1] | 0x20 {
            b'x' => 16,
            b'o' => 8,
            _ => 2,
        };
        (base, &b[2..])
    } else if b[0] == b'0' {
        (8, &b[1..])
    } else {
        (10, b)
    };
    let mut underscores = false;
    let mut n: u64 = 0;
    let mut overflow = false;
    for &c in digits {
        let d = match c {
            b'_' if base0 => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => (c - b'0') as u32,
            b'a'..=b'z' => (c - b'a') as u32 + 10,
            b'A'..=b'Z' => (c - b'A') as u32 + 10,
            _ => return Err(NumError::Syntax),
        };
        if d >= base {
            return Err(NumError::Syntax);
        }
        match n
            .checked_mul(base as u64)
            .and_then(|m| m.checked_add(d as u64))
        {
            Some(m) => n = m,
            None => overflow = true,
        }
    }
    if underscores && !underscore_ok(b) {
        return Err(NumError::Syntax);
    }
    if overflow {
        return Err(NumError::Range(i64::MAX));
    }
    Ok(n)
}

/// `strconv.ParseInt(s, base, 64)` for base 0 or 10.
pub fn parse_int(s: &str, base0: bool) -> Result<i64, NumError> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let clamp = if neg { i64::MIN } else { i64::MAX };
    let u = match parse_uint(body, base0) {
        Ok(u) => u,
        Err(NumError::Range(_)) => return Err(NumError::Range(clamp)),
        Err(e) => return Err(e),
    };
    // Underscore rules look at the sign too ("-_1" is invalid), which
    // parse_uint checked without it; a leading underscore after the sign
    // fails there as well.
    if neg {
        if u > 1u64 << 63 {
            return Err(NumError::Range(clamp));
        }
        Ok((u as i64).wrapping_neg())
    } else {
        i64::try_from(u).map_err(|_| NumError::Range(clamp))
    }
}

/// `strconv.Atoi`: decimal only, no underscores; the clamped value on
/// overflow, like Go.
pub fn atoi(s: &str) -> (i64, bool) {
    match parse_int(s, false) {
        Ok(n) => (n, true),
        Err(NumError::Range(n)) => (n, false),
        Err(NumError::Syntax) => (0, false),
    }
}

/// `strconv.ParseFloat(s, 64)`; `None` for a syntax or range error.
pub fn parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let (neg, body) = match b.first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let special = match lower.as_str() {
        "inf" | "infinity" => Some(f64::INFINITY),
        "nan" if b.first() != Some(&b'+') && b.first() != Some(&b'-') => Some(f64::NAN),
        _ => None,
    };
    if let Some(v) = special {
        return Some(if neg { -v } else { v });
    }
    let v = if let Some(hex) = lower.strip_prefix("0x") {
        parse_hex_float(hex)?
    } else {
        if body.contains('_') && !underscore_ok(s.as_bytes()) {
            return None;
        }
        let cleaned: String = body.chars().filter(|&c| c != '_').collect();
        // Rust accepts a few spellings Go does not ("inf" handled above,
        // so only plain decimal forms remain).
        if cleaned.is_empty()
            || cleaned.starts_with(['+', '-'])
            || !cleaned
                .bytes()
                .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        cleaned.parse::<f64>().ok()?
    };
    if v.is_infinite() {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// Hex mantissa with a mandatory binary exponent: `1.8p3`.
fn parse_hex_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscore_ok(format!("0x{s}").as_bytes()) {
        return None;
    }
    let s: String = s.chars().filter(|&c| c != '_').collect();
    let (mantissa, exp) = s.split_once('p')?;
    let exp: i32 = exp.parse().ok()?;
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int_part.chars().chain(frac_part.chars()) {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let shift = exp.checked_sub(4 * frac_part.len() as i32)?;
    Some(value * 2f64.powi(shift))
}

/// A literal Go's `strconv.Unquote` rejects.
#[derive(Debug)]
pub struct UnquoteError;

/// Go's `strconv.Unquote` for the three quote styles template literals use.
pub fn unquote(s: &str) -> Result<Vec<u8>, UnquoteError> {
    let b = s.as_bytes();
    if b.len() < 2 || b[0] != b[b.len() - 1] {
        return Err(UnquoteError);
    }
    let body = &s[1..s.len() - 1];
    match b[0] {
        b'`' => {
            if body.contains('`') {
                return Err(UnquoteError);
            }
            // Go drops carriage returns from raw strings.
            Ok(body.replace('\r', "").into_bytes())
        }
        quote @ (b'"' | b'\'') => {
            let quote = quote as char;
            let mut out = Vec::with_capacity(body.len());
            let mut rest = body;
            while !rest.is_empty() {
                let (c, tail) = unquote_char(rest, quote)?;
                match c {
                    Unquoted::Char(c) => {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                    Unquoted::Byte(x) => out.push(x),
                }
                rest = tail;
                if quote == '\'' && !rest.is_empty() {
                    return Err(UnquoteError);
                }
            }
            if quote == '\'' && out.is_empty() {
                return Err(UnquoteError);
            }
            Ok(out)
        }
        _ => Err(UnquoteError),
    }
}

pub enum Unquoted {
    Char(char),
    /// `\xNN` and octal escapes give a raw byte.
    Byte(u8),
}

/// Go's `strconv.UnquoteChar`: decodes one character or escape.
pub fn unquote_char(s: &str, quote: char) -> Result<(Unquoted, &str), UnquoteError> {
    let mut chars = s.chars();
    let c = chars.next().ok_or(UnquoteError)?;
    if c == quote && (quote == '\'' || quote == '"') {
        return Err(UnquoteError);
    }
    if c != '\\' {
        return Ok((Unquoted::Char(c), chars.as_str()));
    }
    let s = chars.as_str();
    let e = s.chars().next().ok_or(UnquoteError)?;
    let rest = &s[e.len_utf8()..];
    let simple = match e {
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        '\\' => Some('\\'),
        '\'' | '"' => {
            if e != quote {
                return Err(UnquoteError);
            }
            Some(e)
        }
        _ => None,
    };
    if let Some(c) = simple {
        return Ok((Unquoted::Char(c), rest));
    }
    match e {
        'x' | 'u' | 'U' => {
            let n = match e {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let digits = rest.get(..n).ok_or(UnquoteError)?;
            if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(UnquoteError);
            }
            let v = u32::from_str_radix(digits, 16).map_err(|_| UnquoteError)?;
            if e == 'x' {
                return Ok((Unquoted::Byte(v as u8), &rest[n..]));
            }
            let c = char::from_u32(v).ok_or(UnquoteError)?;
            Ok((Unquoted::Char(c), &rest[n..]))
        }
        '0'..='7' => {
            let digits = s.get(..3).ok_or(UnquoteError)?;
            if !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                return Err(UnquoteError);
            }
            let v = u32::from_str_radix(digits, 8).map_err(|_| UnquoteError)?;
            if v > 255 {
                return Err(UnquoteError);
            }
            Ok((Unquoted::Byte(v as u8), &s[3..]))
        }
        _ => Err(UnquoteError),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_base_prefixes() {
        assert_eq!(parse_int("0x10", true), Ok(16));
        assert_eq!(parse_int("0b101", true), Ok(5));
        assert_eq!(parse_int("010", true), Ok(8));
        assert_eq!(parse_int("0o17", true), Ok(15));
        assert_eq!(parse_int("1_000", true), Ok(1000));
        assert_eq!(parse_int("+5", true), Ok(5));
        assert_eq!(parse_int("-0x10", true), Ok(-16));
        assert_eq!(parse_int("08", true), Err(NumError::Syntax));
        assert_eq!(parse_int("1__0", true), Err(NumError::Syntax));
        assert_eq!(parse_int("_1", true), Err(NumError::Syntax));
        assert_eq!(parse_int("1_", true), Err(NumError::Syntax));
        assert_eq!(parse_int("0x", true), Err(NumError::Syntax));
        assert_eq!(parse_int("0_10", true), Ok(8));
        assert_eq!(parse_int("-9223372036854775808", true), Ok(i64::MIN));
        assert!(matches!(
            parse_int("9223372036854775808", true),
            Err(NumError::Range(_))
        ));
        assert_eq!(parse_int("1_0", false), Err(NumError::Syntax));
    }

    #[test]
    fn floats() {
        assert_eq!(parse_float("1.5"), Some(1.5));
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(parse_float("0x1p4"), Some(16.0));
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float("1_0.5"), Some(10.5));
        assert_eq!(parse_float("abc"), None);
        assert_eq!(parse_float("1e400"), None);
    }

    #[test]
    fn unquoting() {
        assert_eq!(unquote(r#""a\tb\u00e9\x41""#).unwrap(), "a\tbéA".as_bytes());
        assert_eq!(unquote("`a\r\nb`").unwrap(), b"a\nb");
        assert!(unquote(r#""\'""#).is_err());
        assert_eq!(unquote(r#""\xff""#).unwrap(), b"\xff");
        assert!(unquote(r#""\q""#).is_err());
    }
}
