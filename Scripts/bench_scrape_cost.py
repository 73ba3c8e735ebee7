#!/usr/bin/env python3
"""What scraping the admin listener costs the cache: one swiftcached with `--metrics-port`, loaded
by memtier_benchmark (get/set, 1:10), measured in alternating rounds without a scraper, with a
`/metrics` scrape every second (Prometheus' usual is 15 s) and with an aggressive one every 100 ms.
Prints first what one scrape costs the idle server in CPU time (back-to-back scrapes: a figure the
machine's other load does not blur), then, per mode, the median ops/s and p99 over the rounds and
their ratio to the rounds without a scraper, the scrapes made and their mean time, and the
server's RSS before and after (a scrape keeps nothing, so RSS must not grow with scrapes).

    python3 Scripts/bench_scrape_cost.py [--rounds 4] [--duration 10] [--intervals 1,0.1]
        [--memtier PATH] [--swiftcached .build/release/swiftcached] [--server-threads 2]

memtier_benchmark: --memtier, else $MEMTIER_BINARY, else memtier_benchmark on PATH (benchlib).
Results (memtier's JSON and output per run, summary.json) go to bench-results/scrape-cost-<time>/.
Standard library only.
"""
import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


class Scraper(threading.Thread):
    """GET /metrics every `interval` seconds until stopped; counts scrapes and their time."""

    def __init__(self, port, interval):
        super().__init__(daemon=True)
        self.url = "http://127.0.0.1:%d/metrics" % port
        self.interval = interval
        self.stopping = threading.Event()
        self.times = []
        self.failures = 0

    def run(self):
        next_at = time.monotonic()
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    response.read()
                self.times.append(time.monotonic() - started)
            except OSError:
                self.failures += 1
            next_at += self.interval
            self.stopping.wait(max(0.0, next_at - time.monotonic()))

    def stop(self):
        self.stopping.set()
        self.join(10)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def scrape_cpu(server, metrics_port, count):
    """`count` back-to-back scrapes of an otherwise idle server: (server CPU ms per scrape, less what
    the idle server takes in the same time; wall ms per scrape; answer bytes). Unlike the throughput ratios this does not drown in the machine's
    other load: it is what each scrape takes from the server, whatever else runs."""
    url = "http://127.0.0.1:%d/metrics" % metrics_port
    cpu0, started, size = server.cpu_seconds(), time.monotonic(), 0
    for _ in range(count):
        with urllib.request.urlopen(url, timeout=5) as response:
            size = len(response.read())
    elapsed, scraping = time.monotonic() - started, server.cpu_seconds() - cpu0
    # The same time without scrapes: what the server's own threads (clock, crawler) take anyway.
    cpu0 = server.cpu_seconds()
    time.sleep(elapsed)
    idle = server.cpu_seconds() - cpu0
    return (1000 * max(0.0, scraping - idle) / count, 1000 * elapsed / count, size)


def load_args(port, arguments):
    return benchlib.memtier_args(port) + [
        "-c", str(arguments.clients), "-t", str(arguments.memtier_threads), "--ratio=1:10",
        "--key-pattern=R:R", "--pipeline=%d" % arguments.pipeline, "--test-time=%d" % arguments.duration]


def measure(server, mode, interval, arguments, out, round_number):
    """One memtier run with (or without) a scraper; returns its figures."""
    scraper = Scraper(arguments.metrics_port, interval) if interval else None
    if scraper:
        scraper.start()
    meter = benchlib.CpuMeter(server)
    totals, errors, status = benchlib.run_memtier(load_args(server.port, arguments),
                                                  os.path.join(out, "%s-r%d" % (mode, round_number)))
    server_cpu, client_cpu, other = meter.finish()
    if scraper:
        scraper.stop()
    if status != 0 or errors:
        benchlib.die("memtier failed in %s round %d: status %d, %s" % (mode, round_number, status, errors[:3]), 1)
    summary = benchlib.memtier_summary(totals)
    return dict(mode=mode, round=round_number, ops=summary["ops"], p99=summary["p99"], p50=summary["p50"],
                scrapes=len(scraper.times) if scraper else 0,
                scrape_ms=(1000 * statistics.mean(scraper.times) if scraper and scraper.times else 0.0),
                scrape_failures=scraper.failures if scraper else 0,
                server_cpu=server_cpu, other_load=other, rss_kb=rss_kb(server.pid))


def parse():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=int, default=10, help="seconds per memtier run")
    parser.add_argument("--intervals", default="1,0.1", help="scrape intervals in seconds, besides no scraper")
    parser.add_argument("--memtier", help="memtier_benchmark binary (else $MEMTIER_BINARY, else PATH)")
    parser.add_argument("--swiftcached", help="server binary (else $SWIFTCACHED_BINARY, else .build/release)")
    parser.add_argument("--server-threads", type=int, default=2)
    parser.add_argument("--clients", type=int, default=25, help="memtier connections per thread")
    parser.add_argument("--memtier-threads", type=int, default=1)
    parser.add_argument("--pipeline", type=int, default=1)
    parser.add_argument("--idle-scrapes", type=int, default=1000, help="back-to-back scrapes timed on the idle server")
    return parser.parse_args()


def main():
    arguments = parse()
    if arguments.memtier:
        os.environ["MEMTIER_BINARY"] = arguments.memtier
    benchlib.memtier_path()
    binary = arguments.swiftcached or os.environ.get("SWIFTCACHED_BINARY") or benchlib.SWIFTCACHED_DEFAULT
    modes = [("none", None)] + [("every-%gs" % float(i), float(i)) for i in arguments.intervals.split(",")]
    out = os.path.join(benchlib.REPO, "bench-results", time.strftime("scrape-cost-%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    arguments.metrics_port = benchlib.free_port()
    server = benchlib.Server("swiftcached", binary, ["-m", "1024", "-t", str(arguments.server_threads),
                                                     "--metrics-port", str(arguments.metrics_port)],
                             os.path.join(out, "server.log"))
    rows = []
    try:
        print("%s; %s; %s" % (benchlib.version(binary), benchlib.uptime(), " ".join(sys.argv)), flush=True)
        benchlib.run_memtier(benchlib.memtier_args(server.port) + benchlib.prefill_args(), os.path.join(out, "prefill"))
        cpu_ms, wall_ms, size = scrape_cpu(server, arguments.metrics_port, arguments.idle_scrapes)
        print("idle: a /metrics scrape (%d bytes) takes %.2f ms of server CPU, %.2f ms end to end (%d scrapes);"
              " at 10 scrapes/s that is %.2f%% of one core" % (size, cpu_ms, wall_ms, arguments.idle_scrapes, cpu_ms),
              flush=True)
        rss_start = rss_kb(server.pid)
        for round_number in range(arguments.rounds):
            order = modes if round_number % 2 == 0 else list(reversed(modes))   # A B C, C B A, …
            for mode, interval in order:
                row = measure(server, mode, interval, arguments, out, round_number)
                rows.append(row)
                print("round %d %-11s %9.0f ops/s  p99 %6.3f ms  scrapes %4d (%.1f ms each)  other load %4.1f%%  rss %d KB"
                      % (round_number, mode, row["ops"], row["p99"], row["scrapes"], row["scrape_ms"],
                         row["other_load"], row["rss_kb"]), flush=True)
        rss_end = rss_kb(server.pid)
    finally:
        server.stop()
    report(rows, modes, rss_start, rss_end, out, dict(cpu_ms=cpu_ms, wall_ms=wall_ms, bytes=size))


def report(rows, modes, rss_start, rss_end, out, idle_scrape):
    baseline = {k: statistics.median(r[k] for r in rows if r["mode"] == "none") for k in ("ops", "p99")}
    summary = []
    print("\nmode         median ops/s  ratio   median p99 ms  ratio   scrapes  mean scrape ms  failures")
    for mode, _ in modes:
        mine = [r for r in rows if r["mode"] == mode]
        ops, p99 = statistics.median(r["ops"] for r in mine), statistics.median(r["p99"] for r in mine)
        scrapes = sum(r["scrapes"] for r in mine)
        scrape_ms = statistics.mean(r["scrape_ms"] for r in mine)
        failures = sum(r["scrape_failures"] for r in mine)
        summary.append(dict(mode=mode, ops=ops, p99=p99, ops_ratio=ops / baseline["ops"], p99_ratio=p99 / baseline["p99"],
                            scrapes=scrapes, scrape_ms=scrape_ms, failures=failures))
        print("%-12s %12.0f  %5.3f  %13.3f  %5.3f  %7d  %14.2f  %8d" % (mode, ops, ops / baseline["ops"], p99,
                                                                       p99 / baseline["p99"], scrapes, scrape_ms, failures))
    print("server RSS: %d KB after the prefill, %d KB at the end" % (rss_start, rss_end))
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(dict(rows=rows, summary=summary, rss_start_kb=rss_start, rss_end_kb=rss_end, idle_scrape=idle_scrape), f, indent=1)
    print("results in %s" % os.path.relpath(out, benchlib.REPO))


if __name__ == "__main__":
    main()
