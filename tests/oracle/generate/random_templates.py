import json, random, sys
random.seed(int(sys.argv[1]))
bodies = ['A', '{{ . }}', '{{ .Index }}', '{{ $ }}', '{{ template "b" . }}', '{{ include "b" . }}', '{{ include "b" . | upper }}', ' ', '',
          '{{ add 1 . }}', '{{ if . }}t{{ else }}f{{ end }}', '{{ range . }}[{{ . }}]{{ end }}', '{{ template "c" }}', '{{- . -}}', '\n{{ . }}\n',
          '{{ define "x" }}X{{ end }}', '{{ block "d" . }}D{{ end }}', '{{ $x := . }}{{ $x }}', '{{ fail "f" }}']
args = ['.', '$', '1', '"s"', '(list 1 2)', 'nil', '(first (list))', '.Index', '']
def defs(names):
    return ''.join('{{ define "%s" }}%s{{ end }}' % (n, random.choice(bodies)) for n in names)
out=[]
for i in range(int(sys.argv[2])):
    common = defs(random.sample(['a','b','c','d'], random.randint(0,3))) + random.choice(['', ' ', 'top', '{{ .Index }}', '\n'])
    call = random.choice(['{{ template "%s" %s }}', '{{ include "%s" %s }}', '{{ block "%s" %s }}B{{ end }}']) % (random.choice('abcdx'), random.choice(args))
    if call.startswith('{{ include') and call.endswith('  }}'): call = call.replace('  }}', ' . }}')
    value = random.choice(['', defs(random.sample(['a','b','c'], random.randint(0,2)))]) + random.choice(['', ' ', call, call + call, 'v'])
    out.append({'name': f't{i}', 'common': common, 'index': random.choice([0,3]), 'env': {}, 'template': value})
for o in out: print(json.dumps(o))
