import json, random, sys
random.seed(int(sys.argv[1]))
pieces = [' ', ' ', '\n', '\t', '\r', 'a', 'b', '{', '}', '-', '{{', '{{', '{{- ', '{{-', ' -}}', '-}}', '}}', '}}', '/*', '*/', '{{/*', '*/}}',
          '-3', '3', '3.5', '.Index', '"s"', '`r`', '(', ')', '|', 'print', 'printf "%v"', '$x := 1', '$x', '$', '.', 'add 1', 'if 1', 'else', 'end',
          'range until 2', 'with 0', 'define "t"', 'template "t"', 'block "b" .', 'break', 'continue', ',', ':=', '=', "'c'", 'nil', 'true', '0x1F', '1e2',
          'len', 'and 0', 'or 1', 'not', 'eq 1', '$y', '$.Index', '.Index.X', '(.)', '"\\n"', 'é', '@', '#', '  ', '\n\n']
out = []
for i in range(int(sys.argv[2])):
    n = random.randint(1, 14)
    t = ''.join(random.choice(pieces) for _ in range(n))
    # bias towards well-formed actions
    if random.random() < 0.5:
        a = ''.join(random.choice(pieces[20:]) + random.choice(['', ' ']) for _ in range(random.randint(1, 5)))
        t = random.choice(['', ' ', 'x ', '\n']) + random.choice(['{{', '{{- ', '{{ ']) + a + random.choice(['}}', ' -}}', ' }}']) + random.choice(['', ' ', ' y', '\n'])
    out.append({'name': f'l{i}', 'common': random.choice(['', '', '{{ define "t" }}T{{ end }}', 'c{{ define "b" }}B{{ end }}']), 'index': 1, 'env': {}, 'template': t})
for o in out: print(json.dumps(o, ensure_ascii=False))
