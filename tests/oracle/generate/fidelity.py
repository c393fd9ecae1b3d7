"""Cases for the template-fidelity classes of issue 12: values without
actions, include's scope, strings as bytes, index giving uint8, and Go 1.19's
case mapping. Prints one JSON case a line (see README.md)."""
import base64, json, sys, unicodedata

cases = []
def c(t, common="", index=0, env=None, env_b64=None):
    case = {"name": f"f{len(cases)}", "common": common, "index": index, "env": env or {}, "template": t}
    if env_b64:
        case["env_b64"] = {k: base64.b64encode(v).decode() for k, v in env_b64.items()}
    cases.append(case)

# 1. A value with no action renders its own text.
commons = ["", "\n", "top-level text ", "{{ .Index }}", "\n\n", " {{ block \"x\" . }}X{{ end }} ",
           "{{ define \"a\" }}A{{ end }}\n\n{{ define \"b\" }}B{{ end }}\n", "{{ fail \"never\" }}"]
values = ["", " ", "\n", "\t \n", "{{/*c*/}}", "{{/* off */}}", "{{- /* c */ -}}", " {{- /* c */}} ",
          "{{ define \"z\" }}Z{{ end }}", "{{ define \"z\" }}Z{{ end }}\n", "x", "{{/* c */}}x",
          "{{ define \"\" }}E{{ end }}", "{{ template \"a\" . }}", "{{ block \"x\" . }}V{{ end }}"]
for common in commons:
    for value in values:
        c(value, common, 3)

# 2. include sees the common set; template sees the value's defines too.
c('{{ define "new" }}{{ end }}{{ include "new" . }}')
c('{{ define "greet" }}o{{ end }}{{ include "greet" . }}', '{{ define "greet" }}{{ . }}{{ end }}')
c('{{ define "greet" }}o{{ end }}{{ template "greet" . }}', '{{ define "greet" }}{{ . }}{{ end }}')
c('{{ include "" . }}', 'top{{ .Index }}', 2)
c('{{ include "" . }}', '')
c('{{ include "" . }}|{{ template "" . }}', 'common')
c('{{ define "x" }}value{{ end }}{{ include "i" . }}', '{{ define "x" }}common{{ end }}{{ define "i" }}{{ template "x" }}{{ end }}')
c('{{ define "x" }}value{{ end }}{{ template "i" . }}', '{{ define "x" }}common{{ end }}{{ define "i" }}{{ template "x" }}{{ end }}')
c('{{ define "i" }}mine{{ end }}{{ include "i" . | upper }}', '{{ define "i" }}theirs{{ end }}')
c('{{ define "a" }} {{ end }}{{ template "a" }}|{{ include "a" . }}', '{{ define "a" }}A{{ end }}')
c('{{ include "b" 7 }}', '{{ define "b" }}[{{ . }}{{ include "c" . }}]{{ end }}{{ define "c" }}<{{ $ }}>{{ end }}')
c('{{ include "missing" . }}', '{{ define "a" }}A{{ end }}')
c('{{ include "a" . }}', '{{ define "a" }}{{ include "b" . }}{{ end }}')

# 3. Strings are bytes.
byte_exprs = [
    'substr 0 4 "日本"', 'substr 0 1 "é"', 'substr 1 2 "é"', 'trunc 1 "é"', 'trunc -1 "日本"', 'trunc 2 "日本"',
    'b64dec "gA=="', 'b64dec "/w=="', 'b64dec "/+7d"', 'b64dec "wyg="', '"\\xff"', '"a\\x80b"', '"\\xe6\\x97"',
]
wrappers = ['{{ %s }}', '{{ len (%s) }}', '{{ quote (%s) }}', '{{ squote (%s) }}', '{{ printf "%%q" (%s) }}',
            '{{ printf "%%x" (%s) }}', '{{ printf "% X" (%s) }}', '{{ printf "%%#q" (%s) }}', '{{ printf "%%+q" (%s) }}',
            '{{ b64enc (%s) }}', '{{ urlquery (%s) }}', '{{ js (%s) }}', '{{ html (%s) }}', '{{ upper (%s) }}',
            '{{ lower (%s) }}', '{{ title (%s) }}', '{{ splitList "" (%s) }}', '{{ printf "%%.1s|%%5s|%%-4s|" (%s) (%s) (%s) }}',
            '{{ nospace (%s) }}', '{{ replace "" "-" (%s) }}', '{{ trim (%s) }}', '{{ trimAll "\\xff" (%s) }}',
            '{{ cat (%s) "x" }}', '{{ list (%s) }}', '{{ printf "%%v" (list (%s)) }}', '{{ printf "%%#v" (list (%s)) }}',
            '{{ (%s) }}{{ (%s) }}', 'pre-{{ %s }}-post', '{{ toString (%s) }}', '{{ index (%s) 0 }}', '{{ printf (%s) }}',
            '{{ eq (%s) (%s) }}', '{{ lt (%s) "z" }}', '{{ contains "\\x80" (%s) }}', '{{ splitList "\\x97" (%s) }}',
            '{{ repeat 2 (%s) }}', '{{ indent 2 (%s) }}', '{{ hasPrefix "\\xe6" (%s) }}', '{{ join "\\xff" (list (%s) 1) }}',
            '{{ printf "%%c|%%U" 255 (index (%s) 0) }}', '{{ atoi (%s) }}', '{{ int (%s) }}', '{{ float64 (%s) }}']
for e in byte_exprs:
    for w in wrappers:
        c(w.replace('%s', e).replace('%%', '%'))
c('pre-{{ env "W" }}-post', env_b64={"W": b"\xff"})
c('{{ env "W" | quote }}|{{ env "W" | len }}|{{ env "W" | upper }}', env_b64={"W": b"a\xc3(\xe6\x97"})
c('{{ env "HOSTNAME" | splitList "-" | last }}', env_b64={"HOSTNAME": b"sts-\xff-2"})
c('{{ env "W" | b64enc }}', env_b64={"W": bytes(range(1, 256))})

# 4. index on a string is a uint8.
u = '(index "é" 0)'
for t in ['{{ printf "%T" U }}', '{{ printf "%#v" U }}', '{{ printf "%v|%d|%x|%X|%o|%b|%c|%q|%U|%#U|%5d|%-5d|%05d|%+d" U U U U U U U U U U U U U U }}',
          '{{ printf "" U }}', '{{ printf "%s" U }}', '{{ printf "%t" U }}', '{{ printf "%e" U }}', '{{ until U }}', '{{ U }}',
          '{{ add U 1 }}', '{{ eq U 195 }}', '{{ eq 195 U }}', '{{ lt U 200 }}', '{{ gt U -1 }}', '{{ eq U U }}', '{{ eq U "x" }}',
          '{{ list U 1 }}', '{{ printf "%#v" (list U) }}', '{{ index (list 1 2 3) (index "\\x01" 0) }}', '{{ default 5 U }}',
          '{{ default 5 (index "\\x00" 0) }}', '{{ empty (index "\\x00" 0) }}', '{{ toString U }}', '{{ int U }}', '{{ int64 U }}',
          '{{ float64 U }}', '{{ len U }}', '{{ has U (list U) }}', '{{ has 195 (list U) }}', '{{ quote U }}', '{{ cat U U }}',
          '{{ squote U }}', '{{ if U }}y{{ end }}', '{{ with U }}{{ . }}{{ end }}', '{{ range U }}{{ end }}', '{{ repeat U "x" | len }}',
          '{{ substr 0 U "abc" }}', '{{ mul U 2 }}', '{{ max U 1000 }}', '{{ ternary U 2 true }}', '{{ print U U }}', '{{ println U "a" }}',
          '{{ index "abc" 1 }}', '{{ index "abc" 3 }}', '{{ index "" 0 }}', '{{ index U 0 }}', '{{ not U }}', '{{ and U 0 }}', '{{ or 0 U }}',
          '{{ getNodeIPWithIndex U }}', '{{ printf "%*d" U 1 | len }}', '{{ printf "%[1]v" U }}', '{{ html U }}', '{{ js U }}', '{{ urlquery U }}']:
    c(t.replace('U', u))

# 5. Case mapping as Go 1.19 (Unicode 13.0) does it.
for t in ['{{ "ᾳ" | title }}', '{{ "ᾀ" | upper }}', '{{ "ანა" | title }}', '{{ "ƛ" | upper }}', '{{ "ß" | upper }}',
          '{{ "ǆ ǉ ǌ ǳ" | title }}', '{{ "ǆ" | upper }}', '{{ "ǅ" | lower }}', '{{ "İ" | lower }}', '{{ "ı" | upper }}',
          '{{ "ſ" | upper }}', '{{ "K" | lower }}', '{{ "ΐ" | upper }}', '{{ "ﬀ" | upper }}', '{{ "ꞵ" | upper }}',
          '{{ "a·b a\u00a0b a\u2003b a_b a1b a-b" | title }}', '{{ "été à l\'ombre" | title }}', '{{ "٣a ⅷa" | title }}']:
    c(t)
# Every character that any case mapping changes (by Python's Unicode,
# which is newer than Go's), in groups, through upper, lower and title.
chars = [chr(r) for r in range(0x80, 0x20000)
         if unicodedata.category(chr(r)) in ('Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'Nl', 'So', 'Mn')
         and (chr(r).upper() != chr(r) or chr(r).lower() != chr(r) or chr(r).title() != chr(r))]
for i in range(0, len(chars), 120):
    group = ''.join(chars[i:i + 120])
    for f in ['upper', 'lower', 'title']:
        c('{{ %s %s }}' % (f, json.dumps(group, ensure_ascii=False)))
    c('{{ title %s }}' % json.dumps(' '.join(chars[i:i + 120]), ensure_ascii=False))

for case in cases:
    print(json.dumps(case, ensure_ascii=False))
