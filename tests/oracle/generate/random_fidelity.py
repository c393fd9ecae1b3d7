"""Random cases in the shapes issue 12 was about: values without actions
against commons with top-level text and blocks, include against value-level
defines, byte cutting inside multi-byte characters, index on strings, and
case mapping of arbitrary non-ASCII text. Usage: random_fidelity.py SEED N"""
import json, random, sys

random.seed(int(sys.argv[1]))
N = int(sys.argv[2])

texts = ['"日本語"', '"é"', '"aé"', '"ǆemal"', '"ß"', '"ᾀᾳ"', '"ანა"', '"ƛ"', '"İı"', '"K"', '"x"', '""',
         '"\\xff"', '"a\\x80"', '"\\xe6\\x97\\xa5"', '"€uro"', '"ﬀ"', '" a b "', '"ΐ"']

def rand_text():
    # Random code points, from ASCII to astral, surrogates left out.
    out = []
    for _ in range(random.randint(0, 6)):
        r = random.choice([random.randint(0x20, 0x7e), random.randint(0x80, 0x7ff), random.randint(0x800, 0xd7ff),
                           random.randint(0xe000, 0xffff), random.randint(0x10000, 0x1ffff), random.choice([0x1f80, 0x1fb3, 0x10d0, 0x19b, 0xdf, 0x1c5, 0x2c65])])
        c = chr(r)
        if c in '"\\':
            c = 'q'
        out.append(c)
    return json.dumps(''.join(out), ensure_ascii=False)

def string_expr(depth=2):
    r = random.random()
    if depth <= 0 or r < 0.3:
        return random.choice(texts) if random.random() < 0.6 else rand_text()
    inner = string_expr(depth - 1)
    n = random.randint(-2, 5)
    m = random.randint(-1, 6)
    return random.choice([
        f'(substr {n} {m} {inner})', f'(trunc {n} {inner})', f'(b64dec (b64enc {inner}))',
        f'(b64dec "{random.choice(["/w==", "gA==", "wyg=", "4oKs", "4oI=", "/+7d", "YQ=="])}")',
        f'(upper {inner})', f'(lower {inner})', f'(title {inner})', f'(printf "%s%s" {inner} {string_expr(0)})',
        f'(replace "{random.choice(["", "a", "é"])}" "-" {inner})', f'(trim {inner})', f'(nospace {inner})',
        f'(toString (index {inner} 0))', f'(cat {inner} {string_expr(0)})', f'(quote {inner})',
        '(trimAll "%s" %s)' % (random.choice(["a", "é", "\\xff", " "]), inner), f'(repeat 2 {inner})',
    ])

def value_expr():
    s = string_expr()
    r = random.random()
    if r < 0.25:
        u = f'(index {s} {random.randint(0, 3)})'
        return random.choice([u, f'(printf "%T|%v|%#v|%x|%c|%q" {u} {u} {u} {u} {u} {u})', f'(add {u} 1)',
                              f'(eq {u} {random.randint(0, 255)})', f'(lt {u} 100)', f'(list {u} 1)',
                              f'(until {u})', f'(printf "%d" {u})', f'(default 7 {u})', f'(int {u})'])
    wrap = random.choice(['{}', 'len {}', 'quote {}', 'printf "%q" {}', 'printf "%x" {}', 'printf "%.2s|%4s" {} {}',
                          'b64enc {}', 'urlquery {}', 'js {}', 'html {}', 'splitList "" {}', 'upper {}', 'title {}',
                          'lower {}', 'squote {}', 'list {} {}', 'contains "é" {}', 'hasPrefix "\\xe6" {}',
                          'printf "%#v" (list {})', 'eq {} {}', 'lt {} "m"'])
    return '(' + wrap.replace('{}', s) + ')'

def action_value():
    return '{{ ' + value_expr()[1:-1] + ' }}'

# Templates without actions, and defines for the include/template mixes.
blank_values = ['', ' ', '\n', '\t', '{{/* c */}}', '{{- /* c */ -}}', ' {{/* c */}} ', '{{ define "v" }}V{{ end }}',
                '{{ define "a" }}{{ . }}{{ end }}', '\n{{ define "b" }}B{{ end }}\n']
commons = ['', '\n', ' top ', '{{ .Index }}', '{{ block "b" . }}blk{{ end }}', '{{ fail "common top ran" }}',
           '{{ define "a" }}A{{ . }}{{ end }}\n\n{{ define "b" }}B{{ end }}\n', '{{ define "a" }}{{ include "b" . }}{{ end }}{{ define "b" }}b{{ end }}',
           '{{ define "c" }}{{ template "a" . }}{{ end }}']

def include_value():
    defs = ''.join('{{ define "%s" }}%s{{ end }}' % (n, random.choice(['v', '{{ . }}', '', ' ', '{{ include "b" . }}']))
                   for n in random.sample(['a', 'b', 'c', 'd'], random.randint(0, 2)))
    call = random.choice(['{{ include "%s" %s }}', '{{ template "%s" %s }}', '{{ include "%s" %s | upper }}',
                          '{{ block "%s" %s }}blk{{ end }}']) % (random.choice(['a', 'b', 'c', 'd', '']), random.choice(['.', '1', '"s"', '$']))
    return defs + random.choice(['', ' ', 'x']) + call

out = []
for i in range(N):
    r = random.random()
    common = random.choice(commons)
    if r < 0.2:
        template = random.choice(blank_values) + random.choice(['', random.choice(blank_values)])
    elif r < 0.4:
        template = include_value()
    else:
        template = action_value()
        common = random.choice(['', common])
    out.append({'name': f'z{i}', 'common': common, 'index': random.choice([0, 2, 7]), 'env': {'HOSTNAME': 'sts-pod-3'},
                'template': template})
for o in out:
    print(json.dumps(o, ensure_ascii=False))
