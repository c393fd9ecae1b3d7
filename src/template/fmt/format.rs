//! Go's `fmt/format.go`: the `fmt` struct's part of the printer, padding
//! to width and formatting one operand of each kind (booleans, integers,
//! `%U`, strings, `%x` of bytes, `%q`, characters, floats).

use super::{Base, MAX_OUTPUT, Printer, UPPER_DIGITS};
use crate::template::strconv::{
    append_escaped_rune, append_quoted, can_backquote, format_float, is_print,
};
use crate::template::unicode::{push_char, rune_count, runes};

impl Printer {
    pub(super) fn write_padding(&mut self, n: usize) {
        let n = n.min(MAX_OUTPUT.saturating_sub(self.buf.len()));
        let pad = if self.f.zero { b'0' } else { b' ' };
        self.buf.resize(self.buf.len() + n, pad);
    }

    /// Pads `b` to the width, counting runes as Go does.
    pub(super) fn pad(&mut self, b: &[u8]) {
        if !self.f.wid_present || self.wid == 0 {
            self.buf.extend_from_slice(b);
            return;
        }
        let width = self.wid.saturating_sub(rune_count(b));
        if !self.f.minus {
            self.write_padding(width);
            self.buf.extend_from_slice(b);
        } else {
            self.buf.extend_from_slice(b);
            self.write_padding(width);
        }
    }

    /// Pads with the zero flag ignored, as numbers and `%U` do once their
    /// zeros are part of the digits.
    pub(super) fn pad_no_zero(&mut self, b: &[u8]) {
        let old_zero = self.f.zero;
        self.f.zero = false;
        self.pad(b);
        self.f.zero = old_zero;
    }

    pub(super) fn fmt_boolean(&mut self, v: bool) {
        self.pad(if v { b"true" } else { b"false" });
    }

    pub(super) fn fmt_unicode(&mut self, u: u64) {
        let mut prec = 4;
        if self.f.prec_present && self.prec > 4 {
            prec = self.prec;
        }
        let mut hex = Vec::with_capacity(16);
        let mut n = u;
        loop {
            hex.push(UPPER_DIGITS[(n & 0xF) as usize]);
            n >>= 4;
            if n == 0 {
                break;
            }
        }
        let mut out = Vec::with_capacity(prec + 12);
        out.extend_from_slice(b"U+");
        out.resize(out.len() + prec.saturating_sub(hex.len()), b'0');
        out.extend(hex.iter().rev());
        if self.f.sharp
            && u <= 0x10FFFF
            && let Some(c) = char::from_u32(u as u32)
            && is_print(c)
        {
            out.extend_from_slice(b" '");
            push_char(&mut out, c);
            out.push(b'\'');
        }
        self.pad_no_zero(&out);
    }

    /// Template integers are all signed (Go `int`, `int64`).
    pub(super) fn fmt_integer(&mut self, n: i64, base: Base, verb: char, digits: &[u8; 17]) {
        let negative = n < 0;
        let mut u = n.unsigned_abs();

        // Two ways to ask for leading zeros: `%.3d` and `%03d`; with both,
        // the precision wins and the padding is spaces.
        let mut prec = 0;
        if self.f.prec_present {
            prec = self.prec;
            if prec == 0 && u == 0 {
                let old_zero = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.wid);
                self.f.zero = old_zero;
                return;
            }
        } else if self.f.zero && self.f.wid_present {
            prec = self.wid;
            if negative || self.f.plus || self.f.space {
                prec = prec.saturating_sub(1);
            }
        }

        // Digits least significant first, then everything reversed.
        let mut rev: Vec<u8> = Vec::with_capacity(prec.max(24) + 4);
        let radix = match base {
            Base::Bin => 2,
            Base::Oct => 8,
            Base::Dec => 10,
            Base::Hex => 16,
        };
        loop {
            rev.push(digits[(u % radix) as usize]);
            u /= radix;
            if u == 0 {
                break;
            }
        }
        while rev.len() < prec {
            rev.push(b'0');
        }
        if self.f.sharp {
            match base {
                Base::Bin => rev.extend_from_slice(b"b0"),
                Base::Oct => {
                    if rev.last() != Some(&b'0') {
                        rev.push(b'0');
                    }
                }
                Base::Hex => {
                    rev.push(digits[16]);
                    rev.push(b'0');
                }
                Base::Dec => {}
            }
        }
        if verb == 'O' {
            rev.extend_from_slice(b"o0");
        }
        if negative {
            rev.push(b'-');
        } else if self.f.plus {
            rev.push(b'+');
        } else if self.f.space {
            rev.push(b' ');
        }
        rev.reverse();
        self.pad_no_zero(&rev);
    }

    /// Cuts `s` to the precision, counted in runes (an invalid byte is
    /// one).
    pub(super) fn truncate<'s>(&self, s: &'s [u8]) -> &'s [u8] {
        if self.f.prec_present
            && let Some((i, _, _)) = runes(s).nth(self.prec)
        {
            return &s[..i];
        }
        s
    }

    pub(super) fn fmt_s(&mut self, s: &[u8]) {
        let s = self.truncate(s);
        self.pad(s);
    }

    /// `%x` of a string: hex of its bytes, `% x` spaced, `%#x` prefixed.
    pub(super) fn fmt_sx(&mut self, s: &[u8], digits: &[u8; 17]) {
        let bytes = s;
        let mut length = bytes.len();
        if self.f.prec_present && self.prec < length {
            length = self.prec;
        }
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if self.f.wid_present {
                self.write_padding(self.wid);
            }
            return;
        }
        if self.f.wid_present && self.wid > width && !self.f.minus {
            self.write_padding(self.wid - width);
        }
        if self.f.sharp {
            self.buf.extend_from_slice(&[b'0', digits[16]]);
        }
        for (i, &c) in bytes[..length].iter().enumerate() {
            if self.f.space && i > 0 {
                self.buf.push(b' ');
                if self.f.sharp {
                    self.buf.extend_from_slice(&[b'0', digits[16]]);
                }
            }
            self.buf
                .extend_from_slice(&[digits[(c >> 4) as usize], digits[(c & 0xF) as usize]]);
        }
        if self.f.wid_present && self.wid > width && self.f.minus {
            self.write_padding(self.wid - width);
        }
    }

    pub(super) fn fmt_q(&mut self, s: &[u8]) {
        let s = self.truncate(s);
        if self.f.sharp && can_backquote(s) {
            let mut out = Vec::with_capacity(s.len() + 2);
            out.push(b'`');
            out.extend_from_slice(s);
            out.push(b'`');
            self.pad(&out);
            return;
        }
        let mut out = Vec::with_capacity(s.len() + 2);
        append_quoted(&mut out, s, b'"', self.f.plus);
        self.pad(&out);
    }

    pub(super) fn fmt_c(&mut self, c: u64) {
        let mut bytes = Vec::with_capacity(4);
        push_char(&mut bytes, rune_or_replacement(c));
        self.pad(&bytes);
    }

    pub(super) fn fmt_qc(&mut self, c: u64) {
        let ch = rune_or_replacement(c);
        let mut out = Vec::with_capacity(12);
        out.push(b'\'');
        append_escaped_rune(&mut out, ch, b'\'', self.f.plus);
        out.push(b'\'');
        self.pad(&out);
    }

    pub(super) fn fmt_float(&mut self, v: f64, verb: u8, prec: i64) {
        let prec = if self.f.prec_present {
            self.prec as i64
        } else {
            prec
        };
        // num[0] is reserved for a sign.
        let mut num = vec![b'+'];
        num.extend_from_slice(&format_float(v, verb, prec));
        if num[1] == b'-' || num[1] == b'+' {
            num.remove(0);
        }
        if self.f.space && num[0] == b'+' && !self.f.plus {
            num[0] = b' ';
        }
        // Infinities and NaN are not numbers to be padded with zeros.
        if num[1] == b'I' || num[1] == b'N' {
            if num[1] == b'N' && !self.f.space && !self.f.plus {
                num.remove(0);
            }
            self.pad_no_zero(&num);
            return;
        }
        // `#` keeps the decimal point and restores trailing zeros.
        if self.f.sharp && verb != b'b' {
            let mut digits: i64 = match verb {
                b'v' | b'g' | b'G' | b'x' => {
                    if prec == -1 {
                        6
                    } else {
                        prec
                    }
                }
                _ => 0,
            };
            let mut tail: Vec<u8> = Vec::new();
            let mut has_decimal_point = false;
            let mut saw_nonzero_digit = false;
            let mut i = 1;
            while i < num.len() {
                let c = num[i];
                match c {
                    b'.' => has_decimal_point = true,
                    b'p' | b'P' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                    }
                    b'e' | b'E' if verb != b'x' && verb != b'X' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                    }
                    _ => {
                        if c != b'0' {
                            saw_nonzero_digit = true;
                        }
                        if saw_nonzero_digit {
                            digits -= 1;
                        }
                    }
                }
                i += 1;
            }
            if !has_decimal_point {
                if num.len() == 2 && num[1] == b'0' {
                    digits -= 1;
                }
                num.push(b'.');
            }
            while digits > 0 {
                num.push(b'0');
                digits -= 1;
            }
            num.extend_from_slice(&tail);
        }
        if self.f.plus || num[0] != b'+' {
            // Zero padding goes between the sign and the digits.
            if self.f.zero && self.f.wid_present && self.wid > num.len() {
                self.buf.push(num[0]);
                self.write_padding(self.wid - num.len());
                self.buf.extend_from_slice(&num[1..]);
                return;
            }
            self.pad(&num);
            return;
        }
        self.pad(&num[1..]);
    }
}

/// Go's `rune(c)` with anything that is not a Unicode scalar value
/// (too large, negative, a surrogate) replaced by U+FFFD.
fn rune_or_replacement(c: u64) -> char {
    if c > 0x10FFFF {
        return char::REPLACEMENT_CHARACTER;
    }
    char::from_u32(c as u32).unwrap_or(char::REPLACEMENT_CHARACTER)
}
