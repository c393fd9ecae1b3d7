//! The parts of Go's `unicode` and `unicode/utf8` that show in template
//! output. Go strings are bytes; where Go decodes them, a byte that does not
//! start a valid sequence reads as U+FFFD one byte wide, and Go's case
//! mapping follows Unicode 13.0 (Go 1.19), not the Unicode version Rust's
//! `char` methods ship. The tables in `tables.rs` were generated with Go 1.19
//! itself, so the mapping matches Go's and does not move when Rust updates.
//! They are about 12 KB of static data (319 case ranges, 693 property
//! ranges).

mod tables;

/// `utf8.DecodeRune`: the character at the start of `b` and its width; an
/// invalid or cut sequence is U+FFFD of width 1, an empty input width 0.
pub fn decode_rune(b: &[u8]) -> (char, usize) {
    let Some(&lead) = b.first() else {
        return (char::REPLACEMENT_CHARACTER, 0);
    };
    if lead < 0x80 {
        return (char::from(lead), 1);
    }
    let width = match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return (char::REPLACEMENT_CHARACTER, 1),
    };
    // The standard library's validation rejects exactly what Go's does:
    // overlong forms, surrogates and values past U+10FFFF.
    match b.get(..width).map(std::str::from_utf8) {
        Some(Ok(s)) => match s.chars().next() {
            Some(c) => (c, width),
            None => (char::REPLACEMENT_CHARACTER, 1),
        },
        _ => (char::REPLACEMENT_CHARACTER, 1),
    }
}

/// `utf8.DecodeLastRune`: the character at the end of `b` and its width,
/// U+FFFD of width 1 when the end is not a complete valid sequence.
pub fn decode_last_rune(b: &[u8]) -> (char, usize) {
    let Some(&last) = b.last() else {
        return (char::REPLACEMENT_CHARACTER, 0);
    };
    if last < 0x80 {
        return (char::from(last), 1);
    }
    let end = b.len();
    let limit = end.saturating_sub(4);
    let mut start = end - 1;
    while start > limit && (b[start] & 0xC0) == 0x80 {
        start -= 1;
    }
    let (c, width) = decode_rune(&b[start..end]);
    if start + width != end {
        return (char::REPLACEMENT_CHARACTER, 1);
    }
    (c, width)
}

/// Iterates `(byte offset, char, width)` the way Go's `for i, r := range s`
/// does.
pub fn runes(b: &[u8]) -> Runes<'_> {
    Runes { b, at: 0 }
}

pub struct Runes<'a> {
    b: &'a [u8],
    at: usize,
}

impl Iterator for Runes<'_> {
    type Item = (usize, char, usize);

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.b.len() {
            return None;
        }
        let (c, width) = decode_rune(&self.b[self.at..]);
        let at = self.at;
        self.at += width;
        Some((at, c, width))
    }
}

/// `utf8.RuneCount`: every invalid byte counts as one.
pub fn rune_count(b: &[u8]) -> usize {
    if b.is_ascii() {
        return b.len();
    }
    runes(b).count()
}

pub fn push_char(out: &mut Vec<u8>, c: char) {
    let mut tmp = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
}

/// Which of Go's three case mappings.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Upper,
    Lower,
    Title,
}

/// `unicode.To(case, c)`: Go's simple, one-to-one case mapping.
pub fn to_case(case: Case, c: char) -> char {
    let r = c as u32;
    if r < 0x80 {
        return match case {
            Case::Upper | Case::Title => c.to_ascii_uppercase(),
            Case::Lower => c.to_ascii_lowercase(),
        };
    }
    let ranges = tables::CASE_RANGES;
    let i = ranges.partition_point(|&(_, hi, _)| hi < r);
    let Some(&(lo, hi, deltas)) = ranges.get(i) else {
        return c;
    };
    if r < lo || r > hi {
        return c;
    }
    let delta = deltas[case as usize];
    let mapped = if delta == tables::UPPER_LOWER {
        // Alternating upper/lower pairs, the even member upper case. Title
        // case is upper case here, as in Go.
        let base = r - lo;
        match case {
            Case::Upper | Case::Title => lo + (base & !1),
            Case::Lower => lo + (base | 1),
        }
    } else {
        (r as i64 + i64::from(delta)) as u32
    };
    char::from_u32(mapped).unwrap_or(c)
}

/// `unicode.IsLetter`, `IsDigit` and `IsSpace` as Go 1.19 has them, for the
/// word boundaries of `strings.Title`.
pub fn is_letter(c: char) -> bool {
    in_table(tables::LETTER, c)
}

pub fn is_digit(c: char) -> bool {
    in_table(tables::DIGIT, c)
}

pub fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    ) || (c as u32 > 0xff && in_table(tables::SPACE, c))
}

fn in_table(table: &[(u32, u32)], c: char) -> bool {
    let r = c as u32;
    let i = table.partition_point(|&(_, hi)| hi < r);
    table.get(i).is_some_and(|&(lo, hi)| lo <= r && r <= hi)
}

/// Go's `strings.Map` with a one-to-one mapping: every invalid byte becomes
/// U+FFFD (Go writes `RuneError` for it), everything else is mapped.
pub fn map_runes(b: &[u8], mut f: impl FnMut(char) -> char) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    for (at, c, width) in runes(b) {
        let mapped = f(c);
        let invalid_byte = c == char::REPLACEMENT_CHARACTER && width == 1;
        if mapped == c && !invalid_byte {
            out.extend_from_slice(&b[at..at + width]);
        } else {
            push_char(&mut out, mapped);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_like_go() {
        assert_eq!(decode_rune(b"\xff"), ('\u{FFFD}', 1));
        assert_eq!(decode_rune("é".as_bytes()), ('é', 2));
        assert_eq!(decode_rune(&"é".as_bytes()[..1]), ('\u{FFFD}', 1));
        assert_eq!(decode_rune(b"\xed\xa0\x80"), ('\u{FFFD}', 1));
        assert_eq!(decode_rune(b"\xc0\x80"), ('\u{FFFD}', 1));
        assert_eq!(rune_count(b"a\x80\x80"), 3);
        assert_eq!(decode_last_rune("aé".as_bytes()), ('é', 2));
        assert_eq!(decode_last_rune(b"a\xc3"), ('\u{FFFD}', 1));
        assert_eq!(decode_last_rune(b"\xa9"), ('\u{FFFD}', 1));
    }

    #[test]
    fn go_1_19_case_mapping() {
        assert_eq!(to_case(Case::Title, 'ᾳ'), 'ᾼ');
        assert_eq!(to_case(Case::Upper, 'ᾀ'), 'ᾈ');
        assert_eq!(to_case(Case::Title, 'ა'), 'ა');
        assert_eq!(to_case(Case::Upper, 'ƛ'), 'ƛ');
        assert_eq!(to_case(Case::Upper, 'ß'), 'ß');
        assert_eq!(to_case(Case::Title, 'ǆ'), 'ǅ');
        assert_eq!(to_case(Case::Upper, 'ǆ'), 'Ǆ');
        assert_eq!(to_case(Case::Lower, 'İ'), 'i');
        assert_eq!(to_case(Case::Upper, 'ā'), 'Ā');
        assert_eq!(to_case(Case::Lower, 'Ā'), 'ā');
        assert_eq!(map_runes(b"a\xffb", |c| c), "a\u{FFFD}b".as_bytes());
    }
}
