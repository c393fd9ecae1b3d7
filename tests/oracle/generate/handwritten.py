import json, sys
cases = []
def c(t, common="", index=0, env=None, name=None):
    cases.append({"name": name or f"c{len(cases)}", "common": common, "index": index, "env": env or {}, "template": t})

# printing
for t in ['{{ . }}', '{{ $ }}', '{{ print . }}', '{{ printf "%v|%+v|%#v|%T|%d|%s|%x|%q" . . . . . . . . }}',
          '{{ list . 1 }}', '{{ toString . }}', '{{ eq . . }}', '{{ eq . 1 }}', '{{ default "x" . }}', '{{ empty . }}',
          '{{ len . }}', '{{ .Index.Foo }}', '{{ .Index 1 }}', '{{ 1 | .Index }}', '{{ has . (list .) }}', '{{ quote . }}',
          '{{ squote . }}', '{{ cat . . }}', '{{ if . }}t{{ end }}', '{{ with . }}{{ .Index }}{{ end }}', '{{ range . }}x{{ end }}',
          '{{ join "," . }}', '{{ first . }}', '{{ add . 1 }}', '{{ int . }}', '{{ float64 . }}', '{{ lt . . }}']:
    c(t, index=3)
# numbers
for t in ['{{ 1.5 }}', '{{ 1e3 }}', '{{ 1E3 }}', '{{ 0x1F }}', '{{ 0X1f }}', '{{ 0o17 }}', '{{ 0b101 }}', '{{ 1_000 }}', '{{ 017 }}',
          "{{ 'a' }}", "{{ '\\n' }}", "{{ '\\x41' }}", "{{ '\\u00e9' }}", "{{ 'é' }}", '{{ -0 }}', '{{ +5 }}', '{{ .5 }}', '{{ 5. }}',
          '{{ 0x1p4 }}', '{{ 1e400 }}', '{{ 9223372036854775807 }}', '{{ 9223372036854775808 }}', '{{ -9223372036854775808 }}',
          '{{ 18446744073709551615 }}', '{{ 18446744073709551616 }}', '{{ 1.0 }}', '{{ 100000000000000000000.0 }}', '{{ 1e21 }}', '{{ 1e20 }}',
          '{{ 0.000001 }}', '{{ 0.0000001 }}', '{{ 3.14159265358979 }}', '{{ 1i }}', '{{ 1+2i }}', '{{ 0x }}', '{{ 08 }}', '{{ 1__0 }}',
          '{{ _1 }}', '{{ 1_ }}', '{{ 0_7 }}', '{{ 1e }}', '{{ 1e+ }}', '{{ -.5 }}', "{{ '' }}", "{{ 'ab' }}", "{{ '\\'' }}",
          '{{ printf "%T" 1.0 }}', '{{ printf "%T" 1 }}', "{{ printf \"%T\" 'a' }}", '{{ printf "%T" 0x10 }}', '{{ printf "%T" 1e2 }}',
          '{{ until 3.0 }}', '{{ until 1e1 }}', '{{ repeat 2.5 "x" }}', '{{ repeat 2.0 "x" }}', '{{ -3 }}', '{{- 3 }}', '{{-3}}', '{{ 3 -}}',
          '{{ 3-}}', '{{ 3 - }}', '{{ - 3 }}', '{{ 1e1000 }}', '{{ 1.7976931348623157e308 }}', '{{ 4.9e-324 }}', '{{ 1e-400 }}']:
    c(t)
# strings
for t in ['{{ "a\\tb" }}', '{{ "\\x41\\101" }}', '{{ "\\xff" }}', '{{ "\\u00e9\\U0001F600" }}', '{{ "\\q" }}', "{{ \"\\'\" }}",
          '{{ `raw\\n` }}', '{{ "a\nb" }}', '{{ `a\nb` }}', '{{ `a\r\nb` }}', '{{ "é" }}', '{{ "\\ud800" }}', '{{ "\\U00110000" }}',
          '{{ "\\a\\b\\f\\v\\\\" | quote }}', '{{ "\\"" }}', '{{ "" }}', '{{ `` }}']:
    c(t)
# trim markers and comments
for t in ['a {{- 1 }} b', 'a {{ 1 -}} b', 'a\n\n{{- 1 -}}\n\nb', 'a\r\n{{- 1 }}', 'a {{-1}} b', 'a {{- 1}} b', 'a {{1 -}} b',
          'a {{	- 1 }}', 'a {{-\t1 -}}\tb', 'a {{-\n1\n-}} b', 'a {{- /* c */}} b', 'a {{/* c */ -}} b', 'a {{- /* c */ -}} b',
          'a {{/*c*/}} b', '{{/* a */ }}', '{{ /* a */}}', '{{/* a', '{{/* a */', '{{- /* a */ -}}', 'x {{/* {{ }} */}} y',
          '{{ 1 }}{{/**/}}{{ 2 }}', 'a {{- "" -}} b', '{{- -}}', '{{ - }}', 'a{{ print "x" -}}   \n\t  b', '  {{- 1 }}  ',
          '{{ 1 }} {{- 2 }}', '{{ (1) }}', '{{ ( 1 ) }}', '{{ (1 }}', '{{ 1) }}', '{{ ((((1)))) }}', '{{ () }}', '{{ | }}', '{{ 1 | }}',
          '{{ }}', '{{}}', '{{ .Index | }}', '{{ print 1 | print 2 }}', '{{ 1 | print }}', '{{ "a" | printf "%s-%s" "b" }}',
          '{{ .Index|print }}', '{{ .Index| print }}', '{{print 1}}{{print 2}}', '{{ print 1 2 3 }}', '{{ print "a" 1 "b" 2 3 "c" }}',
          '{{ println 1 "a" 2 }}', '{{ println }}', '{{ print }}', '{{ print nil }}', '{{ print nil 1 }}', '{{ printf "%d %d" nil 1 }}',
          '{{ printf "%s" }}', '{{ printf }}', '{{ printf 1 }}', '{{ printf "%5.2f|%-8.3e|%g" 3.14159 12345.678 0.0000123 }}',
          '{{ printf "%c|%U|%q" 65 9731 9731 }}', '{{ printf "%08.3f|%+d|% d|%x" -3.5 5 5 -255 }}', '{{ printf "%[2]d %[1]d" 1 2 }}',
          '{{ printf "%*d" 5 3 }}', '{{ printf "%t" true }}', '{{ printf "%t" 1 }}', '{{ printf "%v" (list "a" (list 1 2) nil) }}',
          '{{ printf "%q" (list "a" "b") }}', '{{ printf "%x" "hi" }}', '{{ printf "%X" (splitList "," "a,b") }}',
          '{{ printf "%d" (until 3) }}', '{{ printf "%s" (until 3) }}', '{{ printf "%#v" (list 1 "a") }}', '{{ printf "%#v" (splitList "," "a") }}',
          '{{ printf "%%" }}', '{{ printf "%!" }}', '{{ printf "%z" 1 }}', '{{ printf "%" }}', '{{ printf "%d" 1.5 }}', '{{ printf "%f" 1 }}',
          '{{ printf "%v" 1e21 }}', '{{ printf "%v" 1e20 }}', '{{ printf "%v" 100000.0 }}', '{{ 1e6 }}', '{{ 1e-5 }}', '{{ 123456789.0 }}',
          '{{ float64 "1e21" }}', '{{ float64 "0.1" }}', '{{ div 10 3 | float64 }}', '{{ printf "%.2f" (float64 "3.14159") }}',
          '{{ printf "%s" true }}', '{{ printf "%d" true }}', '{{ printf "%v %v" (add 1 1) (int 2) }}', '{{ printf "%T %T %T" (add 1 1) (int 2) (int64 3) }}',
          '{{ printf "%T" (list) }}', '{{ printf "%T" (splitList "" "") }}', '{{ printf "%T" (until 0) }}', '{{ printf "%T" nil }}',
          '{{ printf "%T" (first (list)) }}', '{{ printf "%v" (first (list)) }}', '{{ printf "%d" (first (list)) }}']:
    c(t, index=2)
# arithmetic & conversions
for t in ['{{ add "1.0" 1 }}', '{{ add "1.5" 1 }}', '{{ add "5." 1 }}', '{{ add ".0" 1 }}', '{{ add "1.00" 1 }}', '{{ add "0.0" 1 }}',
          '{{ add "1e3" 1 }}', '{{ add " 1" 1 }}', '{{ add "1 " 1 }}', '{{ add "-0x10" 0 }}', '{{ add "+0b11" 0 }}', '{{ add "0o7" 0 }}',
          '{{ add "0O7" 0 }}', '{{ add "0B1" 0 }}', '{{ add "0X1f" 0 }}', '{{ add "9223372036854775807" 1 }}', '{{ add "9223372036854775808" 0 }}',
          '{{ add true true }}', '{{ add false 1 }}', '{{ add nil 1 }}', '{{ add (list 1) 1 }}', '{{ add 1.999 0 }}', '{{ add -1.999 0 }}',
          '{{ add 1e19 0 }}', '{{ add -1e19 0 }}', '{{ mul 9223372036854775807 2 }}', '{{ sub -9223372036854775808 1 }}',
          '{{ div -9223372036854775808 -1 }}', '{{ mod -9223372036854775808 -1 }}', '{{ div 7 -2 }}', '{{ mod 7 -2 }}', '{{ mod -7 -2 }}',
          '{{ add1 9223372036854775807 }}', '{{ max 1 }}', '{{ max }}', '{{ min }}', '{{ mul }}', '{{ mul 5 }}', '{{ max "3" "10" "x" }}',
          '{{ min -1 "0x10" }}', '{{ sub 1 }}', '{{ sub 1 2 3 }}', '{{ div 1 }}', '{{ atoi "-12" }}', '{{ atoi "+12" }}', '{{ atoi "1_000" }}',
          '{{ atoi "0x10" }}', '{{ atoi " 1" }}', '{{ atoi "99999999999999999999" }}', '{{ atoi "-99999999999999999999" }}', '{{ atoi 5 }}',
          '{{ atoi .Index }}', '{{ int "1.0" }}', '{{ int "-08" }}', '{{ int true }}', '{{ int nil }}', '{{ int 1e19 }}', '{{ int64 "0b11" }}',
          '{{ int64 2.9 }}', '{{ float64 "1_000.5" }}', '{{ float64 "0x1p4" }}', '{{ float64 "inf" }}', '{{ float64 "-Inf" }}', '{{ float64 "nan" }}',
          '{{ float64 "+nan" }}', '{{ float64 "Infinity" }}', '{{ float64 "1e400" }}', '{{ float64 true }}', '{{ float64 7 }}', '{{ float64 "x" }}',
          '{{ float64 ".5" }}', '{{ float64 "5." }}', '{{ float64 "1e-400" }}', '{{ float64 "0x10" }}', '{{ float64 "1__0" }}', '{{ float64 "_10" }}',
          '{{ add 1 (float64 "2.5") }}', '{{ toString 1.5 }}', '{{ toString nil }}', '{{ toString (list 1 "a") }}', '{{ toString true }}',
          '{{ add .Index "2" }}', '{{ .Index | add 1 | mul 2 | sub 100 }}', '{{ add (int64 5) (int 6) }}', '{{ eq (add 1 1) 2 }}', '{{ eq (int64 2) (int 2) }}',
          '{{ eq 2 2.0 }}', '{{ eq 1.5 1.5 }}', '{{ lt 1 2.0 }}', '{{ lt 1.5 2.5 }}', '{{ lt "a" "b" }}', '{{ lt true false }}', '{{ lt nil 1 }}',
          '{{ lt (list) 1 }}', '{{ eq true true }}', '{{ eq true 1 }}', '{{ eq "a" "a" "b" }}', '{{ eq "a" "b" "a" }}', '{{ eq 1 }}', '{{ eq }}',
          '{{ eq 1 1 "x" }}', '{{ eq 1 2 "x" }}', '{{ ne 1 2 }}', '{{ ne "a" "a" }}', '{{ ne 1 "a" }}', '{{ ne 1 }}', '{{ le 2 2 }}', '{{ ge 1 2 }}',
          '{{ gt "b" "a" }}', '{{ le 1 "a" }}', '{{ eq (list) (list) }}', '{{ eq (list 1) (list 1) }}', '{{ eq nil nil }}', '{{ eq (first (list)) nil }}',
          '{{ eq "" nil }}', '{{ ne nil 1 }}', '{{ lt 1 nil }}', '{{ eq . nil }}', '{{ and }}', '{{ or }}', '{{ not }}', '{{ not 1 2 }}',
          '{{ and 1 2 3 }}', '{{ and 1 "" 3 }}', '{{ or 0 "" nil }}', '{{ or 0 "" (list) }}', '{{ and 1 nil }}', '{{ 0 | and 1 }}', '{{ 0 | or 1 }}',
          '{{ "" | or 0 }}', '{{ not "" }}', '{{ not (list) }}', '{{ not nil }}', '{{ not . }}', '{{ or (fail "x") 1 }}', '{{ and 0 (fail "x") }}',
          '{{ 1 | and (fail "x") }}', '{{ len "héllo" }}', '{{ len (list) }}', '{{ len 5 }}', '{{ len nil }}', '{{ len (until 4) }}',
          '{{ index "abc" 1 }}', '{{ index (list 1 2) 2 }}', '{{ index (list 1 2) -1 }}', '{{ index (list (list 1 2)) 0 1 }}', '{{ index (list 1) }}',
          '{{ index nil 1 }}', '{{ index (list 1) "0" }}', '{{ index (list 1) nil }}', '{{ index 5 0 }}', '{{ index (list nil) 0 }}',
          '{{ printf "%T" (index "abc" 1) }}', '{{ index (splitList "-" "a-b") 1 }}', '{{ index (list 1 2) 1.0 }}', '{{ index (list 1 2) (add 0 1) }}']:
    c(t, index=2)
# sprig strings and lists
for t in ['{{ trim "\\u00a0 x \\u2003" }}', '{{ trimAll "xy" "xyaxyx" }}', '{{ trimAll "" "abc" }}', '{{ trimPrefix "" "abc" }}',
          '{{ trimSuffix "c" "abcc" }}', '{{ upper "straße ǆ ﬀ" }}', '{{ lower "İSTANBUL ΑΣ" }}', '{{ title "hello wORLD foo_bar 3d x-y é-à" }}',
          '{{ title "ǆemal" }}', '{{ title "" }}', '{{ replace "a" "" "banana" }}', '{{ replace "" "" "abc" }}', '{{ replace "" "-" "" }}',
          '{{ replace "" "-" "é" }}', '{{ repeat 0 "x" }}', '{{ repeat -1 "x" }}', '{{ repeat 3 "" }}', '{{ repeat "3" "x" }}', '{{ repeat (add 1 1) "x" }}',
          '{{ repeat (int 2) "x" }}', '{{ repeat .Index "x" }}', '{{ repeat 3 5 }}', '{{ contains "" "x" }}', '{{ hasPrefix "" "" }}',
          '{{ quote }}', '{{ quote nil }}', '{{ quote "a" nil "b" }}', '{{ quote "é\\t\\x01" }}', '{{ quote (list 1 "a") }}', '{{ quote 1.5 true }}',
          '{{ squote }}', '{{ squote 1 "a" nil }}', '{{ squote (list 1) }}', '{{ cat }}', '{{ cat nil }}', '{{ cat "a" nil "b" }}', '{{ cat (list 1 2) 3.5 }}',
          '{{ indent 0 "a\\nb" }}', '{{ indent -1 "a" }}', '{{ indent 2 "" }}', '{{ indent 2 "a\\n" }}', '{{ nindent 2 "a\\nb" }}', '{{ nindent 0 "" }}',
          '{{ indent "2" "a" }}', '{{ nospace "a b" }}', '{{ nospace "héllo wörld" }}', '{{ nospace "héllo" }}', '{{ nospace "a\\u00a0b" }}',
          '{{ nospace "a\\u0085b c" }}', '{{ nospace "\\t\\n\\v\\f\\r " }}', '{{ trunc 2 "abc" }}', '{{ trunc -2 "abc" }}', '{{ trunc 5 "abc" }}',
          '{{ trunc -5 "abc" }}', '{{ trunc 0 "abc" }}', '{{ trunc 1 "é" }}', '{{ trunc -1 "é" }}', '{{ substr 1 2 "abc" }}', '{{ substr 0 5 "abc" }}',
          '{{ substr -1 2 "abc" }}', '{{ substr -1 5 "abc" }}', '{{ substr 2 1 "abc" }}', '{{ substr 5 6 "abc" }}', '{{ substr 1 -1 "abc" }}',
          '{{ substr 4 -1 "abc" }}', '{{ substr 3 -1 "abc" }}', '{{ substr -1 -1 "abc" }}', '{{ substr 0 1 "é" }}', '{{ b64enc "" }}', '{{ b64enc "a" }}',
          '{{ b64enc "ab" }}', '{{ b64enc "é✓" }}', '{{ b64dec "YQ==" }}', '{{ b64dec "YQ" }}', '{{ b64dec "YQ=" }}', '{{ b64dec "YWJj" }}',
          '{{ b64dec "YW\\nJj" }}', '{{ b64dec "Y" }}', '{{ b64dec "=" }}', '{{ b64dec "YQ==YQ==" }}', '{{ b64dec "YQ==\\n" }}', '{{ b64dec "YQ=\\n=" }}',
          '{{ b64dec "!!!!" }}', '{{ b64dec "YWJjZA" }}', '{{ b64dec "/w==" }}', '{{ b64dec "" }}', '{{ b64dec "YWJjZGVmZ2hpamts" }}', '{{ b64dec "YWJj ZA==" }}',
          '{{ fail "boom" }}', '{{ fail 1 }}', '{{ splitList "" "abc" }}', '{{ splitList "" "" }}', '{{ splitList "," "" | len }}', '{{ splitList "," "a,,b" }}',
          '{{ splitList "ab" "xabyab" }}', '{{ join "-" (list 1 nil "a" 2.5 true) }}', '{{ join "-" "abc" }}', '{{ join "-" nil }}', '{{ join "-" 5 }}',
          '{{ join "-" (until 3) }}', '{{ join "-" (list (list 1 2) "x") }}', '{{ join 1 (list 1) }}', '{{ first (list 1 2) }}', '{{ first "abc" }}',
          '{{ first nil }}', '{{ first 5 }}', '{{ last (until 3) }}', '{{ mustFirst (list) }}', '{{ mustFirst "x" }}', '{{ rest (list 1 2 3) }}',
          '{{ rest (list) }}', '{{ rest (splitList "," "a,b") | printf "%T" }}', '{{ initial (list 1 2 3) }}', '{{ initial "x" }}', '{{ rest 5 }}',
          '{{ list }}', '{{ list nil }}', '{{ list nil 1 | len }}', '{{ list (list) }}', '{{ has 1 (list 1) }}', '{{ has (add 1 0) (list 1) }}',
          '{{ has nil (list nil) }}', '{{ has 1 nil }}', '{{ has 1 "1" }}', '{{ has "a" (splitList "," "a,b") }}', '{{ has (list 1) (list (list 1)) }}',
          '{{ has 1.0 (list 1) }}', '{{ until 0 }}', '{{ until -3 }}', '{{ until "3" }}', '{{ until (add 1 2) }}', '{{ until 2 | len }}',
          '{{ default "x" }}', '{{ default "x" "" "y" }}', '{{ default "x" 0.0 }}', '{{ default "x" false }}', '{{ default "x" nil }}', '{{ default }}',
          '{{ default "x" (list) }}', '{{ default "x" (list nil) }}', '{{ "" | default "d" }}', '{{ empty nil }}', '{{ empty false }}', '{{ empty 0.0 }}',
          '{{ empty (list 0) }}', '{{ empty }}', '{{ coalesce }}', '{{ coalesce 0 false "" nil (list) 1.5 }}', '{{ coalesce nil }}',
          '{{ ternary 1 2 true }}', '{{ ternary 1 2 1 }}', '{{ ternary 1 2 "true" }}', '{{ ternary 1 2 (eq 1 1) }}', '{{ ternary 1 2 nil }}',
          '{{ true | ternary "a" "b" }}', '{{ 1 | ternary "a" "b" }}', '{{ ternary "a" "b" }}', '{{ env "A" }}', '{{ env }}', '{{ env 1 }}',
          '{{ env "A" | upper }}', '{{ hello }}', '{{ tuple 1 2 }}', '{{ compact (list 0 1 "" "a" nil) }}', '{{ concat (list 1) (list 2 3) }}',
          '{{ concat }}', '{{ concat (list 1) 2 }}', '{{ mustRest (list 1 2) }}', '{{ mustInitial (list 1 2) }}', '{{ mustHas 1 (list 1) }}',
          '{{ upper 1 }}', '{{ upper .Index }}', '{{ upper nil }}', '{{ upper (first (list)) }}', '{{ upper (list "a") }}', '{{ upper true }}',
          '{{ splitList "-" 5 }}', '{{ replace "a" "b" }}', '{{ sha256sum "x" }}', '{{ nope }}', '{{ splitlist "-" "a" }}', '{{ Upper "a" }}',
          '{{ html "<a>" }}', '{{ js "x" }}', '{{ urlquery "a b" }}', '{{ call 1 }}', '{{ slice (list 1 2 3) 1 }}', '{{ toJson 1 }}']:
    c(t, index=2, env={"A": "val"})
# control structures, variables, templates
for t in ['{{ if 1 }}a{{ else }}b{{ end }}', '{{ if 0 }}a{{ else if 0 }}b{{ else if 1 }}c{{ end }}', '{{ if 0 }}a{{ else if 0 }}b{{ end }}',
          '{{ if }}a{{ end }}', '{{ if 1 }}a{{ else }}b{{ else }}c{{ end }}', '{{ if 1 }}{{ end }}{{ end }}', '{{ else }}', '{{ if 1 }}',
          '{{ with 0 }}a{{ else }}b{{ end }}', '{{ with "x" }}{{ . }}{{ else }}b{{ end }}', '{{ with 1 }}a{{ else if 1 }}b{{ end }}',
          '{{ range list 1 2 }}{{ . }}{{ else }}e{{ end }}', '{{ range nil }}a{{ else }}e{{ end }}', '{{ range 5 }}a{{ end }}',
          '{{ range "abc" }}a{{ end }}', '{{ range $x := until 3 }}{{ $x }}{{ end }}', '{{ range $i, $x := until 3 }}{{ $i }}{{ $x }}{{ end }}',
          '{{ range $i, $x, $y := until 3 }}{{ end }}', '{{ range $i := until 3 }}{{ end }}{{ $i }}', '{{ range until 5 }}{{ if eq . 2 }}{{ break }}{{ end }}{{ . }}{{ end }}',
          '{{ range until 5 }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ . }}{{ end }}', '{{ break }}', '{{ continue }}', '{{ range until 2 }}{{ break 1 }}{{ end }}',
          '{{ range until 2 }}{{ range until 2 }}{{ break }}{{ end }}x{{ end }}', '{{ $x := 1 }}{{ range until 2 }}{{ $x = add $x 1 }}{{ end }}{{ $x }}',
          '{{ $x := 1 }}{{ range $x := until 2 }}{{ end }}{{ $x }}', '{{ $x = 1 }}', '{{ $x := 1 }}{{ $x := 2 }}{{ $x }}', '{{ $ := 1 }}{{ $ }}',
          '{{ $x := 1 }}{{ $x.Foo }}', '{{ $.Index }}', '{{ $.Nope }}', '{{ $x := . }}{{ $x.Index }}', '{{ $x, $y := 1 }}', '{{ $x := 1, 2 }}',
          '{{ $x := }}', '{{ $x }}{{ $x := 1 }}', '{{ if true }}{{ $x := 1 }}{{ else }}{{ $x }}{{ end }}', '{{ with $x := 5 }}{{ $x }}{{ end }}{{ $x }}',
          '{{ $x := 1 }}{{ with $x := 2 }}{{ $x }}{{ end }}{{ $x }}', '{{ $x := list 1 2 }}{{ range $x }}{{ . }}{{ end }}', '{{ $x := 1 }} {{ $x | add 1 }}',
          '{{ $x := 1 }}{{ $x 2 }}', '{{ . 1 }}', '{{ "a" 1 }}', '{{ 1 2 }}', '{{ nil }}', '{{ nil | print }}', '{{ print | nil }}', '{{ 1 | 2 }}',
          '{{ print | 2 }}', '{{ print | . }}', '{{ print | "x" }}', '{{ print | true }}', '{{ (print 1).Foo }}', '{{ (.).Index }}', '{{ (nil).X }}',
          '{{ .Index.X.Y }}', '{{ "a".X }}', '{{ $.Index.X }}', '{{ .X | print }}', '{{ print .X }}', '{{ .index }}', '{{ . | print }}',
          '{{ template "a" }}', '{{ template "a" . }}{{ define "a" }}A{{ .Index }}{{ end }}', '{{ define "a" }}A{{ end }}{{ define "a" }}B{{ end }}',
          '{{ define "a" }}A{{ end }}{{ define "a" }} {{ end }}{{ template "a" }}', '{{ define "a" }} {{ end }}{{ define "a" }}B{{ end }}{{ template "a" }}',
          '{{ define "a" }}{{ template "a" }}{{ end }}{{ template "a" }}', '{{ define "a" }}{{ include "a" . }}{{ end }}{{ include "a" . }}',
          '{{ define "a" }}x{{ else }}y{{ end }}', '{{ define "a" }}', '{{ define }}{{ end }}', '{{ define 1 }}{{ end }}', '{{ define "a" 1 }}{{ end }}',
          '{{ if 1 }}{{ define "a" }}{{ end }}{{ end }}', '{{ block "b" . }}B{{ .Index }}{{ end }}{{ template "b" 5 }}', '{{ block "b" }}B{{ end }}',
          '{{ block "b" . }}x{{ else }}y{{ end }}', '{{ template "b" . }}{{ block "b" . }}B{{ end }}', '{{ template x }}', '{{ template "a" 1 2 }}',
          '{{ define "a" }}[{{ $ }}|{{ . }}]{{ end }}{{ template "a" 7 }}', '{{ define "a" }}{{ $x }}{{ end }}{{ $x := 1 }}{{ template "a" }}',
          '{{ include "a" }}', '{{ include "nope" . }}', '{{ include 1 . }}', '{{ define "a" }}A{{ end }}{{ include "a" . | upper }}{{ include "a" nil }}',
          '{{ define "a" }}{{ fail "inner" }}{{ end }}{{ include "a" . }}', '{{ define "a" }}{{ .Index }}{{ end }}{{ include "a" 5 }}',
          '{{ define "a" }}{{ . }}{{ end }}{{ include "a" (list 1 2) }}', '{{ define "" }}x{{ end }}y', '{{ template "" }}',
          "{{ define `r` }}R{{ end }}{{ template `r` }}", '{{ define "a\\tb" }}T{{ end }}{{ template "a\\tb" }}',
          '{{ if 1 }}a{{ else }}{{ if 0 }}b{{ end }}{{ end }}', '{{ if 1 -}}\n  a\n{{- end }}', '{{ range until 3 -}}\n{{ . }}\n{{- end }}',
          '{{ if (and 1 0) }}y{{ else }}n{{ end }}', '{{ if eq .Index 2 3 }}y{{ end }}', '{{ with $v := first (list) }}y{{ else }}n{{ end }}',
          '{{ with list }}y{{ else }}{{ . }}{{ end }}', '{{ range $i, $v := list "a" }}{{ $i }}{{ $v }}{{ . }}{{ end }}', '{{ range $v := list 1 }}{{ $v }}{{ end }}{{ $v }}',
          '{{range $i,$v:=until 2}}{{$i}}{{end}}', '{{range $i , $v := until 2}}{{$v}}{{end}}', '{{ range $i, $v = until 2 }}{{ end }}',
          '{{ $i := 0 }}{{ range $i, $v = until 2 }}{{ end }}{{ $i }}', '{{ $i := 9 }}{{ range $i = until 2 }}{{ end }}{{ $i }}',
          '{{ range until 3 }}{{ $x := . }}{{ end }}', '{{ with 1 }}{{ break }}{{ end }}', '{{ range until 2 }}{{ define "z" }}{{ end }}{{ end }}',
          '{{ if 1 }}x{{ else if }}y{{ end }}', '{{ if 1 }}x{{ else with 1 }}y{{ end }}', '{{ end }}', '{{ if 1 }}x{{ end', '{{ if 1 }}x{{ end }} {{',
          'a}}b', '{{ "unterminated }}', '{{ `unterminated }}', "{{ 'x }}", '{{ .Index, }}', '{{ .Index ,x }}', '{{ .Index:= }}', '{{ :x }}',
          '{{ @ }}', '{{ \u00e9 }}', '{{ .é }}', '{{ $é := 1 }}{{ $é }}', '{{ .Index# }}', '{{ print "a"| print }}', '{{ print "a"|print "b" }}',
          '{{ (print "a") (print "b") }}', '{{ print (print "a") (print "b") }}', '{{ print "a"("b") }}', '{{ print 1(2) }}', '{{ $x := 1 }}{{ $x(2) }}',
          '{{ .Index.Index }}', '{{ true.X }}', '{{ $x := 1 }}{{ ($x).Y }}', '{{ (list 1).X }}', '{{ (first (list)).X }}', '{{ with list nil }}{{ range . }}{{ .X }}{{ end }}{{ end }}',
          '{{ template "t" }}{{ define "t" }}{{ .X }}{{ end }}', '{{ define "t" }}{{ .Index }}{{ end }}{{ template "t" }}',
          '{{ define "t" }}{{ .Index }}{{ end }}{{ template "t" "s" }}', '{{ $x := 5 }}{{ $x = "s" }}{{ $x }}', '{{ with $x := 1 }}{{ $x = 2 }}{{ $x }}{{ end }}']:
    c(t, index=2)
# common template interplay
common1 = '{{ define "a" }}A{{ .Index }}{{ end }}{{ define "b" }}{{ template "a" . }}B{{ end }}top {{ .Index }}\n'
for t in ['{{ template "b" . }}', '', ' ', '\n', 'x', '{{/* c */}}', '{{ define "a" }}Z{{ end }}{{ template "b" . }}', '{{ define "a" }} {{ end }}{{ template "b" . }}',
          '{{ template "" . }}', '{{ include "b" . }}', '{{ define "" }}q{{ end }}', '{{ block "a" . }}blk{{ end }}', '{{ template "c" . }}', '{{- "" -}}']:
    c(t, common=common1, index=4)
for common in ['{{ define "a" }}', '{{ define "a" }}x{{ end }}{{ define "a" }}y{{ end }}', '{{ nope }}', '{{ .Index }}', ' x ', '{{ fail "c" }}',
               '{{ define "a" }}{{ fail "deep" }}{{ end }}', '{{ $x := 1 }}', '{{ define "a" }}{{ $x }}{{ end }}', '{{ define "a" }}{{ div 1 0 }}{{ end }}']:
    for t in ['plain', '', '{{ template "a" . }}', '{{ include "a" . }}']:
        c(t, common=common, index=1)
# kubevali-like
for idx in [0, 1, 9, 10, 123, -1]:
    for t in ['[KUBE-VALI] Development {{ printf "%02d" .Index }}', '{{ add 30333 .Index }}', '--name=node-{{ .Index }}',
              '{{ if eq .Index 0 }}--alice{{ else }}--bootnodes /dns4/node-0/tcp/30333/p2p/12D3{{ end }}', '{{ printf "%03d" .Index }}']:
        c(t, index=idx)
for host in ['sts-pod-2', 'a-b-c-', '-', 'x', '', 'darwinia-node-010']:
    c('{{ env "HOSTNAME" | splitList "-" | mustLast }}', env={"HOSTNAME": host})
    c('{{ env "HOSTNAME" | splitList "-" | last | atoi }}', env={"HOSTNAME": host})
    c('{{ env "HOSTNAME" | splitList "-" | last | int }}', env={"HOSTNAME": host})

for t in ['{{ html "<a href=\\"x\\">&\'\\x00</a>" }}', '{{ html 1 "a" 2 }}', '{{ html nil }}', '{{ html }}', '{{ html (list 1 "<") }}',
          '{{ js "a\\\\b\'c\\"d<e>f&g=h\\ti\\u0001\\u00a0\\u2028é✓" }}', '{{ js 1 2 }}', '{{ js nil }}', '{{ urlquery "a b&c=d/é~_.-" }}',
          '{{ urlquery 1 "x" }}', '{{ urlquery nil }}', '{{ "<x>" | html }}', '{{ slice (list 1 2 3) 1 2 }}', '{{ slice (list 1 2 3) }}',
          '{{ slice (list 1 2 3) 2 1 }}', '{{ slice (list 1 2 3) 0 4 }}', '{{ slice (list) 0 }}', '{{ slice "abc" 1 }}', '{{ slice nil }}',
          '{{ slice (splitList "-" "a-b-c") 1 | printf "%T %v" }}', '{{ slice (list 1 2 3) "1" }}', '{{ slice (list 1 2 3) -1 }}', '{{ mustSlice (list 1 2) 1 }}']:
    c(t)
skip = {'{{ printf "%T" (index "abc" 1) }}', '{{ with list nil }}{{ range . }}{{ .X }}{{ end }}{{ end }}'}
for x in cases:
    if x['template'] not in skip:
        print(json.dumps(x, ensure_ascii=False))
