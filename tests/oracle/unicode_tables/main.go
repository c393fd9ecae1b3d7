package main

import (
	"fmt"
	"os"
	"unicode"
)

func ranges(t *unicode.RangeTable) [][2]rune {
	var out [][2]rune
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if unicode.Is(t, r) {
			if n := len(out); n > 0 && out[n-1][1] == r-1 {
				out[n-1][1] = r
			} else {
				out = append(out, [2]rune{r, r})
			}
		}
	}
	return out
}

func table(name string, t *unicode.RangeTable) {
	fmt.Printf("pub static %s: &[(u32, u32)] = &[\n", name)
	for i, r := range ranges(t) {
		fmt.Printf("(0x%x, 0x%x),", r[0], r[1])
		if i%6 == 5 {
			fmt.Println()
		} else {
			fmt.Print(" ")
		}
	}
	fmt.Println("\n];\n")
}

func main() {
	fmt.Println("//! Generated from Go 1.19's `unicode` package (Unicode " + unicode.Version + ") by a")
	fmt.Println("//! program (tests/oracle/unicode_tables) that walks `unicode.CaseRanges` and the letter, digit")
	fmt.Println("//! and white-space tables. Do not edit by hand.")
	fmt.Println()
	fmt.Println("/// The delta that marks an alternating upper/lower range (Go's `UpperLower`).")
	fmt.Printf("pub const UPPER_LOWER: i32 = %d;\n\n", unicode.UpperLower)
	fmt.Println("/// `(lo, hi, [upper, lower, title] deltas)`, sorted, non-ASCII as Go has them.")
	fmt.Println("#[rustfmt::skip]")
	fmt.Println("pub static CASE_RANGES: &[(u32, u32, [i32; 3])] = &[")
	for _, c := range unicode.CaseRanges {
		fmt.Printf("(0x%x, 0x%x, [%d, %d, %d]),\n", c.Lo, c.Hi, c.Delta[unicode.UpperCase], c.Delta[unicode.LowerCase], c.Delta[unicode.TitleCase])
	}
	fmt.Println("];\n")
	fmt.Println("#[rustfmt::skip]")
	table("LETTER", unicode.Letter)
	fmt.Println("#[rustfmt::skip]")
	table("DIGIT", unicode.Digit)
	fmt.Println("#[rustfmt::skip]")
	table("SPACE", unicode.White_Space)
	_ = os.Stdout
}
