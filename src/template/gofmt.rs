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

use super::value::Value;

/// `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer::new();
    p.do_printf(format, args);
    p.finish()
}

/// `fmt.Sprint`: operands printed with `%v`, separated by a space when
/// neither side of the gap is a string.
pub fn sprint(args: &[Value]) -> String {
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
pub fn sprintln(args: &[Value]) -> String {
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
pub fn format_value(v: &Value) -> String {
    let mut p = Printer::new();
    p.print_arg(v, 'v');
    p.finish()
}

/// `strconv.Quote`: a double-quoted Go string literal, keeping printable
/// Unicode as is.
pub fn quote(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    append_quoted(&mut out, s, b'"', false);
    into_string(out)
}

/// `strconv.QuoteToASCII`: like [`quote`] but escapes everything non-ASCII.
pub fn quote_to_ascii(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    append_quoted(&mut out, s, b'"', true);
    into_string(out)
}

/// Everything written is built from `&str` pieces, whole runes and ASCII, so
/// the buffer is valid UTF-8; the lossy path only exists to avoid a panic.
fn into_string(buf: Vec<u8>) -> String {
    match String::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Where the printer stops; Go has no limit. It is well above what the
/// template engine accepts as a whole rendered value, so a cut result is
/// rejected there rather than ever seen.
pub const MAX_OUTPUT: usize = 4 << 20;

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

    fn finish(mut self) -> String {
        if self.buf.len() > MAX_OUTPUT {
            // Back up to a rune boundary so the cut stays valid UTF-8.
            let mut end = MAX_OUTPUT;
            while end > 0 && (self.buf[end] & 0xC0) == 0x80 {
                end -= 1;
            }
            self.buf.truncate(end);
        }
        into_string(self.buf)
    }

    fn full(&self) -> bool {
        self.buf.len() >= MAX_OUTPUT
    }

    fn clear_flags(&mut self) {
        self.f = Flags::default();
    }

    fn write_char(&mut self, c: char) {
        let mut tmp = [0u8; 4];
        self.buf
            .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
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
            let mut tmp = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
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

    /// Cuts `s` to the precision, counted in runes.
    fn truncate<'s>(&self, s: &'s str) -> &'s str {
        if self.f.prec_present
            && let Some((i, _)) = s.char_indices().nth(self.prec)
        {
            return &s[..i];
        }
        s
    }

    fn fmt_s(&mut self, s: &str) {
        let s = self.truncate(s);
        self.pad(s.as_bytes());
    }

    /// `%x` of a string: hex of its bytes, `% x` spaced, `%#x` prefixed.
    fn fmt_sx(&mut self, s: &str, digits: &[u8; 17]) {
        let bytes = s.as_bytes();
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

    fn fmt_q(&mut self, s: &str) {
        let s = self.truncate(s);
        if self.f.sharp && can_backquote(s) {
            let mut out = Vec::with_capacity(s.len() + 2);
            out.push(b'`');
            out.extend_from_slice(s.as_bytes());
            out.push(b'`');
            self.pad(&out);
            return;
        }
        let mut out = Vec::with_capacity(s.len() + 2);
        append_quoted(&mut out, s, b'"', self.f.plus);
        self.pad(&out);
    }

    fn fmt_c(&mut self, c: u64) {
        let ch = rune_or_replacement(c);
        let mut tmp = [0u8; 4];
        let bytes = ch.encode_utf8(&mut tmp).as_bytes().to_vec();
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
                self.fmt_s(arg.go_type_name());
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

    fn do_printf(&mut self, format: &str, args: &[Value]) {
        let fb = format.as_bytes();
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

            let verb = match format.get(i..).and_then(|rest| rest.chars().next()) {
                Some(c) => c,
                None => break,
            };
            i += verb.len_utf8();

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
        _ => (0, false),
    };
    if too_large(num) {
        return (0, false, arg_num + 1);
    }
    (num, is_int, arg_num + 1)
}

fn rune_count(b: &[u8]) -> usize {
    b.iter().filter(|&&c| (c & 0xC0) != 0x80).count()
}

/// Go's `rune(c)` with anything that is not a Unicode scalar value
/// (too large, negative, a surrogate) replaced by U+FFFD.
fn rune_or_replacement(c: u64) -> char {
    if c > 0x10FFFF {
        return char::REPLACEMENT_CHARACTER;
    }
    char::from_u32(c as u32).unwrap_or(char::REPLACEMENT_CHARACTER)
}

// ---- strconv: quoting ----

fn append_quoted(out: &mut Vec<u8>, s: &str, quote: u8, ascii_only: bool) {
    out.push(quote);
    for c in s.chars() {
        append_escaped_rune(out, c, quote, ascii_only);
    }
    out.push(quote);
}

fn append_escaped_rune(out: &mut Vec<u8>, c: char, quote: u8, ascii_only: bool) {
    if c == quote as char || c == '\\' {
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
        let mut tmp = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
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
        out.push(LOWER_DIGITS[((r >> (4 * k)) & 0xF) as usize]);
    }
}

/// `strconv.CanBackquote`: whether `%#q` may print a raw string literal.
fn can_backquote(s: &str) -> bool {
    s.chars().all(|c| match c {
        '\u{feff}' => false,
        '\t' => true,
        '`' | '\u{7f}' => false,
        c => c >= ' ',
    })
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

// ---- strconv: floats ----

/// Decimal digits of a non-negative finite number: `0.d₀d₁… × 10^dp`,
/// no trailing zeros; zero has no digits.
struct Decimal {
    d: Vec<u8>,
    dp: i64,
}

impl Decimal {
    fn nd(&self) -> i64 {
        self.d.len() as i64
    }

    /// Rounds to `nd` digits, ties to even (Go's `decimal.Round`).
    fn round(&mut self, nd: i64) {
        if nd < 0 || nd >= self.nd() {
            return;
        }
        let n = nd as usize;
        let up = if self.d[n] == b'5' && n + 1 == self.d.len() {
            n > 0 && (self.d[n - 1] - b'0') % 2 != 0
        } else {
            self.d[n] >= b'5'
        };
        if up {
            for i in (0..n).rev() {
                if self.d[i] < b'9' {
                    self.d[i] += 1;
                    self.d.truncate(i + 1);
                    return;
                }
            }
            self.d.clear();
            self.d.push(b'1');
            self.dp += 1;
        } else {
            self.d.truncate(n);
            self.trim();
        }
    }

    fn trim(&mut self) {
        while self.d.last() == Some(&b'0') {
            self.d.pop();
        }
        if self.d.is_empty() {
            self.dp = 0;
        }
    }

    fn reads_back_as(&self, v: f64) -> bool {
        let text = format!("0.{}e{}", String::from_utf8_lossy(&self.d), self.dp);
        text.parse::<f64>() == Ok(v)
    }

    fn digit(&self, j: i64) -> u8 {
        if j >= 0 && j < self.nd() {
            self.d[j as usize]
        } else {
            b'0'
        }
    }
}

/// The shortest digits that read back as `v`, as Go's Ryu picks them.
///
/// Rust's `{:e}` finds the same number of digits, but where two candidates
/// of that length are equally close to `v` it rounds up while Go rounds to
/// even (`7.687968747989412e+14`, not `…413e+14`). Go's choice is `v`
/// rounded half to even at that length, unless that falls outside the
/// values that read back as `v`, in which case both pick the neighbour.
fn shortest_digits(v: f64) -> Decimal {
    if v == 0.0 {
        return Decimal {
            d: Vec::new(),
            dp: 0,
        };
    }
    let s = format!("{v:e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut candidate = Decimal {
        d: mantissa.bytes().filter(u8::is_ascii_digit).collect(),
        dp: exp + 1,
    };
    candidate.trim();
    let mut rounded = exact_digits(v);
    rounded.round(candidate.nd());
    if (rounded.d != candidate.d || rounded.dp != candidate.dp) && rounded.reads_back_as(v) {
        return rounded;
    }
    candidate
}

/// All the digits of `v` (an f64 is a dyadic rational, so they end).
fn exact_digits(v: f64) -> Decimal {
    let (mant, exp2) = decompose(v);
    if mant == 0 {
        return Decimal {
            d: Vec::new(),
            dp: 0,
        };
    }
    let mut big = BigUint::from_u64(mant);
    let mut scale = 0i64;
    if exp2 >= 0 {
        big.shl(exp2 as u32);
    } else {
        // mant / 2^k = mant * 5^k / 10^k
        let mut k = -exp2;
        scale = k;
        while k >= 13 {
            big.mul_small(1_220_703_125); // 5^13
            k -= 13;
        }
        big.mul_small(5u32.pow(k as u32));
    }
    let d = big.into_decimal();
    let mut dec = Decimal {
        dp: d.len() as i64 - scale,
        d,
    };
    dec.trim();
    dec
}

/// `v` (finite, non-negative) as `mant × 2^exp`.
fn decompose(v: f64) -> (u64, i64) {
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1 << 52) - 1);
    if biased == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), biased - 1075)
    }
}

/// Just enough of an unsigned big integer for exact float expansion.
struct BigUint {
    limbs: Vec<u32>, // little-endian
}

impl BigUint {
    fn from_u64(n: u64) -> BigUint {
        BigUint {
            limbs: vec![n as u32, (n >> 32) as u32],
        }
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for limb in &mut self.limbs {
            let t = u64::from(*limb) * u64::from(m) + carry;
            *limb = t as u32;
            carry = t >> 32;
        }
        if carry > 0 {
            self.limbs.push(carry as u32);
        }
    }

    fn shl(&mut self, bits: u32) {
        let words = (bits / 32) as usize;
        let rest = bits % 32;
        if rest > 0 {
            let mut carry = 0u32;
            for limb in &mut self.limbs {
                let t = (*limb << rest) | carry;
                carry = *limb >> (32 - rest);
                *limb = t;
            }
            if carry > 0 {
                self.limbs.push(carry);
            }
        }
        self.limbs.splice(0..0, std::iter::repeat_n(0, words));
    }

    fn into_decimal(mut self) -> Vec<u8> {
        const CHUNK: u64 = 1_000_000_000;
        let mut chunks = Vec::new();
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
        while !self.limbs.is_empty() {
            let mut rem = 0u64;
            for limb in self.limbs.iter_mut().rev() {
                let cur = (rem << 32) | u64::from(*limb);
                *limb = (cur / CHUNK) as u32;
                rem = cur % CHUNK;
            }
            chunks.push(rem as u32);
            while self.limbs.last() == Some(&0) {
                self.limbs.pop();
            }
        }
        let mut out = Vec::with_capacity(chunks.len() * 9);
        for (i, chunk) in chunks.iter().rev().enumerate() {
            if i == 0 {
                out.extend_from_slice(chunk.to_string().as_bytes());
            } else {
                out.extend_from_slice(format!("{chunk:09}").as_bytes());
            }
        }
        out
    }
}

/// `strconv.FormatFloat(v, fmt, prec, 64)`.
fn format_float(v: f64, fmt: u8, prec: i64) -> Vec<u8> {
    if v.is_nan() {
        return b"NaN".to_vec();
    }
    let neg = v.is_sign_negative();
    if v.is_infinite() {
        return if neg {
            b"-Inf".to_vec()
        } else {
            b"+Inf".to_vec()
        };
    }
    let a = v.abs();
    match fmt {
        b'b' => return fmt_b(neg, a),
        b'x' | b'X' => return fmt_x(neg, a, fmt, prec),
        _ => {}
    }
    let shortest = prec < 0;
    let mut prec = prec;
    let digs = if shortest {
        let d = shortest_digits(a);
        prec = match fmt {
            b'e' | b'E' => (d.nd() - 1).max(0),
            b'f' => (d.nd() - d.dp).max(0),
            _ => d.nd(),
        };
        d
    } else {
        let mut d = exact_digits(a);
        match fmt {
            b'e' | b'E' => d.round(prec + 1),
            b'f' => d.round(d.dp + prec),
            _ => {
                if prec == 0 {
                    prec = 1;
                }
                d.round(prec);
            }
        }
        d
    };
    let mut out = Vec::with_capacity(24);
    match fmt {
        b'e' | b'E' => fmt_e(&mut out, neg, &digs, prec, fmt),
        b'f' => fmt_f(&mut out, neg, &digs, prec),
        _ => {
            let mut eprec = prec;
            if eprec > digs.nd() && digs.nd() >= digs.dp {
                eprec = digs.nd();
            }
            // Shortest form switches to an exponent as `%e` would at
            // precision 6.
            if shortest {
                eprec = 6;
            }
            let exp = digs.dp - 1;
            if exp < -4 || exp >= eprec {
                if prec > digs.nd() {
                    prec = digs.nd();
                }
                fmt_e(&mut out, neg, &digs, prec - 1, fmt + b'e' - b'g');
            } else {
                if prec > digs.dp {
                    prec = digs.nd();
                }
                fmt_f(&mut out, neg, &digs, (prec - digs.dp).max(0));
            }
        }
    }
    out
}

fn fmt_e(out: &mut Vec<u8>, neg: bool, d: &Decimal, prec: i64, fmt: u8) {
    if neg {
        out.push(b'-');
    }
    out.push(d.d.first().copied().unwrap_or(b'0'));
    if prec > 0 {
        out.push(b'.');
        for j in 1..=prec {
            out.push(d.digit(j));
        }
    }
    out.push(fmt);
    let mut exp = d.dp - 1;
    if d.d.is_empty() {
        exp = 0;
    }
    out.push(if exp < 0 { b'-' } else { b'+' });
    let exp = exp.unsigned_abs();
    if exp < 10 {
        out.push(b'0');
    }
    out.extend_from_slice(exp.to_string().as_bytes());
}

fn fmt_f(out: &mut Vec<u8>, neg: bool, d: &Decimal, prec: i64) {
    if neg {
        out.push(b'-');
    }
    if d.dp > 0 {
        for j in 0..d.dp {
            out.push(d.digit(j));
        }
    } else {
        out.push(b'0');
    }
    if prec > 0 {
        out.push(b'.');
        for i in 0..prec {
            out.push(d.digit(d.dp + i));
        }
    }
}

/// `%b`: decimal mantissa and binary exponent, `4503599627370496p-52`.
fn fmt_b(neg: bool, a: f64) -> Vec<u8> {
    let (mant, exp) = decompose(a);
    let mut out = Vec::with_capacity(24);
    if neg {
        out.push(b'-');
    }
    out.extend_from_slice(mant.to_string().as_bytes());
    out.push(b'p');
    if exp >= 0 {
        out.push(b'+');
    }
    out.extend_from_slice(exp.to_string().as_bytes());
    out
}

/// `%x`: hexadecimal mantissa and binary exponent, `0x1.8p+01`.
fn fmt_x(neg: bool, a: f64, fmt: u8, prec: i64) -> Vec<u8> {
    let (mut mant, exp2) = decompose(a);
    // Go's exponent here is for a mantissa of the form 1.xxx.
    let mut exp = exp2 + 52;
    if mant == 0 {
        exp = 0;
    }
    mant <<= 60 - 52;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex = if fmt == b'X' {
        UPPER_DIGITS
    } else {
        LOWER_DIGITS
    };
    let mut out = Vec::with_capacity(32);
    if neg {
        out.push(b'-');
    }
    out.extend_from_slice(&[b'0', fmt, b'0' + ((mant >> 60) & 1) as u8]);
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push(b'.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize]);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push(b'.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize]);
            mant <<= 4;
        }
    }
    out.push(if fmt == b'X' { b'P' } else { b'p' });
    out.push(if exp < 0 { b'-' } else { b'+' });
    let exp = exp.unsigned_abs();
    if exp < 10 {
        out.push(b'0');
    }
    out.extend_from_slice(exp.to_string().as_bytes());
    out
}

/// Inclusive ranges of the runes at or above U+0080 that Go 1.19's
/// `strconv.IsPrint` accepts, generated by running it over every rune.
#[rustfmt::skip]
static IS_PRINT_RANGES: &[(u32, u32)] = &[
(0x20, 0x7e), (0xa1, 0xac), (0xae, 0x377), (0x37a, 0x37f), (0x384, 0x38a), (0x38c, 0x38c), 
(0x38e, 0x3a1), (0x3a3, 0x52f), (0x531, 0x556), (0x559, 0x58a), (0x58d, 0x58f), (0x591, 0x5c7), 
(0x5d0, 0x5ea), (0x5ef, 0x5f4), (0x606, 0x61b), (0x61e, 0x6dc), (0x6de, 0x70d), (0x710, 0x74a), 
(0x74d, 0x7b1), (0x7c0, 0x7fa), (0x7fd, 0x82d), (0x830, 0x83e), (0x840, 0x85b), (0x85e, 0x85e), 
(0x860, 0x86a), (0x8a0, 0x8b4), (0x8b6, 0x8c7), (0x8d3, 0x8e1), (0x8e3, 0x983), (0x985, 0x98c), 
(0x98f, 0x990), (0x993, 0x9a8), (0x9aa, 0x9b0), (0x9b2, 0x9b2), (0x9b6, 0x9b9), (0x9bc, 0x9c4), 
(0x9c7, 0x9c8), (0x9cb, 0x9ce), (0x9d7, 0x9d7), (0x9dc, 0x9dd), (0x9df, 0x9e3), (0x9e6, 0x9fe), 
(0xa01, 0xa03), (0xa05, 0xa0a), (0xa0f, 0xa10), (0xa13, 0xa28), (0xa2a, 0xa30), (0xa32, 0xa33), 
(0xa35, 0xa36), (0xa38, 0xa39), (0xa3c, 0xa3c), (0xa3e, 0xa42), (0xa47, 0xa48), (0xa4b, 0xa4d), 
(0xa51, 0xa51), (0xa59, 0xa5c), (0xa5e, 0xa5e), (0xa66, 0xa76), (0xa81, 0xa83), (0xa85, 0xa8d), 
(0xa8f, 0xa91), (0xa93, 0xaa8), (0xaaa, 0xab0), (0xab2, 0xab3), (0xab5, 0xab9), (0xabc, 0xac5), 
(0xac7, 0xac9), (0xacb, 0xacd), (0xad0, 0xad0), (0xae0, 0xae3), (0xae6, 0xaf1), (0xaf9, 0xaff), 
(0xb01, 0xb03), (0xb05, 0xb0c), (0xb0f, 0xb10), (0xb13, 0xb28), (0xb2a, 0xb30), (0xb32, 0xb33), 
(0xb35, 0xb39), (0xb3c, 0xb44), (0xb47, 0xb48), (0xb4b, 0xb4d), (0xb55, 0xb57), (0xb5c, 0xb5d), 
(0xb5f, 0xb63), (0xb66, 0xb77), (0xb82, 0xb83), (0xb85, 0xb8a), (0xb8e, 0xb90), (0xb92, 0xb95), 
(0xb99, 0xb9a), (0xb9c, 0xb9c), (0xb9e, 0xb9f), (0xba3, 0xba4), (0xba8, 0xbaa), (0xbae, 0xbb9), 
(0xbbe, 0xbc2), (0xbc6, 0xbc8), (0xbca, 0xbcd), (0xbd0, 0xbd0), (0xbd7, 0xbd7), (0xbe6, 0xbfa), 
(0xc00, 0xc0c), (0xc0e, 0xc10), (0xc12, 0xc28), (0xc2a, 0xc39), (0xc3d, 0xc44), (0xc46, 0xc48), 
(0xc4a, 0xc4d), (0xc55, 0xc56), (0xc58, 0xc5a), (0xc60, 0xc63), (0xc66, 0xc6f), (0xc77, 0xc8c), 
(0xc8e, 0xc90), (0xc92, 0xca8), (0xcaa, 0xcb3), (0xcb5, 0xcb9), (0xcbc, 0xcc4), (0xcc6, 0xcc8), 
(0xcca, 0xccd), (0xcd5, 0xcd6), (0xcde, 0xcde), (0xce0, 0xce3), (0xce6, 0xcef), (0xcf1, 0xcf2), 
(0xd00, 0xd0c), (0xd0e, 0xd10), (0xd12, 0xd44), (0xd46, 0xd48), (0xd4a, 0xd4f), (0xd54, 0xd63), 
(0xd66, 0xd7f), (0xd81, 0xd83), (0xd85, 0xd96), (0xd9a, 0xdb1), (0xdb3, 0xdbb), (0xdbd, 0xdbd), 
(0xdc0, 0xdc6), (0xdca, 0xdca), (0xdcf, 0xdd4), (0xdd6, 0xdd6), (0xdd8, 0xddf), (0xde6, 0xdef), 
(0xdf2, 0xdf4), (0xe01, 0xe3a), (0xe3f, 0xe5b), (0xe81, 0xe82), (0xe84, 0xe84), (0xe86, 0xe8a), 
(0xe8c, 0xea3), (0xea5, 0xea5), (0xea7, 0xebd), (0xec0, 0xec4), (0xec6, 0xec6), (0xec8, 0xecd), 
(0xed0, 0xed9), (0xedc, 0xedf), (0xf00, 0xf47), (0xf49, 0xf6c), (0xf71, 0xf97), (0xf99, 0xfbc), 
(0xfbe, 0xfcc), (0xfce, 0xfda), (0x1000, 0x10c5), (0x10c7, 0x10c7), (0x10cd, 0x10cd), (0x10d0, 0x1248), 
(0x124a, 0x124d), (0x1250, 0x1256), (0x1258, 0x1258), (0x125a, 0x125d), (0x1260, 0x1288), (0x128a, 0x128d), 
(0x1290, 0x12b0), (0x12b2, 0x12b5), (0x12b8, 0x12be), (0x12c0, 0x12c0), (0x12c2, 0x12c5), (0x12c8, 0x12d6), 
(0x12d8, 0x1310), (0x1312, 0x1315), (0x1318, 0x135a), (0x135d, 0x137c), (0x1380, 0x1399), (0x13a0, 0x13f5), 
(0x13f8, 0x13fd), (0x1400, 0x167f), (0x1681, 0x169c), (0x16a0, 0x16f8), (0x1700, 0x170c), (0x170e, 0x1714), 
(0x1720, 0x1736), (0x1740, 0x1753), (0x1760, 0x176c), (0x176e, 0x1770), (0x1772, 0x1773), (0x1780, 0x17dd), 
(0x17e0, 0x17e9), (0x17f0, 0x17f9), (0x1800, 0x180d), (0x1810, 0x1819), (0x1820, 0x1878), (0x1880, 0x18aa), 
(0x18b0, 0x18f5), (0x1900, 0x191e), (0x1920, 0x192b), (0x1930, 0x193b), (0x1940, 0x1940), (0x1944, 0x196d), 
(0x1970, 0x1974), (0x1980, 0x19ab), (0x19b0, 0x19c9), (0x19d0, 0x19da), (0x19de, 0x1a1b), (0x1a1e, 0x1a5e), 
(0x1a60, 0x1a7c), (0x1a7f, 0x1a89), (0x1a90, 0x1a99), (0x1aa0, 0x1aad), (0x1ab0, 0x1ac0), (0x1b00, 0x1b4b), 
(0x1b50, 0x1b7c), (0x1b80, 0x1bf3), (0x1bfc, 0x1c37), (0x1c3b, 0x1c49), (0x1c4d, 0x1c88), (0x1c90, 0x1cba), 
(0x1cbd, 0x1cc7), (0x1cd0, 0x1cfa), (0x1d00, 0x1df9), (0x1dfb, 0x1f15), (0x1f18, 0x1f1d), (0x1f20, 0x1f45), 
(0x1f48, 0x1f4d), (0x1f50, 0x1f57), (0x1f59, 0x1f59), (0x1f5b, 0x1f5b), (0x1f5d, 0x1f5d), (0x1f5f, 0x1f7d), 
(0x1f80, 0x1fb4), (0x1fb6, 0x1fc4), (0x1fc6, 0x1fd3), (0x1fd6, 0x1fdb), (0x1fdd, 0x1fef), (0x1ff2, 0x1ff4), 
(0x1ff6, 0x1ffe), (0x2010, 0x2027), (0x2030, 0x205e), (0x2070, 0x2071), (0x2074, 0x208e), (0x2090, 0x209c), 
(0x20a0, 0x20bf), (0x20d0, 0x20f0), (0x2100, 0x218b), (0x2190, 0x2426), (0x2440, 0x244a), (0x2460, 0x2b73), 
(0x2b76, 0x2b95), (0x2b97, 0x2c2e), (0x2c30, 0x2c5e), (0x2c60, 0x2cf3), (0x2cf9, 0x2d25), (0x2d27, 0x2d27), 
(0x2d2d, 0x2d2d), (0x2d30, 0x2d67), (0x2d6f, 0x2d70), (0x2d7f, 0x2d96), (0x2da0, 0x2da6), (0x2da8, 0x2dae), 
(0x2db0, 0x2db6), (0x2db8, 0x2dbe), (0x2dc0, 0x2dc6), (0x2dc8, 0x2dce), (0x2dd0, 0x2dd6), (0x2dd8, 0x2dde), 
(0x2de0, 0x2e52), (0x2e80, 0x2e99), (0x2e9b, 0x2ef3), (0x2f00, 0x2fd5), (0x2ff0, 0x2ffb), (0x3001, 0x303f), 
(0x3041, 0x3096), (0x3099, 0x30ff), (0x3105, 0x312f), (0x3131, 0x318e), (0x3190, 0x31e3), (0x31f0, 0x321e), 
(0x3220, 0x9ffc), (0xa000, 0xa48c), (0xa490, 0xa4c6), (0xa4d0, 0xa62b), (0xa640, 0xa6f7), (0xa700, 0xa7bf), 
(0xa7c2, 0xa7ca), (0xa7f5, 0xa82c), (0xa830, 0xa839), (0xa840, 0xa877), (0xa880, 0xa8c5), (0xa8ce, 0xa8d9), 
(0xa8e0, 0xa953), (0xa95f, 0xa97c), (0xa980, 0xa9cd), (0xa9cf, 0xa9d9), (0xa9de, 0xa9fe), (0xaa00, 0xaa36), 
(0xaa40, 0xaa4d), (0xaa50, 0xaa59), (0xaa5c, 0xaac2), (0xaadb, 0xaaf6), (0xab01, 0xab06), (0xab09, 0xab0e), 
(0xab11, 0xab16), (0xab20, 0xab26), (0xab28, 0xab2e), (0xab30, 0xab6b), (0xab70, 0xabed), (0xabf0, 0xabf9), 
(0xac00, 0xd7a3), (0xd7b0, 0xd7c6), (0xd7cb, 0xd7fb), (0xf900, 0xfa6d), (0xfa70, 0xfad9), (0xfb00, 0xfb06), 
(0xfb13, 0xfb17), (0xfb1d, 0xfb36), (0xfb38, 0xfb3c), (0xfb3e, 0xfb3e), (0xfb40, 0xfb41), (0xfb43, 0xfb44), 
(0xfb46, 0xfbc1), (0xfbd3, 0xfd3f), (0xfd50, 0xfd8f), (0xfd92, 0xfdc7), (0xfdf0, 0xfdfd), (0xfe00, 0xfe19), 
(0xfe20, 0xfe52), (0xfe54, 0xfe66), (0xfe68, 0xfe6b), (0xfe70, 0xfe74), (0xfe76, 0xfefc), (0xff01, 0xffbe), 
(0xffc2, 0xffc7), (0xffca, 0xffcf), (0xffd2, 0xffd7), (0xffda, 0xffdc), (0xffe0, 0xffe6), (0xffe8, 0xffee), 
(0xfffc, 0xfffd), (0x10000, 0x1000b), (0x1000d, 0x10026), (0x10028, 0x1003a), (0x1003c, 0x1003d), (0x1003f, 0x1004d), 
(0x10050, 0x1005d), (0x10080, 0x100fa), (0x10100, 0x10102), (0x10107, 0x10133), (0x10137, 0x1018e), (0x10190, 0x1019c), 
(0x101a0, 0x101a0), (0x101d0, 0x101fd), (0x10280, 0x1029c), (0x102a0, 0x102d0), (0x102e0, 0x102fb), (0x10300, 0x10323), 
(0x1032d, 0x1034a), (0x10350, 0x1037a), (0x10380, 0x1039d), (0x1039f, 0x103c3), (0x103c8, 0x103d5), (0x10400, 0x1049d), 
(0x104a0, 0x104a9), (0x104b0, 0x104d3), (0x104d8, 0x104fb), (0x10500, 0x10527), (0x10530, 0x10563), (0x1056f, 0x1056f), 
(0x10600, 0x10736), (0x10740, 0x10755), (0x10760, 0x10767), (0x10800, 0x10805), (0x10808, 0x10808), (0x1080a, 0x10835), 
(0x10837, 0x10838), (0x1083c, 0x1083c), (0x1083f, 0x10855), (0x10857, 0x1089e), (0x108a7, 0x108af), (0x108e0, 0x108f2), 
(0x108f4, 0x108f5), (0x108fb, 0x1091b), (0x1091f, 0x10939), (0x1093f, 0x1093f), (0x10980, 0x109b7), (0x109bc, 0x109cf), 
(0x109d2, 0x10a03), (0x10a05, 0x10a06), (0x10a0c, 0x10a13), (0x10a15, 0x10a17), (0x10a19, 0x10a35), (0x10a38, 0x10a3a), 
(0x10a3f, 0x10a48), (0x10a50, 0x10a58), (0x10a60, 0x10a9f), (0x10ac0, 0x10ae6), (0x10aeb, 0x10af6), (0x10b00, 0x10b35), 
(0x10b39, 0x10b55), (0x10b58, 0x10b72), (0x10b78, 0x10b91), (0x10b99, 0x10b9c), (0x10ba9, 0x10baf), (0x10c00, 0x10c48), 
(0x10c80, 0x10cb2), (0x10cc0, 0x10cf2), (0x10cfa, 0x10d27), (0x10d30, 0x10d39), (0x10e60, 0x10e7e), (0x10e80, 0x10ea9), 
(0x10eab, 0x10ead), (0x10eb0, 0x10eb1), (0x10f00, 0x10f27), (0x10f30, 0x10f59), (0x10fb0, 0x10fcb), (0x10fe0, 0x10ff6), 
(0x11000, 0x1104d), (0x11052, 0x1106f), (0x1107f, 0x110bc), (0x110be, 0x110c1), (0x110d0, 0x110e8), (0x110f0, 0x110f9), 
(0x11100, 0x11134), (0x11136, 0x11147), (0x11150, 0x11176), (0x11180, 0x111df), (0x111e1, 0x111f4), (0x11200, 0x11211), 
(0x11213, 0x1123e), (0x11280, 0x11286), (0x11288, 0x11288), (0x1128a, 0x1128d), (0x1128f, 0x1129d), (0x1129f, 0x112a9), 
(0x112b0, 0x112ea), (0x112f0, 0x112f9), (0x11300, 0x11303), (0x11305, 0x1130c), (0x1130f, 0x11310), (0x11313, 0x11328), 
(0x1132a, 0x11330), (0x11332, 0x11333), (0x11335, 0x11339), (0x1133b, 0x11344), (0x11347, 0x11348), (0x1134b, 0x1134d), 
(0x11350, 0x11350), (0x11357, 0x11357), (0x1135d, 0x11363), (0x11366, 0x1136c), (0x11370, 0x11374), (0x11400, 0x1145b), 
(0x1145d, 0x11461), (0x11480, 0x114c7), (0x114d0, 0x114d9), (0x11580, 0x115b5), (0x115b8, 0x115dd), (0x11600, 0x11644), 
(0x11650, 0x11659), (0x11660, 0x1166c), (0x11680, 0x116b8), (0x116c0, 0x116c9), (0x11700, 0x1171a), (0x1171d, 0x1172b), 
(0x11730, 0x1173f), (0x11800, 0x1183b), (0x118a0, 0x118f2), (0x118ff, 0x11906), (0x11909, 0x11909), (0x1190c, 0x11913), 
(0x11915, 0x11916), (0x11918, 0x11935), (0x11937, 0x11938), (0x1193b, 0x11946), (0x11950, 0x11959), (0x119a0, 0x119a7), 
(0x119aa, 0x119d7), (0x119da, 0x119e4), (0x11a00, 0x11a47), (0x11a50, 0x11aa2), (0x11ac0, 0x11af8), (0x11c00, 0x11c08), 
(0x11c0a, 0x11c36), (0x11c38, 0x11c45), (0x11c50, 0x11c6c), (0x11c70, 0x11c8f), (0x11c92, 0x11ca7), (0x11ca9, 0x11cb6), 
(0x11d00, 0x11d06), (0x11d08, 0x11d09), (0x11d0b, 0x11d36), (0x11d3a, 0x11d3a), (0x11d3c, 0x11d3d), (0x11d3f, 0x11d47), 
(0x11d50, 0x11d59), (0x11d60, 0x11d65), (0x11d67, 0x11d68), (0x11d6a, 0x11d8e), (0x11d90, 0x11d91), (0x11d93, 0x11d98), 
(0x11da0, 0x11da9), (0x11ee0, 0x11ef8), (0x11fb0, 0x11fb0), (0x11fc0, 0x11ff1), (0x11fff, 0x12399), (0x12400, 0x1246e), 
(0x12470, 0x12474), (0x12480, 0x12543), (0x13000, 0x1342e), (0x14400, 0x14646), (0x16800, 0x16a38), (0x16a40, 0x16a5e), 
(0x16a60, 0x16a69), (0x16a6e, 0x16a6f), (0x16ad0, 0x16aed), (0x16af0, 0x16af5), (0x16b00, 0x16b45), (0x16b50, 0x16b59), 
(0x16b5b, 0x16b61), (0x16b63, 0x16b77), (0x16b7d, 0x16b8f), (0x16e40, 0x16e9a), (0x16f00, 0x16f4a), (0x16f4f, 0x16f87), 
(0x16f8f, 0x16f9f), (0x16fe0, 0x16fe4), (0x16ff0, 0x16ff1), (0x17000, 0x187f7), (0x18800, 0x18cd5), (0x18d00, 0x18d08), 
(0x1b000, 0x1b11e), (0x1b150, 0x1b152), (0x1b164, 0x1b167), (0x1b170, 0x1b2fb), (0x1bc00, 0x1bc6a), (0x1bc70, 0x1bc7c), 
(0x1bc80, 0x1bc88), (0x1bc90, 0x1bc99), (0x1bc9c, 0x1bc9f), (0x1d000, 0x1d0f5), (0x1d100, 0x1d126), (0x1d129, 0x1d172), 
(0x1d17b, 0x1d1e8), (0x1d200, 0x1d245), (0x1d2e0, 0x1d2f3), (0x1d300, 0x1d356), (0x1d360, 0x1d378), (0x1d400, 0x1d454), 
(0x1d456, 0x1d49c), (0x1d49e, 0x1d49f), (0x1d4a2, 0x1d4a2), (0x1d4a5, 0x1d4a6), (0x1d4a9, 0x1d4ac), (0x1d4ae, 0x1d4b9), 
(0x1d4bb, 0x1d4bb), (0x1d4bd, 0x1d4c3), (0x1d4c5, 0x1d505), (0x1d507, 0x1d50a), (0x1d50d, 0x1d514), (0x1d516, 0x1d51c), 
(0x1d51e, 0x1d539), (0x1d53b, 0x1d53e), (0x1d540, 0x1d544), (0x1d546, 0x1d546), (0x1d54a, 0x1d550), (0x1d552, 0x1d6a5), 
(0x1d6a8, 0x1d7cb), (0x1d7ce, 0x1da8b), (0x1da9b, 0x1da9f), (0x1daa1, 0x1daaf), (0x1e000, 0x1e006), (0x1e008, 0x1e018), 
(0x1e01b, 0x1e021), (0x1e023, 0x1e024), (0x1e026, 0x1e02a), (0x1e100, 0x1e12c), (0x1e130, 0x1e13d), (0x1e140, 0x1e149), 
(0x1e14e, 0x1e14f), (0x1e2c0, 0x1e2f9), (0x1e2ff, 0x1e2ff), (0x1e800, 0x1e8c4), (0x1e8c7, 0x1e8d6), (0x1e900, 0x1e94b), 
(0x1e950, 0x1e959), (0x1e95e, 0x1e95f), (0x1ec71, 0x1ecb4), (0x1ed01, 0x1ed3d), (0x1ee00, 0x1ee03), (0x1ee05, 0x1ee1f), 
(0x1ee21, 0x1ee22), (0x1ee24, 0x1ee24), (0x1ee27, 0x1ee27), (0x1ee29, 0x1ee32), (0x1ee34, 0x1ee37), (0x1ee39, 0x1ee39), 
(0x1ee3b, 0x1ee3b), (0x1ee42, 0x1ee42), (0x1ee47, 0x1ee47), (0x1ee49, 0x1ee49), (0x1ee4b, 0x1ee4b), (0x1ee4d, 0x1ee4f), 
(0x1ee51, 0x1ee52), (0x1ee54, 0x1ee54), (0x1ee57, 0x1ee57), (0x1ee59, 0x1ee59), (0x1ee5b, 0x1ee5b), (0x1ee5d, 0x1ee5d), 
(0x1ee5f, 0x1ee5f), (0x1ee61, 0x1ee62), (0x1ee64, 0x1ee64), (0x1ee67, 0x1ee6a), (0x1ee6c, 0x1ee72), (0x1ee74, 0x1ee77), 
(0x1ee79, 0x1ee7c), (0x1ee7e, 0x1ee7e), (0x1ee80, 0x1ee89), (0x1ee8b, 0x1ee9b), (0x1eea1, 0x1eea3), (0x1eea5, 0x1eea9), 
(0x1eeab, 0x1eebb), (0x1eef0, 0x1eef1), (0x1f000, 0x1f02b), (0x1f030, 0x1f093), (0x1f0a0, 0x1f0ae), (0x1f0b1, 0x1f0bf), 
(0x1f0c1, 0x1f0cf), (0x1f0d1, 0x1f0f5), (0x1f100, 0x1f1ad), (0x1f1e6, 0x1f202), (0x1f210, 0x1f23b), (0x1f240, 0x1f248), 
(0x1f250, 0x1f251), (0x1f260, 0x1f265), (0x1f300, 0x1f6d7), (0x1f6e0, 0x1f6ec), (0x1f6f0, 0x1f6fc), (0x1f700, 0x1f773), 
(0x1f780, 0x1f7d8), (0x1f7e0, 0x1f7eb), (0x1f800, 0x1f80b), (0x1f810, 0x1f847), (0x1f850, 0x1f859), (0x1f860, 0x1f887), 
(0x1f890, 0x1f8ad), (0x1f8b0, 0x1f8b1), (0x1f900, 0x1f978), (0x1f97a, 0x1f9cb), (0x1f9cd, 0x1fa53), (0x1fa60, 0x1fa6d), 
(0x1fa70, 0x1fa74), (0x1fa78, 0x1fa7a), (0x1fa80, 0x1fa86), (0x1fa90, 0x1faa8), (0x1fab0, 0x1fab6), (0x1fac0, 0x1fac2), 
(0x1fad0, 0x1fad6), (0x1fb00, 0x1fb92), (0x1fb94, 0x1fbca), (0x1fbf0, 0x1fbf9), (0x20000, 0x2a6dd), (0x2a700, 0x2b734), 
(0x2b740, 0x2b81d), (0x2b820, 0x2cea1), (0x2ceb0, 0x2ebe0), (0x2f800, 0x2fa1d), (0x30000, 0x3134a), (0xe0100, 0xe01ef),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::ElemType;

    fn int(n: i64) -> Value {
        Value::Int(n)
    }

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    /// Decodes an operand as the oracle program (tests/oracle/fmt) wrote it.
    fn decode(v: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match v {
            J::Null => Value::Nil,
            J::Bool(b) => Value::Bool(*b),
            J::Object(m) => {
                let (k, v) = m.iter().next().expect("one key");
                let list = |t| {
                    let items: Vec<Value> =
                        v.as_array().expect("array").iter().map(decode).collect();
                    Value::List(t, items.into())
                };
                match k.as_str() {
                    "i" => Value::Int(v.as_i64().expect("int")),
                    "I" => Value::Int64(v.as_i64().expect("int64")),
                    "f" => Value::Float(f64::from_bits(
                        u64::from_str_radix(v.as_str().expect("bits"), 16).expect("hex"),
                    )),
                    "s" => Value::str(v.as_str().expect("string")),
                    "la" => list(ElemType::Any),
                    "ls" => list(ElemType::String),
                    "li" => list(ElemType::Int),
                    other => panic!("unknown operand kind {other}"),
                }
            }
            other => panic!("bad operand {other}"),
        }
    }

    #[test]
    fn matches_go_oracle() {
        let data = include_str!("../../tests/oracle/fmt/cases.jsonl");
        let mut failures = Vec::new();
        let mut total = 0;
        for line in data.lines() {
            let case: serde_json::Value = serde_json::from_str(line).expect("json line");
            let args: Vec<Value> = case["a"]
                .as_array()
                .expect("args")
                .iter()
                .map(decode)
                .collect();
            let want = case["o"].as_str().expect("output");
            let format = case["f"].as_str().unwrap_or("");
            let got = match case["k"].as_str().expect("kind") {
                "printf" => sprintf(format, &args),
                "print" => sprint(&args),
                "println" => sprintln(&args),
                "quote" => quote(args[0].as_str_for_test()),
                "quoteascii" => quote_to_ascii(args[0].as_str_for_test()),
                other => panic!("unknown kind {other}"),
            };
            total += 1;
            if got != want {
                failures.push(format!("{line}\n   got: {got:?}\n  want: {want:?}"));
            }
        }
        assert!(total > 1000, "oracle table looks truncated: {total} cases");
        assert!(
            failures.is_empty(),
            "{} of {total} cases differ from Go:\n{}",
            failures.len(),
            failures[..failures.len().min(40)].join("\n")
        );
    }

    trait StrForTest {
        fn as_str_for_test(&self) -> &str;
    }

    impl StrForTest for Value {
        fn as_str_for_test(&self) -> &str {
            match self {
                Value::Str(s) => s,
                _ => panic!("not a string"),
            }
        }
    }

    fn float(x: f64) -> Value {
        Value::Float(x)
    }

    fn list(elem: ElemType, items: &[Value]) -> Value {
        Value::List(elem, items.to_vec().into())
    }

    /// Readable excerpts of the oracle table: what Go 1.19 printed.
    #[test]
    #[allow(clippy::approx_constant)] // 3.14159 is an input Go printed, not π.
    fn go_examples() {
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            ("%d", vec![int(5)], "5"),
            ("%02d", vec![int(5)], "05"),
            ("%02d", vec![int(123)], "123"),
            ("%03d", vec![int(-5)], "-05"),
            ("%s", vec![s("abc")], "abc"),
            ("%v", vec![s("abc")], "abc"),
            ("%q", vec![s("darwinia")], "\"darwinia\""),
            (
                "%q %q %q",
                vec![s("darwinia"), s("--name"), s("[KUBE-VALI] Development 02")],
                "\"darwinia\" \"--name\" \"[KUBE-VALI] Development 02\"",
            ),
            ("%x", vec![int(255)], "ff"),
            ("%x", vec![int(-255)], "-ff"),
            ("%#x", vec![int(255)], "0xff"),
            ("%#o", vec![int(8)], "010"),
            ("%O", vec![int(8)], "0o10"),
            ("%b", vec![int(5)], "101"),
            ("%5.2f", vec![float(3.14159)], " 3.14"),
            ("%-8s|", vec![s("ab")], "ab      |"),
            ("%08.3f", vec![float(-3.14159)], "-003.142"),
            ("%+d", vec![int(5)], "+5"),
            ("% d", vec![int(5)], " 5"),
            ("%+d", vec![int(-5)], "-5"),
            ("% d", vec![int(-5)], "-5"),
            ("%05s", vec![s("ab")], "000ab"),
            ("%.0d", vec![int(0)], ""),
            ("%5.0d|", vec![int(0)], "     |"),
            ("%c", vec![int(65)], "A"),
            ("%c", vec![int(128512)], "\u{1f600}"),
            ("%c", vec![int(-1)], "\u{fffd}"),
            ("%q", vec![int(65)], "'A'"),
            ("%q", vec![int(39)], "'\\''"),
            ("%q", vec![int(9786)], "'\u{263a}'"),
            ("%#q", vec![s("abc")], "`abc`"),
            ("%#q", vec![s("a`b")], "\"a`b\""),
            ("%#U", vec![int(128512)], "U+1F600 '\u{1f600}'"),
            ("%#U", vec![int(7)], "U+0007"),
            ("%x", vec![s("hello")], "68656c6c6f"),
            ("% x", vec![s("hello")], "68 65 6c 6c 6f"),
            ("%# x", vec![s("hello")], "0x68 0x65 0x6c 0x6c 0x6f"),
            ("%#x", vec![s("hello")], "0x68656c6c6f"),
            ("%x", vec![s("")], ""),
            ("%t", vec![Value::Bool(true)], "true"),
            ("%t", vec![Value::Bool(false)], "false"),
            ("%v", vec![Value::Bool(true)], "true"),
            (
                "%T %T %T %T %T",
                vec![int(1), Value::Int64(1), float(1.5), s("s"), Value::Nil],
                "int int64 float64 string <nil>",
            ),
            ("%d", vec![s("02")], "%!d(string=02)"),
            ("%s", vec![int(4)], "%!s(int=4)"),
            ("%t", vec![int(1)], "%!t(int=1)"),
            ("%d", vec![], "%!d(MISSING)"),
            ("%d %d", vec![int(1)], "1 %!d(MISSING)"),
            ("%d", vec![int(1), int(2)], "1%!(EXTRA int=2)"),
            (
                "%d",
                vec![int(1), int(2), s("a")],
                "1%!(EXTRA int=2, string=a)",
            ),
            ("%z", vec![int(1)], "%!z(int=1)"),
            ("%", vec![int(1)], "%!(NOVERB)%!(EXTRA int=1)"),
            ("abc%", vec![], "abc%!(NOVERB)"),
            ("%d", vec![Value::Nil], "%!d(<nil>)"),
            ("%v", vec![Value::Nil], "<nil>"),
            ("%s", vec![Value::Nil], "%!s(<nil>)"),
            ("%5v|", vec![Value::Nil], "<nil>|"),
            ("%*d", vec![int(5), int(1)], "    1"),
            ("%-*d|", vec![int(5), int(1)], "1    |"),
            ("%*d|", vec![int(-5), int(1)], "1    |"),
            ("%*d", vec![s("x"), int(1)], "%!(BADWIDTH)1"),
            ("%.*f", vec![int(2), float(3.14159)], "3.14"),
            ("%.*f", vec![int(-2), float(3.14159)], "%!(BADPREC)3.141590"),
            ("%.*f", vec![s("x"), float(3.14159)], "%!(BADPREC)3.141590"),
            ("%*d", vec![int(10000000), int(1)], "%!(BADWIDTH)1"),
            ("%[2]d %[1]d", vec![int(1), int(2)], "2 1"),
            ("%[3]d", vec![int(1), int(2)], "%!d(BADINDEX)"),
            ("%[1]2d", vec![int(1)], "%!d(BADINDEX)"),
            ("%d %d %[1]d %d", vec![int(1), int(2)], "1 2 1 2"),
            ("%5%", vec![], "%"),
            ("%v", vec![float(1.0)], "1"),
            ("%v", vec![float(1000000.0)], "1e+06"),
            ("%v", vec![float(1e+21)], "1e+21"),
            ("%v", vec![float(1e+20)], "1e+20"),
            ("%v", vec![float(100000.0)], "100000"),
            ("%v", vec![float(1e-05)], "1e-05"),
            ("%v", vec![float(0.0001)], "0.0001"),
            ("%v", vec![float(f64::NAN)], "NaN"),
            ("%+v", vec![float(f64::NAN)], "NaN"),
            ("%05v", vec![float(f64::INFINITY)], " +Inf"),
            ("%05v", vec![float(f64::NEG_INFINITY)], " -Inf"),
            ("%v", vec![float(-0.0)], "-0"),
            ("%e", vec![float(1234.5678)], "1.234568e+03"),
            ("%#g", vec![float(0.0)], "0.00000"),
            ("%#g", vec![float(1.0)], "1.00000"),
            ("%#v", vec![float(1.0)], "1"),
            (
                "%.0f %.0f %.0f %.0f",
                vec![float(0.5), float(1.5), float(2.5), float(3.5)],
                "0 2 2 4",
            ),
            ("%.2f %.2f", vec![float(0.125), float(0.375)], "0.12 0.38"),
            ("%.20f", vec![float(0.1)], "0.10000000000000000555"),
            (
                "%v",
                vec![list(
                    ElemType::Any,
                    &[
                        int(1),
                        s("a"),
                        Value::Nil,
                        float(1.5),
                        Value::Bool(true),
                        list(ElemType::Int, &[int(1), int(2)]),
                    ],
                )],
                "[1 a <nil> 1.5 true [1 2]]",
            ),
            (
                "%s",
                vec![list(ElemType::String, &[s("a"), s("b")])],
                "[a b]",
            ),
            ("%d", vec![list(ElemType::Int, &[int(1), int(2)])], "[1 2]"),
            (
                "%q",
                vec![list(ElemType::String, &[s("a"), s("b")])],
                "[\"a\" \"b\"]",
            ),
            (
                "%x",
                vec![list(ElemType::String, &[s("hi"), s("yo")])],
                "[6869 796f]",
            ),
            (
                "%5d|",
                vec![list(ElemType::Int, &[int(1), int(2)])],
                "[    1     2]|",
            ),
            (
                "%5v|",
                vec![list(ElemType::Any, &[Value::Nil, int(1)])],
                "[<nil>     1]|",
            ),
            (
                "%d",
                vec![list(ElemType::Any, &[s("a"), int(1), Value::Nil])],
                "[%!d(string=a) 1 <nil>]",
            ),
            (
                "%s",
                vec![list(ElemType::Any, &[s("a"), int(1), Value::Nil])],
                "[a %!s(int=1) <nil>]",
            ),
            ("%t", vec![list(ElemType::Int, &[int(1)])], "[%!t(int=1)]"),
            ("%#v", vec![list(ElemType::String, &[])], "[]string{}"),
            (
                "%#v",
                vec![list(ElemType::Int, &[int(1), int(2)])],
                "[]int{1, 2}",
            ),
            ("%#v", vec![s("a\"b")], "\"a\\\"b\""),
            ("%#v", vec![int(42)], "42"),
            ("%#v", vec![Value::Nil], "<nil>"),
            ("%+v", vec![list(ElemType::Any, &[int(1), s("a")])], "[1 a]"),
            ("%v", vec![list(ElemType::Any, &[])], "[]"),
            (
                "%v",
                vec![list(ElemType::Any, &[list(ElemType::Int, &[])])],
                "[[]]",
            ),
            (
                "%v",
                vec![list(
                    ElemType::Any,
                    &[list(ElemType::Any, &[list(ElemType::Any, &[])])],
                )],
                "[[[]]]",
            ),
            (
                "%s",
                vec![s("\u{65e5}\u{672c}\u{8a9e}")],
                "\u{65e5}\u{672c}\u{8a9e}",
            ),
            (
                "%.2s",
                vec![s("\u{65e5}\u{672c}\u{8a9e}")],
                "\u{65e5}\u{672c}",
            ),
            (
                "%5s|",
                vec![s("\u{65e5}\u{672c}\u{8a9e}")],
                "  \u{65e5}\u{672c}\u{8a9e}|",
            ),
            (
                "%q",
                vec![s(
                    "\u{0}\u{7}\u{8}\u{c}\n\u{d}\t\u{b}\\\"\u{7f}\u{a0}\u{200b}\u{1f600}\u{feff}\u{2028}",
                )],
                "\"\\x00\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\\x7f\\u00a0\\u200b\u{1f600}\\ufeff\\u2028\"",
            ),
            ("%#q", vec![s("\ttab")], "`\ttab`"),
            ("%#q", vec![s("\u{feff}")], "\"\\ufeff\""),
            ("%#q", vec![s("\u{7f}")], "\"\\x7f\""),
            (
                "%d",
                vec![Value::Int64(-9223372036854775808)],
                "-9223372036854775808",
            ),
            (
                "%x",
                vec![Value::Int64(-9223372036854775808)],
                "-8000000000000000",
            ),
            ("%b", vec![int(-5)], "-101"),
            ("%#o", vec![int(0)], "0"),
            ("%#x", vec![int(0)], "0x0"),
            ("%#08x", vec![int(255)], "0x000000ff"),
            ("% x", vec![int(255)], " ff"),
            (
                "% x",
                vec![list(ElemType::Int, &[int(1), int(2)])],
                "[ 1  2]",
            ),
            ("%x", vec![float(1.5)], "0x1.8p+00"),
            ("%b", vec![float(1.0)], "4503599627370496p-52"),
            ("%b", vec![float(0.0)], "0p-1074"),
            ("%10.3v|", vec![float(3.14159)], "      3.14|"),
            ("%+v", vec![float(3.5)], "3.5"),
            ("%+v", vec![int(3)], "3"),
            ("%d", vec![Value::Bool(true)], "%!d(bool=true)"),
            ("%d", vec![float(1.5)], "%!d(float64=1.5)"),
            ("%s", vec![float(1.5)], "%!s(float64=1.5)"),
            ("%q", vec![float(1.5)], "%!q(float64=1.5)"),
            ("%x", vec![Value::Bool(true)], "%!x(bool=true)"),
            ("%c", vec![s("x")], "%!c(string=x)"),
            ("%e", vec![int(1)], "%!e(int=1)"),
            ("%*d", vec![int(1000001), int(1)], "%!(BADWIDTH)1"),
            ("%*d", vec![Value::Int64(3), int(1)], "  1"),
            ("%*d", vec![float(1.5), int(1)], "%!(BADWIDTH)1"),
            ("%*d", vec![Value::Nil, int(1)], "%!(BADWIDTH)1"),
            (
                "%[1]*.[2]*f",
                vec![float(12.0), int(2), int(6)],
                "%!(BADWIDTH)%!f(int=06)",
            ),
            ("%v", vec![s("%d")], "%d"),
            (
                "%s",
                vec![list(
                    ElemType::Any,
                    &[
                        list(ElemType::String, &[s("a")]),
                        list(ElemType::Int, &[int(1)]),
                    ],
                )],
                "[[a] [%!s(int=1)]]",
            ),
            (
                "%q",
                vec![list(ElemType::Any, &[int(1), s("a"), int(120)])],
                "['\\x01' \"a\" 'x']",
            ),
            (
                "%x",
                vec![list(ElemType::Any, &[s("ab"), int(255)])],
                "[6162 ff]",
            ),
            (
                "%v",
                vec![list(
                    ElemType::Any,
                    &[float(f64::NAN), float(f64::NEG_INFINITY), float(1e+21)],
                )],
                "[NaN -Inf 1e+21]",
            ),
            (
                "%s",
                vec![list(ElemType::String, &[s("\u{1f600}")]), Value::Bool(true)],
                "[\u{1f600}]%!(EXTRA bool=true)",
            ),
        ];
        for (format, args, want) in &cases {
            assert_eq!(
                &sprintf(format, args),
                want,
                "Sprintf({format:?}, {args:?})"
            );
        }
    }

    #[test]
    fn sprint_spaces_only_between_non_strings() {
        let args = [
            s("a"),
            s("b"),
            int(1),
            int(2),
            s("c"),
            float(3.5),
            Value::Bool(true),
            Value::Nil,
        ];
        assert_eq!(sprint(&args), "ab1 2c3.5 true <nil>");
        assert_eq!(sprint(&[]), "");
        assert_eq!(sprintln(&[s("a"), s("b"), int(1)]), "a b 1\n");
        assert_eq!(sprintln(&[]), "\n");
    }

    #[test]
    fn format_value_is_percent_v() {
        assert_eq!(format_value(&Value::Nil), "<nil>");
        assert_eq!(format_value(&float(1e6)), "1e+06");
        assert_eq!(format_value(&float(123456.0)), "123456");
        assert_eq!(format_value(&float(0.1 + 0.2)), "0.30000000000000004");
        let l = list(
            ElemType::Any,
            &[int(1), s("a"), list(ElemType::String, &[s("x y")])],
        );
        assert_eq!(format_value(&l), "[1 a [x y]]");
    }

    #[test]
    fn quote_matches_strconv() {
        assert_eq!(quote("darwinia"), "\"darwinia\"");
        assert_eq!(
            quote("[KUBE-VALI] Development 02"),
            "\"[KUBE-VALI] Development 02\""
        );
        assert_eq!(quote("a\"b\\c\n\t\x01\u{7f}"), r#""a\"b\\c\n\t\x01\x7f""#);
        assert_eq!(quote("héllo 日本 😀"), "\"héllo 日本 😀\"");
        assert_eq!(
            quote("\u{a0}\u{200b}\u{feff}\u{e0001}"),
            r#""\u00a0\u200b\ufeff\U000e0001""#
        );
        assert_eq!(quote_to_ascii("é😀"), r#""\u00e9\U0001f600""#);
    }

    /// Go refuses width numbers of eight or more digits, which bounds how
    /// much one verb can allocate.
    #[test]
    fn huge_widths_stay_bounded() {
        assert_eq!(sprintf("%1000000d", &[int(1)]).len(), 1_000_000);
        assert_eq!(
            sprintf("%99999999d", &[int(1)]),
            "%!(NOVERB)%!(EXTRA int=1)"
        );
        assert_eq!(
            sprintf("%.99999999f", &[float(1.0)]),
            "%!(NOVERB)%!(EXTRA float64=1)"
        );
        assert_eq!(sprintf("%*d", &[int(1_000_001), int(1)]), "%!(BADWIDTH)1");
        assert_eq!(sprintf("%.*d", &[int(-1_000_001), int(1)]), "%!(BADPREC)1");
        assert_eq!(sprintf("%[99999999]d", &[int(1)]), "%!d(BADINDEX)");
    }

    #[test]
    fn output_stops_at_max_output() {
        let many: Vec<Value> = (0..1000).map(int).collect();
        let out = sprintf("%9999999v", &[list(ElemType::Int, &many)]);
        assert_eq!(out.len(), MAX_OUTPUT);
        assert!(out.starts_with("[      "));
        let out = sprintf(&"%.9999999d".repeat(100), &many[..100]);
        assert!(out.len() <= MAX_OUTPUT);
        // Cut on a rune boundary.
        let wide = s(&"é".repeat(3_000_000));
        let out = sprintf("%s", &[wide]);
        assert!(out.len() <= MAX_OUTPUT && out.len() >= MAX_OUTPUT - 1);
        assert_eq!(
            sprint(&[s(&"x".repeat(MAX_OUTPUT)), int(1)]).len(),
            MAX_OUTPUT
        );
    }

    #[test]
    fn exact_float_digits() {
        // 2^-1074 has 751 significant digits.
        let tiny = sprintf("%.1074f", &[float(5e-324)]);
        assert!(tiny.starts_with("0.000"), "{tiny}");
        assert!(tiny.ends_with("4940656458412465441765687928682213723650598026143247644255856825006755072702087518652998363616359923797965646954457177309266567103559397963987747960107818781263007131903114045278458171678489821036887186360569987307230500063874091535649843873124733972731696151400317153853980741262385655911710266585566867681870395603106249319452715914924553293054565444011274801297099995419319894090804165633245247571478690147267801593552386115501348035264934720193790268107107491703332226844753335720832431936092382893458368060106011506169809753078342277318329247904982524730776375927247874656084778203734469699533647017972677717585125660551199131504891101451037862738167250955837389733598993664809941164205702637090279242767544565229087538682506419718265533447265625"));
        assert_eq!(sprintf("%f", &[float(1e300)]).len(), 301 + 7);
        assert_eq!(sprintf("%.3e", &[float(f64::MAX)]), "1.798e+308");
    }

    /// A small deterministic generator, so a failure can be replayed.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn arbitrary_formats_never_panic() {
        const PIECES: &[&str] = &[
            "%",
            "%",
            "%",
            "#",
            "0",
            "+",
            "-",
            " ",
            "*",
            ".",
            "[",
            "]",
            "1",
            "2",
            "9",
            "99",
            "[1]",
            "[2]",
            "[0]",
            "[9999999999]",
            "d",
            "s",
            "v",
            "q",
            "x",
            "X",
            "o",
            "O",
            "b",
            "c",
            "t",
            "e",
            "E",
            "f",
            "F",
            "g",
            "G",
            "U",
            "T",
            "p",
            "z",
            "w",
            "é",
            "😀",
            "\u{0}",
            "a",
            "\n",
            "%%",
            "1000",
            ".1000",
        ];
        let values = [
            Value::Nil,
            Value::Bool(true),
            int(0),
            int(-1),
            int(i64::MIN),
            int(i64::MAX),
            int(0x10FFFF + 1),
            int(0xD800),
            Value::Int64(-7),
            float(f64::NAN),
            float(-0.0),
            float(f64::MIN_POSITIVE),
            float(5e-324),
            float(-f64::MAX),
            float(f64::NEG_INFINITY),
            s(""),
            s("é\u{0}`\u{feff}"),
            list(ElemType::Any, &[Value::Nil, list(ElemType::Int, &[int(1)])]),
            list(ElemType::String, &[s("a b")]),
            list(ElemType::Int, &[]),
        ];
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let mut format = String::new();
            for _ in 0..rng.below(12) {
                format.push_str(PIECES[rng.below(PIECES.len())]);
            }
            let args: Vec<Value> = (0..rng.below(4))
                .map(|_| values[rng.below(values.len())].clone())
                .collect();
            let out = sprintf(&format, &args);
            // Widths here have at most 4 digits: nothing should balloon.
            assert!(
                out.len() < 200_000,
                "{format:?} {args:?} printed {} bytes",
                out.len()
            );
        }
    }
}
