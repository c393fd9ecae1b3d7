//! Go's `fmt` printing (`Sprintf`, `Sprint`, `Sprintln`) and `strconv.Quote`,
//! byte for byte as Go 1.19 prints them, for the template engine's [`Value`]s.
//!
//! Users copy `printf` calls from Go templates, so the output (including Go's
//! odd corners: zero-padded strings, `%!d(string=02)` error forms, `1e+06`)
//! has to be exactly Go's. The structure mirrors Go's `fmt` package (a
//! printer with flags, width and precision; one routine per kind of operand)
//! because following it step by step is the simplest way to stay identical.
//!
//! The one difference from Go: `%p` of a list prints a memory address in
//! Go, which cannot be reproduced; we print the bad-verb form instead.
//!
//! Go stops reading a width or precision once it passes one million (so
//! about ten million at most gets through) and rejects `*` operands above
//! one million, which bounds one verb to tens of megabytes. Widths apply to
//! every element of a list though, and verbs repeat, so the printer also
//! stops once its output reaches [`MAX_OUTPUT`].

use super::limits::MAX_FORMAT_OUTPUT as MAX_OUTPUT;
use super::strconv::{append_escaped_rune, append_quoted, can_backquote, format_float, is_print};
use super::unicode::{decode_rune, push_char, rune_count, runes};
use super::value::Value;

/// `fmt.Sprintf`.
pub fn sprintf(format: &[u8], args: &[Value]) -> Vec<u8> {
    let mut p = Printer::new();
    p.do_printf(format, args);
    p.finish()
}

/// `fmt.Sprint`: operands printed with `%v`, separated by a space when
/// neither side of the gap is a string.
pub fn sprint(args: &[Value]) -> Vec<u8> {
    let mut p = Printer::new();
    let mut prev_string = false;
    for (i, arg) in args.iter().enumerate() {
        if p.full() {
            break;
        }
        let is_string = matches!(arg, Value::Str(_));
        if i > 0 && !is_string && !prev_string {
            p.buf.push(b' ');
        }
        p.print_arg(arg, 'v');
        prev_string = is_string;
    }
    p.finish()
}

/// `fmt.Sprintln`: operands printed with `%v`, always separated by a space,
/// followed by a newline.
pub fn sprintln(args: &[Value]) -> Vec<u8> {
    let mut p = Printer::new();
    for (i, arg) in args.iter().enumerate() {
        if p.full() {
            break;
        }
        if i > 0 {
            p.buf.push(b' ');
        }
        p.print_arg(arg, 'v');
    }
    p.buf.push(b'\n');
    p.finish()
}

/// What `%v` (and so `{{ . }}` and `print`) shows for one value.
pub fn format_value(v: &Value) -> Vec<u8> {
    let mut p = Printer::new();
    p.print_arg(v, 'v');
    p.finish()
}

const LOWER_DIGITS: &[u8; 17] = b"0123456789abcdefx";
const UPPER_DIGITS: &[u8; 17] = b"0123456789ABCDEFX";

/// Go refuses width and precision numbers beyond this while parsing them,
/// which is what bounds the memory one verb can ask for.
const TOO_LARGE: i64 = 1_000_000;

fn too_large(x: i64) -> bool {
    !(-TOO_LARGE..=TOO_LARGE).contains(&x)
}

#[derive(Clone, Copy, Default)]
struct Flags {
    wid_present: bool,
    prec_present: bool,
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    /// `%#v` is Go syntax rather than `#` applied to `%v`.
    sharp_v: bool,
    /// `%+v` names struct fields (only the template data is a struct).
    plus_v: bool,
}

struct Printer {
    buf: Vec<u8>,
    f: Flags,
    wid: usize,
    prec: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Base {
    Bin,
    Oct,
    Dec,
    Hex,
}

impl Printer {
    fn new() -> Printer {
        Printer {
            buf: Vec::new(),
            f: Flags::default(),
            wid: 0,
            prec: 0,
        }
    }

    /// A cut result is longer than any value the engine accepts, so it is
    /// rejected there rather than ever seen.
    fn finish(mut self) -> Vec<u8> {
        self.buf.truncate(MAX_OUTPUT);
        self.buf
    }

    fn full(&self) -> bool {
        self.buf.len() >= MAX_OUTPUT
    }

    fn clear_flags(&mut self) {
        self.f = Flags::default();
    }

    fn write_char(&mut self, c: char) {
        push_char(&mut self.buf, c);
    }

    // ---- The `fmt` struct: padding and the per-kind formatters. ----

    fn write_padding(&mut self, n: usize) {
        let n = n.min(MAX_OUTPUT.saturating_sub(self.buf.len()));
        let pad = if self.f.zero { b'0' } else { b' ' };
        self.buf.resize(self.buf.len() + n, pad);
    }

    /// Pads `b` to the width, counting runes as Go does.
    fn pad(&mut self, b: &[u8]) {
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
    fn pad_no_zero(&mut self, b: &[u8]) {
        let old_zero = self.f.zero;
        self.f.zero = false;
        self.pad(b);
        self.f.zero = old_zero;
    }

    fn fmt_boolean(&mut self, v: bool) {
        self.pad(if v { b"true" } else { b"false" });
    }

    fn fmt_unicode(&mut self, u: u64) {
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
    fn fmt_integer(&mut self, n: i64, base: Base, verb: char, digits: &[u8; 17]) {
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
    fn truncate<'s>(&self, s: &'s [u8]) -> &'s [u8] {
        if self.f.prec_present
            && let Some((i, _, _)) = runes(s).nth(self.prec)
        {
            return &s[..i];
        }
        s
    }

    fn fmt_s(&mut self, s: &[u8]) {
        let s = self.truncate(s);
        self.pad(s);
    }

    /// `%x` of a string: hex of its bytes, `% x` spaced, `%#x` prefixed.
    fn fmt_sx(&mut self, s: &[u8], digits: &[u8; 17]) {
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

    fn fmt_q(&mut self, s: &[u8]) {
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

    fn fmt_c(&mut self, c: u64) {
        let mut bytes = Vec::with_capacity(4);
        push_char(&mut bytes, rune_or_replacement(c));
        self.pad(&bytes);
    }

    fn fmt_qc(&mut self, c: u64) {
        let ch = rune_or_replacement(c);
        let mut out = Vec::with_capacity(12);
        out.push(b'\'');
        append_escaped_rune(&mut out, ch, b'\'', self.f.plus);
        out.push(b'\'');
        self.pad(&out);
    }

    fn fmt_float(&mut self, v: f64, verb: u8, prec: i64) {
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

    // ---- The `pp` struct: dispatch on the operand. ----

    fn bad_verb(&mut self, verb: char, arg: &Value) {
        self.buf.extend_from_slice(b"%!");
        self.write_char(verb);
        self.buf.push(b'(');
        if let Value::Nil = arg {
            self.buf.extend_from_slice(b"<nil>");
        } else {
            self.buf.extend_from_slice(arg.go_type_name().as_bytes());
            self.buf.push(b'=');
            self.print_arg(arg, 'v');
        }
        self.buf.push(b')');
    }

    fn print_arg(&mut self, arg: &Value, verb: char) {
        if let Value::Nil = arg {
            match verb {
                'T' | 'v' => self.pad(b"<nil>"),
                _ => self.bad_verb(verb, arg),
            }
            return;
        }
        match verb {
            'T' => {
                self.fmt_s(arg.go_type_name().as_bytes());
                return;
            }
            // Only lists have an address in Go, and it is not reproducible.
            'p' => {
                self.bad_verb(verb, arg);
                return;
            }
            _ => {}
        }
        self.print_value(arg, verb);
    }

    /// Go's `printValue` for a concrete (non-nil) operand or list element.
    fn print_value(&mut self, arg: &Value, verb: char) {
        match arg {
            Value::Nil => {
                // A nil element of a `[]interface {}`.
                if self.f.sharp_v {
                    self.buf.extend_from_slice(b"interface {}(nil)");
                } else {
                    self.buf.extend_from_slice(b"<nil>");
                }
            }
            Value::Bool(b) => match verb {
                't' | 'v' => self.fmt_boolean(*b),
                _ => self.bad_verb(verb, arg),
            },
            Value::Int(n) | Value::Int64(n) => self.print_integer(*n, verb, arg),
            // Go's `%#v` shows unsigned integers in hex.
            Value::Uint8(n) if verb == 'v' && self.f.sharp_v => {
                let sharp = std::mem::replace(&mut self.f.sharp, true);
                self.fmt_integer(i64::from(*n), Base::Hex, verb, LOWER_DIGITS);
                self.f.sharp = sharp;
            }
            Value::Uint8(n) => self.print_integer(i64::from(*n), verb, arg),
            Value::Float(x) => match verb {
                'v' => self.fmt_float(*x, b'g', -1),
                'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float(*x, verb as u8, -1),
                'f' | 'e' | 'E' => self.fmt_float(*x, verb as u8, 6),
                'F' => self.fmt_float(*x, b'f', 6),
                _ => self.bad_verb(verb, arg),
            },
            Value::Str(s) => match verb {
                'v' if self.f.sharp_v => self.fmt_q(s),
                'v' | 's' => self.fmt_s(s),
                'x' => self.fmt_sx(s, LOWER_DIGITS),
                'X' => self.fmt_sx(s, UPPER_DIGITS),
                'q' => self.fmt_q(s),
                _ => self.bad_verb(verb, arg),
            },
            Value::Data(index) => {
                // Go prints a struct as its fields in braces.
                if self.f.sharp_v {
                    self.buf.extend_from_slice(b"main.Data");
                }
                self.buf.push(b'{');
                if self.f.plus_v || self.f.sharp_v {
                    self.buf.extend_from_slice(b"Index:");
                }
                self.print_value(&Value::Int(*index), verb);
                self.buf.push(b'}');
            }
            Value::List(_, items) => {
                // `%#v` is Go syntax, `[]string{"a", "b"}`; the rest `[a b]`.
                let (open, separator, close): (&[u8], &[u8], &[u8]) = if self.f.sharp_v {
                    self.buf.extend_from_slice(arg.go_type_name().as_bytes());
                    (b"{", b", ", b"}")
                } else {
                    (b"[", b" ", b"]")
                };
                self.buf.extend_from_slice(open);
                for (i, item) in items.iter().enumerate() {
                    if self.full() {
                        break;
                    }
                    if i > 0 {
                        self.buf.extend_from_slice(separator);
                    }
                    self.print_value(item, verb);
                }
                self.buf.extend_from_slice(close);
            }
        }
    }

    fn print_integer(&mut self, n: i64, verb: char, arg: &Value) {
        match verb {
            'v' | 'd' => self.fmt_integer(n, Base::Dec, verb, LOWER_DIGITS),
            'b' => self.fmt_integer(n, Base::Bin, verb, LOWER_DIGITS),
            'o' | 'O' => self.fmt_integer(n, Base::Oct, verb, LOWER_DIGITS),
            'x' => self.fmt_integer(n, Base::Hex, verb, LOWER_DIGITS),
            'X' => self.fmt_integer(n, Base::Hex, verb, UPPER_DIGITS),
            // Go hands these the two's-complement bits: `%U` of -1 is
            // U+FFFFFFFFFFFFFFFF, `%c` of it U+FFFD.
            'c' => self.fmt_c(n as u64),
            'q' => self.fmt_qc(n as u64),
            'U' => self.fmt_unicode(n as u64),
            _ => self.bad_verb(verb, arg),
        }
    }

    // ---- Format string parsing (`doPrintf`). ----

    fn do_printf(&mut self, format: &[u8], args: &[Value]) {
        let fb = format;
        let end = fb.len();
        let mut arg_num = 0usize;
        let mut after_index;
        let mut reordered = false;
        let mut i = 0;
        'format_loop: while i < end && !self.full() {
            let mut good_arg_num = true;
            let last = i;
            while i < end && fb[i] != b'%' {
                i += 1;
            }
            if i > last {
                self.buf.extend_from_slice(&fb[last..i]);
            }
            if i >= end {
                break;
            }
            i += 1;

            self.clear_flags();
            while i < end {
                let c = fb[i];
                match c {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = !self.f.minus,
                    b'+' => self.f.plus = true,
                    b'-' => {
                        self.f.minus = true;
                        self.f.zero = false;
                    }
                    b' ' => self.f.space = true,
                    _ => {
                        // Fast path: flags and a lower-case verb only.
                        if c.is_ascii_lowercase() && arg_num < args.len() {
                            if c == b'v' {
                                self.set_v_flags();
                            }
                            self.print_arg(&args[arg_num], c as char);
                            arg_num += 1;
                            i += 1;
                            continue 'format_loop;
                        }
                        break;
                    }
                }
                i += 1;
            }

            let idx = self.arg_number(arg_num, fb, i, args.len(), &mut reordered);
            arg_num = idx.arg_num;
            i = idx.i;
            after_index = idx.found;
            good_arg_num &= idx.good;

            if i < end && fb[i] == b'*' {
                i += 1;
                let (num, is_int, next) = int_from_arg(args, arg_num);
                arg_num = next;
                self.f.wid_present = is_int;
                if !is_int {
                    self.buf.extend_from_slice(b"%!(BADWIDTH)");
                }
                if num < 0 {
                    self.f.minus = true;
                    self.f.zero = false;
                }
                self.wid = num.unsigned_abs() as usize;
                after_index = false;
            } else {
                let (num, is_num, next) = parse_num(fb, i, end);
                self.wid = num;
                self.f.wid_present = is_num;
                i = next;
                if after_index && is_num {
                    good_arg_num = false;
                }
            }

            if i + 1 < end && fb[i] == b'.' {
                i += 1;
                if after_index {
                    good_arg_num = false;
                }
                let idx = self.arg_number(arg_num, fb, i, args.len(), &mut reordered);
                arg_num = idx.arg_num;
                i = idx.i;
                after_index = idx.found;
                good_arg_num &= idx.good;
                if i < end && fb[i] == b'*' {
                    i += 1;
                    let (num, is_int, next) = int_from_arg(args, arg_num);
                    arg_num = next;
                    self.f.prec_present = is_int;
                    self.prec = num.max(0) as usize;
                    if num < 0 {
                        self.f.prec_present = false;
                    }
                    if !self.f.prec_present {
                        self.buf.extend_from_slice(b"%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (num, is_num, next) = parse_num(fb, i, end);
                    self.prec = num;
                    self.f.prec_present = true;
                    if !is_num {
                        self.prec = 0;
                    }
                    i = next;
                }
            }

            if !after_index {
                let idx = self.arg_number(arg_num, fb, i, args.len(), &mut reordered);
                arg_num = idx.arg_num;
                i = idx.i;
                good_arg_num &= idx.good;
            }

            if i >= end {
                self.buf.extend_from_slice(b"%!(NOVERB)");
                break;
            }

            let (verb, size) = decode_rune(&fb[i..]);
            i += size;

            if verb == '%' {
                // A literal percent takes no operand and ignores width.
                self.buf.push(b'%');
            } else if !good_arg_num {
                self.buf.extend_from_slice(b"%!");
                self.write_char(verb);
                self.buf.extend_from_slice(b"(BADINDEX)");
            } else if arg_num >= args.len() {
                self.buf.extend_from_slice(b"%!");
                self.write_char(verb);
                self.buf.extend_from_slice(b"(MISSING)");
            } else {
                if verb == 'v' {
                    self.set_v_flags();
                }
                self.print_arg(&args[arg_num], verb);
                arg_num += 1;
            }
        }

        // Go skips this check when indexes reordered the operands.
        if !reordered && arg_num < args.len() && !self.full() {
            self.clear_flags();
            self.buf.extend_from_slice(b"%!(EXTRA ");
            for (k, arg) in args[arg_num..].iter().enumerate() {
                if k > 0 {
                    self.buf.extend_from_slice(b", ");
                }
                if let Value::Nil = arg {
                    self.buf.extend_from_slice(b"<nil>");
                } else {
                    self.buf.extend_from_slice(arg.go_type_name().as_bytes());
                    self.buf.push(b'=');
                    self.print_arg(arg, 'v');
                }
            }
            self.buf.push(b')');
        }
    }

    fn set_v_flags(&mut self) {
        self.f.sharp_v = self.f.sharp;
        self.f.sharp = false;
        // `%+v` only changes how structs print: the template data.
        self.f.plus_v = self.f.plus;
        self.f.plus = false;
    }

    /// An explicit `[n]` operand index at `i`, if any.
    fn arg_number(
        &mut self,
        arg_num: usize,
        fb: &[u8],
        i: usize,
        num_args: usize,
        reordered: &mut bool,
    ) -> ArgIndex {
        if i >= fb.len() || fb[i] != b'[' {
            return ArgIndex {
                arg_num,
                i,
                found: false,
                good: true,
            };
        }
        *reordered = true;
        let (index, wid, ok) = parse_arg_number(&fb[i..]);
        if ok && index >= 0 && (index as usize) < num_args {
            return ArgIndex {
                arg_num: index as usize,
                i: i + wid,
                found: true,
                good: true,
            };
        }
        ArgIndex {
            arg_num,
            i: i + wid,
            found: ok,
            good: false,
        }
    }
}

struct ArgIndex {
    arg_num: usize,
    i: usize,
    found: bool,
    good: bool,
}

/// Go's `parsenum`: digits at `start`; gives up (consuming the rest of the
/// format) once the number grows absurd.
fn parse_num(s: &[u8], start: usize, end: usize) -> (usize, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num: i64 = 0;
    let mut is_num = false;
    let mut i = start;
    while i < end && s[i].is_ascii_digit() {
        if too_large(num) {
            return (0, false, end);
        }
        num = num * 10 + i64::from(s[i] - b'0');
        is_num = true;
        i += 1;
    }
    (num as usize, is_num, i)
}

/// `[n]` at the start of `s`: (zero-based index, bytes consumed, ok).
fn parse_arg_number(s: &[u8]) -> (i64, usize, bool) {
    if s.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..s.len() {
        if s[i] == b']' {
            let (width, ok, next) = parse_num(s, 1, i);
            if !ok || next != i {
                return (0, i + 1, false);
            }
            return (width as i64 - 1, i + 1, true);
        }
    }
    (0, 1, false)
}

/// A `*` width or precision operand: (value, usable, next operand).
fn int_from_arg(args: &[Value], arg_num: usize) -> (i64, bool, usize) {
    let Some(arg) = args.get(arg_num) else {
        return (0, false, arg_num);
    };
    let (num, is_int) = match arg {
        Value::Int(n) | Value::Int64(n) => (*n, true),
        Value::Uint8(n) => (i64::from(*n), true),
        _ => (0, false),
    };
    if too_large(num) {
        return (0, false, arg_num + 1);
    }
    (num, is_int, arg_num + 1)
}

/// Go's `rune(c)` with anything that is not a Unicode scalar value
/// (too large, negative, a surrogate) replaced by U+FFFD.
fn rune_or_replacement(c: u64) -> char {
    if c > 0x10FFFF {
        return char::REPLACEMENT_CHARACTER;
    }
    char::from_u32(c as u32).unwrap_or(char::REPLACEMENT_CHARACTER)
}

#[cfg(test)]
mod tests;
