import json, random, sys
random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
funcs = {
 'add': (0,4), 'add1': (1,1), 'sub': (2,2), 'mul': (1,3), 'div': (2,2), 'mod': (2,2), 'max': (1,3), 'min': (1,3),
 'atoi': (1,1), 'int': (1,1), 'int64': (1,1), 'float64': (1,1), 'toString': (1,1), 'trim': (1,1), 'trimAll': (2,2),
 'trimPrefix': (2,2), 'trimSuffix': (2,2), 'upper': (1,1), 'lower': (1,1), 'title': (1,1), 'replace': (3,3), 'repeat': (2,2),
 'contains': (2,2), 'hasPrefix': (2,2), 'hasSuffix': (2,2), 'quote': (0,3), 'squote': (0,3), 'cat': (0,3), 'indent': (2,2),
 'nindent': (2,2), 'nospace': (1,1), 'trunc': (2,2), 'substr': (3,3), 'default': (1,3), 'empty': (1,1), 'coalesce': (0,3),
 'ternary': (3,3), 'b64enc': (1,1), 'b64dec': (1,1), 'splitList': (2,2), 'join': (2,2), 'first': (1,1), 'last': (1,1),
 'rest': (1,1), 'initial': (1,1), 'list': (0,3), 'has': (2,2), 'until': (1,1), 'and': (1,3), 'or': (1,3), 'not': (1,1),
 'eq': (1,3), 'ne': (2,2), 'lt': (2,2), 'le': (2,2), 'gt': (2,2), 'ge': (2,2), 'len': (1,1), 'index': (1,3), 'print': (0,3),
 'println': (0,3), 'printf': (1,3), 'mustLast': (1,1), 'mustFirst': (1,1), 'compact': (1,1), 'concat': (0,2), 'tuple': (0,2),
}
lits = ['0', '1', '-1', '2', '7', '3.5', '-2.5', '1e3', '0x10', "'a'", 'true', 'false', 'nil', '"x"', '""', '"08"', '"010"', '"0x1f"',
        '"1.0"', '"-3"', '" 5 "', '"abc"', '"a-b-c"', '"é"', '"a b\\tc\\n"', '"%d"', '"%s-%v"', '"%05.1f"', '"%q"', '"%x"', '"%T"',
        '.Index', '$', '.', '(list 1 2)', '(list)', '(list "a" nil)', '(splitList "-" "a-b")', '(until 3)', '(env "HOSTNAME")', '(env "NONE")',
        '"-"', '","', '"YWJj"', '"YQ="', '(first (list))', '9223372036854775807', '"9223372036854775808"', '"1_0"', '"0b11"', '"+4"']
names = list(funcs)
def expr(depth):
    if depth <= 0 or random.random() < 0.35:
        return random.choice(lits)
    f = random.choice(names)
    lo, hi = funcs[f]
    n = random.randint(lo, hi)
    if random.random() < 0.1: n += 1
    args = [expr(depth - 1) for _ in range(n)]
    s = ' '.join([f] + args)
    return '(' + s + ')'
def pipeline():
    e = expr(3)
    if random.random() < 0.4:
        f = random.choice(names)
        lo, hi = funcs[f]
        n = max(0, random.randint(lo, hi) - 1)
        e = e + ' | ' + ' '.join([f] + [expr(1) for _ in range(n)])
    return e
out = []
for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 2000):
    t = '{{ ' + pipeline() + ' }}'
    r = random.random()
    if r < 0.1: t = '{{ if ' + pipeline() + ' }}T{{ else }}F{{ end }}'
    elif r < 0.15: t = '{{ range ' + pipeline() + ' }}[{{ . }}]{{ else }}E{{ end }}'
    elif r < 0.2: t = '{{ with ' + pipeline() + ' }}<{{ . }}>{{ end }}'
    out.append({'name': f'r{i}', 'common': '', 'index': random.choice([0, 2, 11]), 'env': {'HOSTNAME': 'sts-pod-3'}, 'template': t})
for o in out: print(json.dumps(o, ensure_ascii=False))
