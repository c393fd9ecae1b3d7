//! Go's `fmt/print.go`: the `pp` struct's part of the printer, choosing how
//! to print each operand by its type and verb, and reading the format
//! string (`doPrintf`) with its flags, widths, precisions and `[n]`
//! operand indexes.

use super::{Base, LOWER_DIGITS, Printer, UPPER_DIGITS, too_large};
use crate::template::unicode::decode_rune;
use crate::template::value::Value;

impl Printer {
    pub(super) fn bad_verb(&mut self, verb: char, arg: &Value) {
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

    pub(super) fn print_arg(&mut self, arg: &Value, verb: char) {
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
    pub(super) fn print_value(&mut self, arg: &Value, verb: char) {
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

    pub(super) fn print_integer(&mut self, n: i64, verb: char, arg: &Value) {
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

    pub(super) fn do_printf(&mut self, format: &[u8], args: &[Value]) {
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
