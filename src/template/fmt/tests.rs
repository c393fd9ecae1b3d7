use super::*;
use crate::template::ElemType;

// The printer works on bytes; these cases are all text, so they read and
// compare as strings.
fn sprintf(format: &str, args: &[Value]) -> String {
    String::from_utf8_lossy(&super::sprintf(format.as_bytes(), args)).into_owned()
}

fn sprint(args: &[Value]) -> String {
    String::from_utf8_lossy(&super::sprint(args)).into_owned()
}

fn sprintln(args: &[Value]) -> String {
    String::from_utf8_lossy(&super::sprintln(args)).into_owned()
}

fn format_value(v: &Value) -> String {
    String::from_utf8_lossy(&super::format_value(v)).into_owned()
}

fn quote(s: &str) -> String {
    String::from_utf8_lossy(&crate::template::strconv::quote(s.as_bytes())).into_owned()
}

fn quote_to_ascii(s: &str) -> String {
    String::from_utf8_lossy(&crate::template::strconv::quote_to_ascii(s.as_bytes())).into_owned()
}

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
                let items: Vec<Value> = v.as_array().expect("array").iter().map(decode).collect();
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
    let data = include_str!("../../../tests/oracle/fmt/cases.jsonl");
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
            Value::Str(s) => std::str::from_utf8(s).expect("UTF-8 case"),
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
