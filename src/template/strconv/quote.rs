//! Go's `strconv.Quote` family over bytes: a byte that is not part of a
//! valid UTF-8 sequence is written as `\xNN`, as Go does.

use super::isprint::IS_PRINT_RANGES;
use crate::template::unicode::{decode_rune, push_char, runes};

const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";

/// `strconv.Quote`: a double-quoted Go string literal, keeping printable
/// Unicode as is.
pub fn quote(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 2);
    append_quoted(&mut out, s, b'"', false);
    out
}

/// `strconv.QuoteToASCII`: like [`quote`] but escapes everything non-ASCII.
/// (Only the Go oracle cases use it; `%+q` goes through `append_quoted`.)
#[cfg(test)]
pub fn quote_to_ascii(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 2);
    append_quoted(&mut out, s, b'"', true);
    out
}

/// `appendQuotedWith`: `quote`, escapes, `quote`.
pub fn append_quoted(out: &mut Vec<u8>, s: &[u8], quote: u8, ascii_only: bool) {
    out.push(quote);
    for (at, c, width) in runes(s) {
        if width == 1 && c == char::REPLACEMENT_CHARACTER {
            out.extend_from_slice(b"\\x");
            out.push(LOWER_HEX[usize::from(s[at] >> 4)]);
            out.push(LOWER_HEX[usize::from(s[at] & 0xF)]);
            continue;
        }
        append_escaped_rune(out, c, quote, ascii_only);
    }
    out.push(quote);
}

/// `appendEscapedRune`.
pub fn append_escaped_rune(out: &mut Vec<u8>, c: char, quote: u8, ascii_only: bool) {
    if c == char::from(quote) || c == '\\' {
        out.push(b'\\');
        out.push(c as u8);
        return;
    }
    let printable = if ascii_only {
        c.is_ascii() && is_print(c)
    } else {
        is_print(c)
    };
    if printable {
        push_char(out, c);
        return;
    }
    let simple: &[u8] = match c {
        '\x07' => b"\\a",
        '\x08' => b"\\b",
        '\x0c' => b"\\f",
        '\n' => b"\\n",
        '\r' => b"\\r",
        '\t' => b"\\t",
        '\x0b' => b"\\v",
        _ => b"",
    };
    if !simple.is_empty() {
        out.extend_from_slice(simple);
        return;
    }
    let r = c as u32;
    if r < 0x20 || r == 0x7f {
        out.extend_from_slice(b"\\x");
        push_hex(out, r, 2);
    } else if r < 0x10000 {
        out.extend_from_slice(b"\\u");
        push_hex(out, r, 4);
    } else {
        out.extend_from_slice(b"\\U");
        push_hex(out, r, 8);
    }
}

fn push_hex(out: &mut Vec<u8>, r: u32, digits: u32) {
    for k in (0..digits).rev() {
        out.push(LOWER_HEX[((r >> (4 * k)) & 0xF) as usize]);
    }
}

/// `strconv.CanBackquote`: whether `%#q` may print a raw string literal.
pub fn can_backquote(s: &[u8]) -> bool {
    let mut rest = s;
    while !rest.is_empty() {
        let (c, width) = decode_rune(rest);
        rest = &rest[width..];
        if width > 1 {
            if c == '\u{feff}' {
                return false;
            }
            continue;
        }
        if c == char::REPLACEMENT_CHARACTER {
            return false;
        }
        if (c < ' ' && c != '\t') || c == '`' || c == '\u{7f}' {
            return false;
        }
    }
    true
}

/// `strconv.IsPrint` (Unicode 13 as shipped with Go 1.19): letters, marks,
/// numbers, punctuation, symbols and the ASCII space.
pub fn is_print(c: char) -> bool {
    let r = c as u32;
    if r < 0x80 {
        return (0x20..0x7f).contains(&r);
    }
    let idx = IS_PRINT_RANGES.partition_point(|&(_, hi)| hi < r);
    IS_PRINT_RANGES
        .get(idx)
        .is_some_and(|&(lo, hi)| lo <= r && r <= hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_bytes_like_go() {
        assert_eq!(quote(b"\xff"), b"\"\\xff\"");
        assert_eq!(quote("é\n".as_bytes()), "\"é\\n\"".as_bytes());
        assert_eq!(quote(&"日".as_bytes()[..2]), b"\"\\xe6\\x97\"");
        assert!(!can_backquote(b"\xff"));
        assert!(can_backquote("é\t".as_bytes()));
    }
}
