// Emits Go 1.19's fmt output for a table of (format, args) as JSON lines,
// the oracle for kubevali's src/template/gofmt.rs. Regenerate with Go 1.19:
//
//	GO111MODULE=off go run main.go > cases.jsonl
//
// The random part is seeded, so the same Go version gives the same file.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"strconv"
	"strings"
)

func enc(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		return x
	case int:
		return map[string]any{"i": x}
	case int64:
		return map[string]any{"I": x}
	case float64:
		return map[string]any{"f": strconv.FormatUint(math.Float64bits(x), 16)}
	case string:
		return map[string]any{"s": x}
	case []any:
		out := []any{}
		for _, e := range x {
			out = append(out, enc(e))
		}
		return map[string]any{"la": out}
	case []string:
		out := []any{}
		for _, e := range x {
			out = append(out, enc(e))
		}
		return map[string]any{"ls": out}
	case []int:
		out := []any{}
		for _, e := range x {
			out = append(out, enc(e))
		}
		return map[string]any{"li": out}
	}
	panic(fmt.Sprintf("unsupported %T", v))
}

type line struct {
	K string `json:"k"` // printf, print, println, quote
	F string `json:"f,omitempty"`
	A []any  `json:"a"`
	O string `json:"o"`
}

var w = json.NewEncoder(os.Stdout)

func init() { w.SetEscapeHTML(false) }

func printf(f string, a ...any) {
	out := fmt.Sprintf(f, a...)
	if len(out) > 400 {
		return // keeps the checked-in table small
	}
	ea := []any{}
	for _, x := range a {
		ea = append(ea, enc(x))
	}
	w.Encode(line{K: "printf", F: f, A: ea, O: out})
}

func emit(kind string, out string, a ...any) {
	ea := []any{}
	for _, x := range a {
		ea = append(ea, enc(x))
	}
	w.Encode(line{K: kind, A: ea, O: out})
}

var floats = []float64{0, math.Copysign(0, -1), 1, -1, 1.5, -2.25, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 1e6, 1e5, 999999, 1e20, 1e21, 1e22,
	123456789, 1e-4, 1e-5, 0.000123, 3.141592653589793, 2.718281828459045, math.NaN(), math.Inf(1), math.Inf(-1),
	5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, 0.5, 2.5, 0.125, 0.375, 1.005, 2.675, 1e100, 123456, 1234567,
	100, 12.5, -0.0001, 9.999999, 0.9999999, 99.5, 1e15, 1e16, 4503599627370496, 9007199254740993, 1.25, 0.05, 1e-7, 1.5e-7,
	33.333333333333336, 255, -255, 1e9, 6.02214076e23, 1.602176634e-19}

var ints = []int{0, 1, -1, 2, 7, 8, 10, 15, 16, 65, 97, 255, -255, 1000, 12345, -12345, 0x10FFFF, 0x110000, 0xD800, 0x1F600,
	0xA0, 0x7F, 0x263A, 9, 30333, math.MaxInt64, math.MinInt64, 1 << 32, 0x2028, 0xFEFF}

var strs = []string{"", "a", "abc", "02", "darwinia", "--name", "[KUBE-VALI] Development 02", "héllo", "日本語", "a\tb", "a\nb",
	"quote\"d", "back\\slash", "tick`s", "\x00\x01\x1f\x7f", "\a\b\f\v\r", "\u00a0nbsp", "\u200b", "\U0001F600", "\ufeffbom",
	"\u2028", "\u0301", "é", "\ufffd", "%d", "1.5", "true", " spaced ", "\U0001D11E", "\u0378"}

func rf(r *rand.Rand) float64 {
	switch r.Intn(5) {
	case 0:
		return floats[r.Intn(len(floats))]
	case 1:
		return math.Float64frombits(r.Uint64())
	case 2:
		return float64(r.Intn(2000000)-1000000) / float64([]int{1, 10, 100, 1000, 8, 3}[r.Intn(6)])
	case 3:
		return r.NormFloat64() * math.Pow(10, float64(r.Intn(60)-30))
	}
	return float64(r.Int63()) * []float64{1, -1}[r.Intn(2)]
}

func rscalar(r *rand.Rand) any {
	switch r.Intn(7) {
	case 0:
		return nil
	case 1:
		return r.Intn(2) == 0
	case 2:
		if r.Intn(3) == 0 {
			return int(r.Int63() - r.Int63())
		}
		return ints[r.Intn(len(ints))]
	case 3:
		return int64(ints[r.Intn(len(ints))])
	case 4:
		return rf(r)
	}
	return strs[r.Intn(len(strs))]
}

func rarg(r *rand.Rand) any {
	switch r.Intn(9) {
	case 0:
		n := r.Intn(4)
		l := []any{}
		for i := 0; i < n; i++ {
			if r.Intn(6) == 0 {
				l = append(l, []int{r.Intn(100)})
			} else {
				l = append(l, rscalar(r))
			}
		}
		return l
	case 1:
		n := r.Intn(4)
		l := []string{}
		for i := 0; i < n; i++ {
			l = append(l, strs[r.Intn(len(strs))])
		}
		return l
	case 2:
		n := r.Intn(4)
		l := []int{}
		for i := 0; i < n; i++ {
			l = append(l, ints[r.Intn(len(ints))])
		}
		return l
	}
	return rscalar(r)
}

func rformat(r *rand.Rand) string {
	var b strings.Builder
	n := 1 + r.Intn(3)
	for k := 0; k < n; k++ {
		if r.Intn(3) == 0 {
			b.WriteString([]string{"x", "é", " ", "-", "|", "ab"}[r.Intn(6)])
		}
		b.WriteByte('%')
		for r.Intn(3) == 0 {
			b.WriteByte("#0+- "[r.Intn(5)])
		}
		if r.Intn(8) == 0 {
			fmt.Fprintf(&b, "[%d]", r.Intn(4))
		}
		switch r.Intn(6) {
		case 0:
			b.WriteString(strconv.Itoa(r.Intn(25)))
		case 1:
			b.WriteByte('*')
		}
		switch r.Intn(5) {
		case 0:
			b.WriteString("." + strconv.Itoa(r.Intn(20)))
		case 1:
			b.WriteString(".")
		case 2:
			if r.Intn(3) == 0 {
				b.WriteString(".*")
			}
		}
		if r.Intn(20) == 0 {
			b.WriteString([]string{"[", "]", "[x]", "[9]", ""}[r.Intn(5)])
		}
		if r.Intn(30) == 0 {
			continue // trailing flags, maybe no verb at all
		}
		b.WriteString(string([]rune("dsvqxXobcteEfFgGUT%zOé!")[r.Intn(23)]))
	}
	return b.String()
}

func main() {
	curated()
	r := rand.New(rand.NewSource(1))
	for k := 0; k < 1500; k++ {
		f := rformat(r)
		n := r.Intn(4)
		a := []any{}
		for i := 0; i < n; i++ {
			if strings.Contains(f, "*") && r.Intn(2) == 0 {
				a = append(a, r.Intn(40)-10)
			} else {
				a = append(a, rarg(r))
			}
		}
		printf(f, a...)
	}
	for k := 0; k < 150; k++ {
		n := r.Intn(5)
		a := []any{}
		for i := 0; i < n; i++ {
			a = append(a, rarg(r))
		}
		emit("print", fmt.Sprint(a...), a...)
		emit("println", fmt.Sprintln(a...), a...)
	}
	for _, s := range strs {
		emit("quote", strconv.Quote(s), s)
		emit("quoteascii", strconv.QuoteToASCII(s), s)
	}
	for _, f := range floats {
		for _, verb := range []string{"%v", "%e", "%f", "%g", "%.3g", "%.0f", "%.2f", "%.10g", "%.20f", "%.17e", "%b", "%x", "%.2x", "%#g", "%#.3x", "%X", "%+.1e", "%08.3f", "%-10.2e|", "% .4G", "%.30g", "%#v", "%.0e", "%#.0f", "%#.0e", "%.1g", "%#.1g"} {
			printf(verb, f)
		}
	}
	// Integers times powers of ten: where two shortest candidates tie.
	for _, bits := range []uint64{0x4305d9bbc503baea, 0x42e7f62af8508de4, 0x42852b79057fb240} {
		printf("%v", math.Float64frombits(bits))
	}
	for k := 0; k < 300; k++ {
		f := float64(r.Int63n(1<<53)) * math.Pow(10, float64(r.Intn(40)-20))
		printf([]string{"%v", "%g", "%.16g", "%e"}[r.Intn(4)], f)
	}
	for k := 0; k < 400; k++ {
		f := rf(r)
		verb := []string{"%v", "%e", "%f", "%g", "%.1f", "%.3e", "%.5g", "%.15g", "%.16g", "%.17g", "%.18e", "%.25e", "%.0f", "%.12f", "%x", "%.3x"}[r.Intn(16)]
		printf(verb, f)
	}
}

func curated() {
	// The common verbs in node command lines.
	printf("%d", 5)
	printf("%02d", 5)
	printf("%02d", 123)
	printf("%03d", -5)
	printf("%s", "abc")
	printf("%v", "abc")
	printf("%q", "darwinia")
	printf("%q %q %q", "darwinia", "--name", "[KUBE-VALI] Development 02")
	printf("%x", 255)
	printf("%X", 255)
	printf("%x", -255)
	printf("%#x", 255)
	printf("%#X", 255)
	printf("%#o", 8)
	printf("%o", 8)
	printf("%O", 8)
	printf("%b", 5)
	printf("%#b", 5)
	printf("%f", 1.5)
	printf("%5.2f", 3.14159)
	printf("%-8s|", "ab")
	printf("%8s|", "ab")
	printf("%08.3f", -3.14159)
	printf("%+d", 5)
	printf("% d", 5)
	printf("%+d", -5)
	printf("% d", -5)
	printf("%05s", "ab")
	printf("%05t", true)
	printf("%-05d|", 5)
	printf("%0-5d|", 5)
	printf("%.3d", 5)
	printf("%6.3d", 5)
	printf("%06.3d", 5)
	printf("%.0d", 0)
	printf("%5.0d|", 0)
	printf("%c", 65)
	printf("%c", 0x1F600)
	printf("%c", -1)
	printf("%q", 65)
	printf("%q", 39)
	printf("%q", 0x263A)
	printf("%+q", 0x263A)
	printf("%#q", "abc")
	printf("%#q", "a`b")
	printf("%+q", "héllo")
	printf("%U", 0x1F600)
	printf("%#U", 0x1F600)
	printf("%#U", 0x7)
	printf("%.6U", 65)
	printf("%x", "hello")
	printf("%X", "hello")
	printf("% x", "hello")
	printf("%# x", "hello")
	printf("%#x", "hello")
	printf("%.2x", "hello")
	printf("%12x|", "hi")
	printf("%-12x|", "hi")
	printf("%x", "")
	printf("%5x|", "")
	printf("%t", true)
	printf("%t", false)
	printf("%v", true)
	printf("%T", true)
	printf("%T %T %T %T %T", 1, int64(1), 1.5, "s", nil)
	printf("%T", []any{1})
	printf("%T", []string{"a"})
	printf("%T", []int{1})
	printf("%10T|", 1)
	printf("%.2T|", "s")
	printf("%d", "02")
	printf("%s", 4)
	printf("%t", 1)
	printf("%d")
	printf("%d %d", 1)
	printf("%d", 1, 2)
	printf("%d", 1, 2, "a")
	printf("x", 1, nil, "a", []int{1, 2})
	printf("%z", 1)
	printf("%", 1)
	printf("abc%")
	printf("%d", nil)
	printf("%v", nil)
	printf("%s", nil)
	printf("%5v|", nil)
	printf("%*d", 5, 1)
	printf("%-*d|", 5, 1)
	printf("%*d|", -5, 1)
	printf("%*d", "x", 1)
	printf("%.*f", 2, 3.14159)
	printf("%.*f", -2, 3.14159)
	printf("%.*f", "x", 3.14159)
	printf("%*d", 10000000, 1)
	printf("%[2]d %[1]d", 1, 2)
	printf("%[3]d", 1, 2)
	printf("%[0]d", 1)
	printf("%[x]d", 1)
	printf("%[1]d %d", 1, 2)
	printf("%[2]*[1]d", 12, 5)
	printf("%[1]2d", 1)
	printf("%[1].2d", 1)
	printf("%d %d %[1]d %d", 1, 2)
	printf("%[", 1)
	printf("%[1", 1)
	printf("%[]d", 1)
	printf("%!", 1)
	printf("%é", 1)
	printf("%%")
	printf("%5%")
	printf("%d%%", 50)
	printf("%v", 1.0)
	printf("%v", 1e6)
	printf("%v", 1e21)
	printf("%v", 1e20)
	printf("%v", 100000.0)
	printf("%v", 1e-5)
	printf("%v", 0.0001)
	printf("%v", math.NaN())
	printf("%+v", math.NaN())
	printf("% v", math.NaN())
	printf("%05v", math.Inf(1))
	printf("%05v", math.Inf(-1))
	printf("%v", math.Copysign(0, -1))
	printf("%e", 1234.5678)
	printf("%E", 1234.5678)
	printf("%g", 1234.5678)
	printf("%G", 1e-10)
	printf("%.3e", 0.0)
	printf("%.3g", 0.0)
	printf("%#g", 0.0)
	printf("%#g", 1.0)
	printf("%#.4g", 1.0)
	printf("%#v", 1.0)
	printf("%#e", 1.0)
	printf("%#.0e", 1.0)
	printf("%#.0f", 1.0)
	printf("%F", 1.5)
	printf("%+f", 1.5)
	printf("% f", 1.5)
	printf("%+08.2f", 1.5)
	printf("% 08.2f", 1.5)
	printf("%-08.2f|", 1.5)
	printf("%.0f %.0f %.0f %.0f", 0.5, 1.5, 2.5, 3.5)
	printf("%.2f %.2f", 0.125, 0.375)
	printf("%.1e %.1e", 1.25, 1.35)
	printf("%.20f", 0.1)
	printf("%.30e", 0.1)
	printf("%f", 1e300)
	printf("%.3f", 5e-324)
	printf("%.400f", 5e-324)
	printf("%v", []any{1, "a", nil, 1.5, true, []int{1, 2}})
	printf("%s", []string{"a", "b"})
	printf("%d", []int{1, 2})
	printf("%q", []string{"a", "b"})
	printf("%x", []string{"hi", "yo"})
	printf("%5d|", []int{1, 2})
	printf("%5v|", []any{nil, 1})
	printf("%d", []any{"a", 1, nil})
	printf("%s", []any{"a", 1, nil})
	printf("%t", []int{1})
	printf("%#v", []any{1, "a", nil, 1.5, []string{"x"}})
	printf("%#v", []string{})
	printf("%#v", []int{1, 2})
	printf("%#v", "a\"b")
	printf("%#v", 42)
	printf("%#v", nil)
	printf("%+v", []any{1, "a"})
	printf("%v", []any{})
	printf("%v", []any{[]int{}})
	printf("%v", []any{[]any{[]any{}}})
	printf("%s", "日本語")
	printf("%.2s", "日本語")
	printf("%5s|", "日本語")
	printf("%-5s|", "日本語")
	printf("%5.1s|", "日本語")
	printf("%5q|", "é")
	printf("%.0s|", "abc")
	printf("%q", "\x00\a\b\f\n\r\t\v\\\"\x7f\u00a0\u200b\U0001F600\ufeff\u2028")
	printf("%+q", "\x00\a\u00a0\u200b\U0001F600é")
	printf("%#q", "\ttab")
	printf("%#q", "\ufeff")
	printf("%#q", "\x7f")
	printf("%#+q", "é")
	printf("%+#q", "`é")
	printf("%-10d|", int64(-42))
	printf("%d", int64(math.MinInt64))
	printf("%x", int64(math.MinInt64))
	printf("%b", -5)
	printf("%o", -8)
	printf("%#O", 8)
	printf("%#o", 0)
	printf("%#x", 0)
	printf("%#.3x", 1)
	printf("%#08x", 255)
	printf("%#-8x|", 255)
	printf("%+x", 255)
	printf("% x", 255)
	printf("% x", []int{1, 2})
	printf("%08d", -5)
	printf("%+08d", 5)
	printf("% 08d", 5)
	printf("%+.3d", 5)
	printf("%x", 1.5)
	printf("%X", -1.5)
	printf("%.1x", 1.96875)
	printf("%b", 1.0)
	printf("%b", 0.0)
	printf("%#b", 1.0)
	printf("%10.3v|", 3.14159)
	printf("%-10v|", 3.14159)
	printf("%010v", -3.5)
	printf("%+v", 3.5)
	printf("%+v", 3)
	printf("%v %v", int64(5), 5)
	printf("%!d(string=02)")
	printf("%s %d", "a")
	printf("%p", 1)
	printf("%p", "s")
	printf("%5t|", 1)
	printf("%+t", 5)
	printf("%#t", "x")
	printf("%d", true)
	printf("%d", 1.5)
	printf("%s", 1.5)
	printf("%q", 1.5)
	printf("%x", true)
	printf("%c", "x")
	printf("%U", "x")
	printf("%e", 1)
	printf("%f", "1.5")
	printf("%.3", 1)
	printf("%.", 1)
	printf("%-", 1)
	printf("%5", 1)
	printf("%99999999d", 1)
	printf("%.99999999d", 1)
	printf("%[99999999]d", 1)
	printf("%*d", 1000001, 1)
	printf("%*d", int64(3), 1)
	printf("%*d", 1.5, 1)
	printf("%*d", nil, 1)
	printf("%.*d", nil, 1)
	printf("%[2]*d", 1, 4)
	printf("%[3]*.[2]*[1]f", 12.0, 2, 6)
	printf("%[1]*.[2]*f", 12.0, 2, 6)
	printf("%d %d %#[1]x %#x", 16, 17)
	printf("%[5]d", 1, 2)
	printf("%[-1]d", 1)
	printf("%[2]d %d", 1, 2)
	printf("%[1]d", 1, 2)
	printf("%.[1]d", 1)
	printf("%[1]", 1)
	printf("%[1]%", 1)
	printf("%v %v", []string{"a b", ""}, []int{})
	printf("%6.2v|", "abcdef")
	printf("%v", "%d")
	printf("%s", []any{[]string{"a"}, []int{1}})
	printf("%q", []any{1, "a", 120})
	printf("%x", []any{"ab", 255})
	printf("%v", []any{math.NaN(), math.Inf(-1), 1e21})
	emit("print", fmt.Sprint("a", "b", 1, 2, "c", 3.5, true, nil, nil, "d"), "a", "b", 1, 2, "c", 3.5, true, nil, nil, "d")
	emit("print", fmt.Sprint())
	emit("print", fmt.Sprint([]int{1}, []string{"a"}, "x", []any{nil}), []int{1}, []string{"a"}, "x", []any{nil})
	emit("println", fmt.Sprintln("a", "b", 1, 2, nil), "a", "b", 1, 2, nil)
	emit("println", fmt.Sprintln())
}
