#!/usr/bin/env python3
"""Thread scaling: ops/s and ops per server-CPU-second against the number of worker threads (-t),
swiftcached side by side with memcached 1.6, in alternating rounds.

For each worker count N both servers start with `-t N` (and the same -m), are prefilled with every
key, and then memtier_benchmark (text protocol, 1:10 set:get, 100-byte values, random keys) runs
against one, then the other, the order flipping each round; the server not measured is stopped
(SIGSTOP) meanwhile. Each run reports ops/s and ops per server-CPU-second (the server's user +
system time from /proc/PID/stat over the run), each N ends with the medians, the median of the
per-round ratios swiftcached / memcached, and each server's ops/s relative to its own at the
smallest N.

Placement: with at least N + 1 cores, the server is pinned (taskset) to cores 0..N-1 and the load
generator to the cores after them, so the server's threads never wait for the client's. With fewer
cores the two share all of them, and the output says so: ops/s then measures the machine as much
as the server, and ops per server-CPU-second is the figure to compare. `--client-threads auto`
gives memtier one thread per core it is pinned to (at most 8; 2 when the cores are shared), so
that the load generator grows with the room it has. Each run also reports how many cores memtier
kept busy ("client cores"): near its core count, the client, not the server, set the pace.

Usage:
  python3 Scripts/bench_thread_scaling.py --memtier <path to memtier_benchmark>
      [--workers 1,2] [--rounds 3] [--duration 5] [--connections 50] [--client-threads 2|auto]
      [--pipeline 1] [--ratio 1:10]
      [--swiftcached .build/release/swiftcached] [--memcached memcached] [--baseline BUILD] [--out DIR]
  (or name memtier_benchmark in $MEMTIER_BINARY / $MEMTIER, or put it on PATH)

Results: bench-results/thread-scaling-<date>/ (gitignored): rows.json, summary.txt and every
tool's output. Exit status 1 when memtier reported errors, 2 when a tool is missing.
"""
import argparse
import datetime
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from bench import Report  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workers", default="1,2", help="comma-separated -t values (default 1,2)")
    p.add_argument("--rounds", type=int, default=3, help="runs per server and worker count (default 3)")
    p.add_argument("--duration", type=int, default=5, help="seconds per memtier run (default 5)")
    p.add_argument("--connections", type=int, default=50, help="client connections in all (default 50)")
    p.add_argument("--client-threads", default="2",
                   help="memtier threads, or auto: one per memtier core, at most 8 (default 2)")
    p.add_argument("--pipeline", type=int, default=1, help="memtier --pipeline (default 1)")
    p.add_argument("--ratio", default="1:10", help="memtier set:get --ratio (default 1:10)")
    p.add_argument("--keys", type=int, default=100000, help="key count (default 100000)")
    p.add_argument("--memory", type=int, default=256, help="server -m, MB (default 256)")
    p.add_argument("--memtier", help="memtier_benchmark binary (default $MEMTIER_BINARY, $MEMTIER, PATH)")
    p.add_argument("--swiftcached", help="server binary (default .build/release/swiftcached)")
    p.add_argument("--memcached", help="server binary (default memcached on PATH)")
    p.add_argument("--baseline", help="compare with this swiftcached build (labelled baseline) instead of "
                   "memcached: a before/after measurement of a change")
    p.add_argument("--out", help="results directory (default bench-results/thread-scaling-<date>)")
    args = p.parse_args()
    args.workers = [int(n) for n in args.workers.split(",")]
    args.labels = ("swiftcached", "baseline" if args.baseline else "memcached")
    if args.memtier:
        if not os.access(args.memtier, os.X_OK):
            benchlib.die("--memtier %s is not an executable memtier_benchmark" % args.memtier)
        os.environ["MEMTIER_BINARY"] = args.memtier  # what benchlib.memtier_path() reads
    return args


def placement(workers, cores):
    """(server cores, client cores, note) for N workers: disjoint when the machine has room."""
    if cores >= workers + 1:
        return ("0-%d" % (workers - 1), "%d-%d" % (workers, cores - 1),
                "server on cores 0-%d, memtier on cores %d-%d" % (workers - 1, workers, cores - 1))
    return (None, None, "SHARED CORES: %d cores, fewer than %d workers + 1 for memtier, so server and "
            "memtier share them all (no taskset); compare ops per server-CPU-second" % (cores, workers))


def client_threads(args, client_cores):
    """memtier's thread count: the number given, or with auto one per core it is pinned to (≤ 8)."""
    if args.client_threads != "auto":
        return int(args.client_threads)
    if client_cores is None:
        return 2
    first, last = (int(c) for c in client_cores.split("-"))
    return max(1, min(8, last - first + 1))


def measure(args, server, workers, r, client_cores, out):
    """One timed memtier run against a running, prefilled server; returns a result row."""
    threads = client_threads(args, client_cores)
    load = benchlib.memtier_args(server.port, key_max=100000 + args.keys - 1)
    load += ["-t", str(threads), "-c", str(max(1, args.connections // threads)),
             "--pipeline=%d" % args.pipeline,
             "--ratio=" + args.ratio, "--key-pattern=R:R", "--test-time=%d" % args.duration]
    meter = benchlib.CpuMeter(server)
    totals, errors, status = benchlib.run_memtier(
        load, os.path.join(out, "run-t%d-%d-%s" % (workers, r, server.label)), client_cores,
        timeout=args.duration * 10 + 120)
    server_cpu, client_cpu, other = meter.finish()
    ops = benchlib.memtier_summary(totals)["ops"]
    return dict(workers=workers, round=r, server=server.label, ops=ops,
                ops_per_cpu=ops * args.duration / server_cpu if server_cpu else 0.0,
                server_cpu_s=server_cpu, client_cpu_s=client_cpu, other_load_pct=other,
                errors=len(errors) + (status != 0))


def prefill(args, servers, client_cores, workers, out):
    for label, server in servers.items():
        _, errors, status = benchlib.run_memtier(
            benchlib.memtier_args(server.port, key_max=100000 + args.keys - 1) + benchlib.prefill_args(),
            os.path.join(out, "prefill-t%d-%s" % (workers, label)), client_cores)
        if status != 0 or errors:
            benchlib.die("prefill of %s failed: %s" % (label, errors[:1] or status), 1)


def run_workers(args, report, binaries, workers, out):
    """Both servers at -t N, prefilled, then the alternating rounds; returns the rows."""
    server_cores, client_cores, note = placement(workers, os.cpu_count())
    report("\n== -t %d: %s — %s" % (workers, note, benchlib.uptime()))
    flags = ["-t", str(workers), "-m", str(args.memory), "-c", "4096"]
    servers = {label: benchlib.Server(label, binaries[label], flags,
                                      os.path.join(out, "server-t%d-%s.log" % (workers, label)),
                                      wrapper=benchlib.taskset(server_cores))
               for label in args.labels}
    rows = []
    try:
        prefill(args, servers, client_cores, workers, out)
        for r in range(1, args.rounds + 1):
            for label in (args.labels if r % 2 == 1 else args.labels[::-1]):
                for other in servers.values():
                    other.pause()
                servers[label].resume()
                row = measure(args, servers[label], workers, r, client_cores, out)
                if not servers[label].alive():
                    benchlib.die("%s exited during -t %d round %d" % (label, workers, r), 1)
                report("  %-5d %-12s %10.0f %12.0f %8.2f %8.2f %7.1f %6d" % (
                    r, label, row["ops"], row["ops_per_cpu"], row["server_cpu_s"],
                    row["client_cpu_s"] / args.duration, row["other_load_pct"], row["errors"]))
                rows.append(row)
    finally:
        for server in servers.values():
            server.stop()
    return rows


def median_of(rows, workers, server, metric):
    values = [r[metric] for r in rows if r["workers"] == workers and r["server"] == server and r[metric]]
    return statistics.median(values) if values else 0.0


def ratio_median(rows, workers, metric, labels):
    """Median over rounds of swiftcached / the other server."""
    ours, other = labels
    by = {(r["round"], r["server"]): r[metric] for r in rows if r["workers"] == workers}
    ratios = [by[(k, ours)] / by[(k, other)] for k in {r for r, _ in by}
              if by.get((k, other)) and (k, ours) in by]
    return statistics.median(ratios) if ratios else float("nan")


def summarize(report, rows, workers_list, labels):
    report("\nworkers  server        ops/s med  ops/cpu-s med  ops/s vs -t %d" % workers_list[0])
    for workers in workers_list:
        for server in labels:
            base = median_of(rows, workers_list[0], server, "ops")
            ops = median_of(rows, workers, server, "ops")
            report("%7d  %-12s %11.0f %14.0f %14.2f" % (
                workers, server, ops, median_of(rows, workers, server, "ops_per_cpu"), ops / base if base else 0.0))
        report("%7d  RATIO %-6s %11.3f %14.3f" % (
            workers, "sw/" + labels[1][:2], ratio_median(rows, workers, "ops", labels),
            ratio_median(rows, workers, "ops_per_cpu", labels)))


def main():
    args = parse_args()
    benchlib.memtier_path()
    sw, mc = benchlib.server_binaries(args.swiftcached, args.memcached)
    binaries = {"swiftcached": sw, args.labels[1]: args.baseline or mc}
    benchlib.raise_fd_limit(4096 + 1200)
    out = args.out or os.path.join(benchlib.REPO, "bench-results",
                                   "thread-scaling-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    report = Report(os.path.join(out, "summary.txt"))
    report("swiftcached %s | %s %s | nproc %d | workers %s | %d rounds of %d s | %d connections, "
           "memtier -t %s, pipeline %d | text %s set:get, 100 B, %d keys" % (
               benchlib.version(sw), args.labels[1], args.baseline or benchlib.version(mc), os.cpu_count(), args.workers, args.rounds,
               args.duration, args.connections, args.client_threads, args.pipeline, args.ratio, args.keys))
    report("  %-5s %-12s %10s %12s %8s %8s %7s %6s" % ("round", "server", "ops/s", "ops/cpu-s", "cpu s",
                                                       "client cores", "other%", "errors"))
    rows = []
    for workers in args.workers:
        rows += run_workers(args, report, binaries, workers, out)
    summarize(report, rows, args.workers, args.labels)
    with open(os.path.join(out, "rows.json"), "w") as f:
        json.dump(rows, f, indent=1)
    errors = sum(r["errors"] for r in rows)
    if errors:
        report("ERRORS: %d runs with errors (memtier output in %s)" % (errors, out))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
