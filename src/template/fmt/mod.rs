//! Go's `fmt` printing (`Sprintf`, `Sprint`, `Sprintln`), byte for byte as
//! Go 1.19 prints them, for the template engine's [`Value`]s. Split as Go
//! splits it: `format` is format.go (padding and one formatter per kind of
//! operand), `print` is print.go (dispatch by type and verb, the format
//! string); quoting and float digits come from `strconv`.
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
use super::unicode::push_char;
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
}

mod format;
mod print;

#[cfg(test)]
mod tests;
