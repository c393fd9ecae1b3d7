#!/usr/bin/env python3
"""Log pass-through benchmark for kubevali (run by `make bench`).

The producer is `cat LOGFILE` (1 GiB of Substrate-style lines, generated once
by genlog.py and kept in target/bench/). Measured in alternating pairs:

  pass-through:  producer | cat            vs  kubevali (watchlog on, pinging a
                                               loopback listener) running the producer
  zero-copy:     producer alone            vs  kubevali (watchlog off) running the producer
  scraped:       kubevali as in pass-through  vs  the same with `http.listen` set and
                 /metrics and /healthz fetched every second while it runs

each with the output going to /dev/null ("null") and, closer to a container
runtime, into a pipe read by another `cat > /dev/null` ("pipe").

kubevali's own CPU time is its rusage (which includes the children it
reaped) minus the producer's, which /usr/bin/time around the producer
reports separately. Its peak RSS is VmHWM from /proc, sampled until it exits.
"""
import argparse
import http.server
import os
import statistics
import subprocess
import sys
import tempfile
import socket
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
KEYWORD = "Prepared block"
MIB = 1 << 20


def producer_cmd(timefile, data):
    return ["/usr/bin/time", "-f", "%U %S", "-o", timefile, "cat", data]


def read_time(timefile):
    with open(timefile) as f:
        user, sys_ = f.read().split()[-2:]
    return float(user) + float(sys_)


def rusage_cpu(ru):
    return ru.ru_utime + ru.ru_stime


def write_config(path, node_argv, ping_url=None, http_port=None):
    quoted = ", ".join("'" + a.replace("'", "''") + "'" for a in node_argv)
    text = f"""nodeTemplate:
  index: "0"
  command: [{quoted}]
"""
    if ping_url:
        text += f"""watchlog:
  enabled: true
  keyword: "{KEYWORD}"
  lastThreshold: 5m
  healthcheckIDs: ["bench"]
  pingBaseURL: "{ping_url}"
  pingInterval: 1s
  pingTimeout: 2s
"""
    if http_port:
        text += f"""http:
  listen: "127.0.0.1:{http_port}"
"""
    with open(path, "w") as f:
        f.write(text)


class PingListener:
    """A loopback Healthchecks stand-in that answers every ping with 200, so
    the pass-through runs with watchlog really pinging."""

    def __init__(self):
        listener = self
        self.pings = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                listener.pings += 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


class Sink:
    """Where the measured command's stdout goes: /dev/null, or a pipe into cat."""

    def __init__(self, kind):
        self.kind = kind
        self.reader = None

    def __enter__(self):
        if self.kind == "null":
            self.fd = os.open(os.devnull, os.O_WRONLY)
        else:
            r, w = os.pipe()
            self.reader = subprocess.Popen(["cat"], stdin=r, stdout=subprocess.DEVNULL)
            os.close(r)
            self.fd = w
        return self.fd

    def __exit__(self, *exc):
        os.close(self.fd)
        if self.reader:
            self.reader.wait()


def peak_rss_sampler(pid, out):
    """Samples VmHWM of pid until it is gone; stores the last value (KiB)."""
    path = f"/proc/{pid}/status"
    while True:
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        out[0] = int(line.split()[1])
                        break
        except OSError:
            return
        time.sleep(0.005)


def run_cat(data, sink_kind, tmp):
    """producer | cat > sink: wall seconds and cat's CPU seconds."""
    timefile = os.path.join(tmp, "producer.time")
    with Sink(sink_kind) as out:
        start = time.perf_counter()
        producer = subprocess.Popen(producer_cmd(timefile, data), stdout=subprocess.PIPE)
        consumer = subprocess.Popen(["cat"], stdin=producer.stdout, stdout=out)
        producer.stdout.close()
        producer.wait()
        _, status, ru = os.wait4(consumer.pid, 0)
        consumer.returncode = status
        wall = time.perf_counter() - start
    return wall, rusage_cpu(ru), read_time(timefile)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scraper(port, stop, counts):
    """Fetches /metrics and /healthz once a second, as Prometheus and the
    kubelet would, until `stop` is set."""
    while not stop.wait(1.0):
        for path in ("/metrics", "/healthz"):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
                    r.read()
                counts[0] += 1
            except OSError:
                counts[1] += 1


def run_kubevali(binary, config, sink_kind, tmp, scrape_port=None, scrapes=None):
    """kubevali running the producer: wall, own CPU seconds, peak RSS KiB."""
    timefile = os.path.join(tmp, "producer.time")
    with Sink(sink_kind) as out:
        start = time.perf_counter()
        proc = subprocess.Popen([binary, "--config", config], stdout=out, stderr=subprocess.DEVNULL)
        rss = [0]
        sampler = threading.Thread(target=peak_rss_sampler, args=(proc.pid, rss))
        sampler.start()
        stop = threading.Event()
        if scrape_port:
            threading.Thread(target=scraper, args=(scrape_port, stop, scrapes), daemon=True).start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        stop.set()
        sampler.join()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"kubevali exited with {code}")
    producer_cpu = read_time(timefile)
    return wall, rusage_cpu(ru) - producer_cpu, rss[0], producer_cpu


def run_alone(data, sink_kind, tmp):
    timefile = os.path.join(tmp, "producer.time")
    with Sink(sink_kind) as out:
        start = time.perf_counter()
        subprocess.run(producer_cmd(timefile, data), stdout=out, check=True)
        wall = time.perf_counter() - start
    return wall, read_time(timefile)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/kubevali")
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--data-dir", default="target/bench")
    ap.add_argument("--sinks", default="null,pipe")
    ap.add_argument("--paths", default="pass-through,zero-copy,scraped")
    args = ap.parse_args()

    os.makedirs(args.data_dir, exist_ok=True)
    data = os.path.abspath(os.path.join(args.data_dir, f"node-log-{args.size_mib}m.txt"))
    size = args.size_mib * MIB
    if not os.path.exists(data) or os.path.getsize(data) != size:
        print(f"generating {data} ({args.size_mib} MiB, once)...", flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, "genlog.py"), data, str(size)], check=True)
    gib = size / (1 << 30)
    binary = os.path.abspath(args.bin)

    with tempfile.TemporaryDirectory(prefix="kubevali-bench-") as tmp:
        timefile = os.path.join(tmp, "producer.time")
        watch_cfg = os.path.join(tmp, "watch.yaml")
        plain_cfg = os.path.join(tmp, "plain.yaml")
        listener = PingListener()
        write_config(watch_cfg, producer_cmd(timefile, data), ping_url=listener.url)
        write_config(plain_cfg, producer_cmd(timefile, data))
        http_port = free_port()
        http_cfg = os.path.join(tmp, "http.yaml")
        write_config(http_cfg, producer_cmd(timefile, data), ping_url=listener.url, http_port=http_port)
        scrapes = [0, 0]
        subprocess.run(["cat", data], stdout=subprocess.DEVNULL, check=True)  # page cache

        print(f"machine: {machine()}")
        print(f"data: {args.size_mib} MiB, {args.pairs} alternating pairs per row; medians\n")
        print(f"{'sink':5} {'path':13} {'kubevali s':>10} {'MB/s':>6} {'baseline s':>10} {'MB/s':>6} "
              f"{'ratio':>6} {'best':>6} {'kv CPU-s/GiB':>12} {'cat CPU-s/GiB':>13} {'kv peak RSS':>11}")
        paths = args.paths.split(",")
        for sink in args.sinks.split(","):
            if "pass-through" in paths:
                pass_through(args, binary, data, sink, tmp, watch_cfg, size, gib)
            if "zero-copy" in paths:
                zero_copy(args, binary, data, sink, tmp, plain_cfg, size)
            if "scraped" in paths:
                scraped(args, binary, sink, tmp, watch_cfg, http_cfg, http_port, scrapes, size, gib)
        listener.close()
        print(f"\npings received by the loopback listener: {listener.pings}")
        if "scraped" in paths:
            print(f"scrapes answered: {scrapes[0]}, failed: {scrapes[1]}")
        print("baseline: pass-through = producer | cat; zero-copy = producer alone;"
              " scraped = kubevali as in pass-through, not scraped (its CPU in the cat column)."
              "\nratio = median of per-pair kubevali/baseline wall times;"
              " best = fastest kubevali run / fastest baseline run.")


def alternate(pairs, run_base, run_kv):
    """Runs the baseline and kubevali in alternating pairs (A B, B A, ...).
    Each runner gives (wall s, CPU s or None, peak RSS KiB or None); the
    result is both series and the per-pair wall-time ratios."""
    base, kv, ratios = [], [], []
    for i in range(pairs):
        for which in ((0, 1) if i % 2 == 0 else (1, 0)):
            (base, kv)[which].append((run_base, run_kv)[which]())
        ratios.append(kv[-1][0] / base[-1][0])
    return base, kv, ratios


def columns(base, kv, gib, with_cpu):
    """The CPU and RSS columns of a row."""
    rss = f"{max(r[2] for r in kv) / 1024:8.2f} MiB"
    if not with_cpu:
        return f"{'':12} {'':13} {rss}"
    kv_cpu = statistics.median(r[1] / gib for r in kv)
    base_cpu = statistics.median(r[1] / gib for r in base)
    return f"{kv_cpu:12.3f} {base_cpu:13.3f} {rss}"


def pass_through(args, binary, data, sink, tmp, watch_cfg, size, gib):
    base, kv, ratios = alternate(
        args.pairs,
        lambda: run_cat(data, sink, tmp)[:2],
        lambda: run_kubevali(binary, watch_cfg, sink, tmp)[:3],
    )
    row(sink, "pass-through", [r[0] for r in kv], [r[0] for r in base], ratios, size,
        columns(base, kv, gib, with_cpu=True))


def zero_copy(args, binary, data, sink, tmp, plain_cfg, size):
    base, kv, ratios = alternate(
        args.pairs,
        lambda: run_alone(data, sink, tmp),
        lambda: run_kubevali(binary, plain_cfg, sink, tmp)[:3],
    )
    row(sink, "zero-copy", [r[0] for r in kv], [r[0] for r in base], ratios, size,
        columns(base, kv, 1, with_cpu=False))


def scraped(args, binary, sink, tmp, watch_cfg, http_cfg, port, scrapes, size, gib):
    """kubevali with the endpoint scraped every second against the same
    kubevali without it: the baseline columns are kubevali's own."""
    base, kv, ratios = alternate(
        args.pairs,
        lambda: run_kubevali(binary, watch_cfg, sink, tmp)[:3],
        lambda: run_kubevali(binary, http_cfg, sink, tmp, port, scrapes)[:3],
    )
    row(sink, "scraped", [r[0] for r in kv], [r[0] for r in base], ratios, size,
        columns(base, kv, gib, with_cpu=True))


def row(sink, path, kv, base, ratios, size, rest):
    mk, mb = statistics.median(kv), statistics.median(base)
    best = min(kv) / min(base)
    print(f"{sink:5} {path:13} {mk:10.3f} {size / mk / 1e6:6.0f} {mb:10.3f} {size / mb / 1e6:6.0f} "
          f"{statistics.median(ratios):6.3f} {best:6.3f} {rest}", flush=True)


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Linux {os.uname().release}"


if __name__ == "__main__":
    main()
