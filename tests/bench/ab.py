#!/usr/bin/env python3
"""Two kubevali builds against each other on the log path, in alternating
pairs (old new, new old, ...), with bench.py's own runner and data:

    OLD_BIN=/tmp/kubevali-0.5 NEW_BIN=target/release/kubevali python3 tests/bench/ab.py [PAIRS]

Run `make bench` once first, so that target/bench/node-log-1024m.txt exists.
"""
import sys, os, statistics, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench
data = os.path.abspath(os.environ.get('BENCH_DATA', 'target/bench/node-log-1024m.txt'))
gib = os.path.getsize(data) / (1 << 30)
bins = {'old': os.environ['OLD_BIN'], 'new': os.environ['NEW_BIN']}
pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
with tempfile.TemporaryDirectory() as tmp:
    timefile = os.path.join(tmp, 'producer.time')
    listener = bench.PingListener()
    watch = os.path.join(tmp, 'w.yaml'); plain = os.path.join(tmp, 'p.yaml')
    bench.write_config(watch, bench.producer_cmd(timefile, data), ping_url=listener.url)
    bench.write_config(plain, bench.producer_cmd(timefile, data))
    for cfg_name, cfg in (('pass-through', watch), ('zero-copy', plain)):
        for sink in ('null', 'pipe'):
            res = {k: ([], [], []) for k in bins}
            for i in range(pairs):
                order = list(bins) if i % 2 == 0 else list(reversed(list(bins)))
                for k in order:
                    wall, cpu, rss, _ = bench.run_kubevali(bins[k], cfg, sink, tmp)
                    res[k][0].append(wall); res[k][1].append(cpu / gib); res[k][2].append(rss)
            line = f"{sink:5} {cfg_name:13}"
            for k in bins:
                w, c, r = res[k]
                line += f" | {k}: wall med {statistics.median(w):.3f} min {min(w):.3f}  cpu/GiB med {statistics.median(c):.3f}  rss {max(r)/1024:.2f} MiB"
            print(line, flush=True)
    listener.close()
