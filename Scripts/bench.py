#!/usr/bin/env python3
"""Side-by-side benchmark suite: swiftcached against memcached 1.6 with the same server
flags and the same load, in alternating rounds.

For each mode and workload both servers are started with the same -t / -m / -c (while one is
measured the other is stopped with SIGSTOP, so its background threads cannot take CPU from it: in
the pinned mode both share one core), each is prefilled
with every key, and then the load runs against one, then the other, round after round (the order
flips each round: A B, B A, A B, ... so drift in the shared machine's load hits both alike). Every
run prints ops/s and p50 / p99 / p99.9 latency; each workload ends with the medians and the median
of the per-round ratios swiftcached / memcached (> 1 is better for ops/s, < 1 for latencies).

Workloads (memtier_benchmark, 100,000 keys, prefilled; 1:10 set:get unless noted):
  text      (a) text protocol, 100-byte values, 50 connections
  pipeline  (b) as text with --pipeline=16
  multiget  (c) as text with gets of 10 keys each (memtier --multi-key-get=10: 1 set : 1 10-key get)
  large     (d) as text with 4,096-byte values
  conns     (e) as text with 1,000 connections
  binary    (f) as text over the binary protocol
  memcslap  second opinion with memcslap (Debian's libmemcached-tools): its set test then its get
            test, 50 threads; ops/s only (memcslap reports no latencies)
Modes:
  unpinned  servers -t THREADS (default 2), memtier -t 2, no affinity
  pinned    servers -t 1 pinned to CPU 0 (taskset), the load generator pinned to CPU 1

Usage:
  export PATH=<folder of memtier_benchmark>:$PATH    # memtier_benchmark (see benchlib.MEMTIER_HINT)
  python3 Scripts/bench.py                   # everything: ~20 minutes
  python3 Scripts/bench.py --smoke           # 1 round of 2 s per workload: a check that it all runs
  python3 Scripts/bench.py --workloads text,pipeline --modes pinned --rounds 5 --duration 20
  python3 Scripts/bench.py --resummarize bench-results/bench-<date>   # summary.json again from runs.csv
Then: <venv with matplotlib>/bin/python Scripts/plot_bench.py bench-results/bench-<date>

Results: bench-results/bench-<date>/ (gitignored): runs.csv (one row per run), summary.json
(configuration, machine load, medians and ratios per workload and mode), summary.txt (the printed
report), and every tool's output. Exit status 1 when a load generator reported errors (connection
errors, failed requests), 2 when a tool is missing. Not part of Scripts/test.sh or CI (too long).
"""
import argparse
import csv
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

WORKLOADS = {  # name: (issue letter, description, memtier settings)
    "text": ("a", "text, 1:10 set:get, 100 B, 50 conns", dict()),
    "pipeline": ("b", "text, pipeline 16", dict(pipeline=16)),
    "multiget": ("c", "text, 10-key multi-get", dict(multiget=10)),
    "large": ("d", "text, 4 KB values", dict(data_size=4096)),
    "conns": ("e", "text, 1,000 connections", dict(connections=1000)),
    "binary": ("f", "binary protocol", dict(protocol="memcache_binary")),
    "memcslap": ("a'", "memcslap set then get, 50 threads", None),
}
MODES = ("unpinned", "pinned")
SERVERS = ("swiftcached", "memcached")
METRICS = ("ops", "p50", "p99", "p999", "ops_per_cpu")
CSV_FIELDS = ("mode", "workload", "round", "server", "ops", "p50", "p99", "p999", "hit", "ops_per_cpu",
              "server_cpu_s", "client_cpu_s", "other_load_pct", "errors")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated names (default: all)")
    p.add_argument("--modes", default=",".join(MODES), help="unpinned,pinned (default: both)")
    p.add_argument("--rounds", type=int, default=3, help="runs per server and workload (default 3)")
    p.add_argument("--duration", type=int, default=10, help="seconds per memtier run (default 10)")
    p.add_argument("--threads", type=int, default=2, help="server -t in the unpinned mode (default 2)")
    p.add_argument("--memory", type=int, default=1024, help="server -m, MB (default 1024: 100k 4 KB values fit)")
    p.add_argument("--max-conns", type=int, default=4096, help="server -c (default 4096)")
    p.add_argument("--keys", type=int, default=100000, help="key count (default 100000)")
    p.add_argument("--memcslap-execute", type=int, default=10000, help="memcslap --execute-number (default 10000)")
    p.add_argument("--smoke", action="store_true", help="1 round of 2 s, memcslap 1000: does everything run?")
    p.add_argument("--swiftcached", help="server binary (default .build/release/swiftcached)")
    p.add_argument("--memcached", help="reference binary (default memcached on PATH)")
    p.add_argument("--out", help="results directory (default bench-results/bench-<date>)")
    a = p.parse_args()
    if a.smoke:
        a.rounds, a.duration, a.memcslap_execute = 1, 2, 1000
    a.workloads = a.workloads.split(",")
    a.modes = a.modes.split(",")
    for w in a.workloads:
        if w not in WORKLOADS:
            benchlib.die("unknown workload %r (known: %s)" % (w, ", ".join(WORKLOADS)))
    for m in a.modes:
        if m not in MODES:
            benchlib.die("unknown mode %r (known: %s)" % (m, ", ".join(MODES)))
    return a


class Report:
    """Prints to the terminal and to summary.txt."""

    def __init__(self, path):
        self.file = open(path, "w")

    def __call__(self, text=""):
        print(text, flush=True)
        self.file.write(text + "\n")
        self.file.flush()


def mode_layout(args, mode):
    """(server -t, server CPU, client CPU, client threads) for a mode."""
    if mode == "pinned":
        return 1, 0, 1, 1
    return args.threads, None, None, 2


def start_servers(args, mode, workload, binaries, out):
    threads, server_cpu, _, _ = mode_layout(args, mode)
    flags = ["-t", str(threads), "-m", str(args.memory), "-c", str(args.max_conns)]
    return {label: benchlib.Server(label, binaries[label], flags,
                                   os.path.join(out, "server-%s-%s-%s.log" % (mode, workload, label)),
                                   wrapper=benchlib.taskset(server_cpu))
            for label in SERVERS}


def round_order(r):
    return SERVERS if r % 2 == 1 else tuple(reversed(SERVERS))


def memtier_run(args, mode, workload, server, r, out):
    """One timed memtier run against a running, prefilled server; returns a result row."""
    settings = WORKLOADS[workload][2]
    _, _, client_cpu, client_threads = mode_layout(args, mode)
    conns = settings.get("connections", 50)
    load = benchlib.memtier_args(server.port, settings.get("protocol", "memcache_text"),
                                 settings.get("data_size", 100), 100000, 100000 + args.keys - 1)
    load += ["-t", str(client_threads), "-c", str(conns // client_threads),
             "--pipeline=%d" % settings.get("pipeline", 1), "--ratio=1:10", "--key-pattern=R:R",
             "--test-time=%d" % args.duration]
    if settings.get("multiget"):
        load.append("--multi-key-get=%d" % settings["multiget"])
    meter = benchlib.CpuMeter(server)
    totals, errors, status = benchlib.run_memtier(
        load, os.path.join(out, "run-%s-%s-%d-%s" % (mode, workload, r, server.label)), client_cpu,
        timeout=args.duration * 10 + 120)
    server_cpu, client_cpu_s, other = meter.finish()
    row = dict(mode=mode, workload=workload, round=r, server=server.label, **benchlib.memtier_summary(totals))
    if status != 0:
        errors.append("memtier exit status %d" % status)
    row.update(ops_per_cpu=(row["ops"] * args.duration / server_cpu if server_cpu else 0.0),
               server_cpu_s=server_cpu, client_cpu_s=client_cpu_s, other_load_pct=other, errors=len(errors))
    if errors:
        print("  %s: %d error lines from memtier, first: %s" % (server.label, len(errors), errors[0]))
    return row


def memcslap_runs(args, mode, server, r, out):
    """memcslap's set test then its get test against a running server; one row per test."""
    _, _, client_cpu, _ = mode_layout(args, mode)
    rows = []
    for test in ("set", "get"):
        log = os.path.join(out, "memcslap-%s-%d-%s-%s.log" % (mode, r, server.label, test))
        meter = benchlib.CpuMeter(server)
        with open(log, "w") as f:
            status = subprocess.run(benchlib.taskset(client_cpu) + [
                benchlib.require_tool("memcslap", "apt-get install libmemcached-tools"),
                "--servers=127.0.0.1:%d" % server.port, "--concurrency=50",
                "--execute-number=%d" % args.memcslap_execute, "--test=" + test],
                stdout=f, stderr=subprocess.STDOUT, timeout=900).returncode
        server_cpu, client_cpu_s, other = meter.finish()
        text = open(log).read()
        # "Time to <test> N keys by T threads: S seconds"; memcslap stops its load at the first
        # failed request with "Fatal error for key ...".
        line = [l for l in text.splitlines() if l.startswith("Time to %s " % test)]
        errors = text.count("Fatal error") + (status != 0) + (not line)
        keys, seconds = (int(line[0].split()[3]), float(line[0].split()[-2])) if line else (0, 0.0)
        rows.append(dict(mode=mode, workload="memcslap-" + test, round=r, server=server.label,
                         ops=keys / seconds if seconds else 0.0, p50="", p99="", p999="", hit="",
                         ops_per_cpu=keys / server_cpu if server_cpu else 0.0, server_cpu_s=server_cpu,
                         client_cpu_s=client_cpu_s, other_load_pct=other, errors=errors))
    return rows


def print_row(report, row):
    lat = ("%8.3f %8.3f %8.3f" % (row["p50"], row["p99"], row["p999"])) if row["p50"] != "" else "%26s" % "-"
    hit = "%6.1f" % (100 * row["hit"]) if row["hit"] != "" else "%6s" % "-"
    report("  %-5s %-16s %-12s %10.0f %s %s %11.0f %7.1f %6d" % (
        row["round"], row["workload"], row["server"], row["ops"], lat, hit, row["ops_per_cpu"],
        row["other_load_pct"], row["errors"]))


def summarize(rows):
    """Medians per server and the median of the per-round ratios swiftcached / memcached."""
    by = {(r["round"], r["server"]): r for r in rows}
    rounds = sorted({r["round"] for r in rows})
    result = {"medians": {}, "ratios": {}, "rounds": len(rounds),
              "errors": sum(r["errors"] for r in rows),
              "min_hit": min((r["hit"] for r in rows if r["hit"] != ""), default=None),
              "max_other_load_pct": max(r["other_load_pct"] for r in rows)}
    for m in METRICS:
        vals = {s: [by[(k, s)][m] for k in rounds if by[(k, s)][m] not in ("", 0.0)] for s in SERVERS}
        if all(vals.values()):
            result["medians"][m] = {s: statistics.median(v) for s, v in vals.items()}
            ratios = [by[(k, "swiftcached")][m] / by[(k, "memcached")][m] for k in rounds
                      if by[(k, "memcached")][m] not in ("", 0.0) and by[(k, "swiftcached")][m] != ""]
            result["ratios"][m] = statistics.median(ratios)
    return result


def print_summary(report, mode, workload, s):
    report("  medians (%d rounds): " % s["rounds"] + "; ".join(
        "%s sw %.4g / mc %.4g" % (m, s["medians"][m]["swiftcached"], s["medians"][m]["memcached"])
        for m in METRICS if m in s["medians"]))
    report("  RATIO %s %s: " % (mode, workload) + "  ".join(
        "%s %.3f" % (m, s["ratios"][m]) for m in METRICS if m in s["ratios"]))
    if s["errors"]:
        report("  WARNING: %d error lines/runs with errors (see the logs)" % s["errors"])
    if s["min_hit"] is not None and s["min_hit"] < 0.99:
        report("  WARNING: hit ratio down to %.1f%%" % (100 * s["min_hit"]))


def run_block(args, report, writer, mode, workload, binaries, out):
    """One workload in one mode: both servers started and prefilled, then the alternating rounds."""
    letter, description, settings = WORKLOADS[workload]
    report("\n== %s / %s (%s): %s — %s" % (mode, workload, letter, description, benchlib.uptime()))
    servers = start_servers(args, mode, workload, binaries, out)
    rows = []
    try:
        if settings is not None:
            for label, server in servers.items():
                _, errors, status = benchlib.run_memtier(
                    benchlib.memtier_args(server.port, settings.get("protocol", "memcache_text"),
                                          settings.get("data_size", 100), 100000, 100000 + args.keys - 1)
                    + benchlib.prefill_args(),
                    os.path.join(out, "prefill-%s-%s-%s" % (mode, workload, label)), mode_layout(args, mode)[2])
                if status != 0 or errors:
                    benchlib.die("prefill of %s failed: %s" % (label, errors[:1] or status), 1)
        report("  %-5s %-16s %-12s %10s %8s %8s %8s %6s %11s %7s %6s" % (
            "round", "workload", "server", "ops/s", "p50 ms", "p99 ms", "p99.9 ms", "hit%", "ops/cpu-s",
            "other%", "errors"))
        for r in range(1, args.rounds + 1):
            for label in round_order(r):
                server = servers[label]
                # Only the server under load runs; the other is stopped (SIGSTOP) meanwhile.
                for other in servers.values():
                    if other is not server:
                        other.pause()
                server.resume()
                new = (memcslap_runs(args, mode, server, r, out) if settings is None
                       else [memtier_run(args, mode, workload, server, r, out)])
                if not server.alive():
                    benchlib.die("%s exited during %s/%s round %d" % (label, mode, workload, r), 1)
                for row in new:
                    print_row(report, row)
                    writer.writerow(row)
                rows += new
    finally:
        for server in servers.values():
            server.stop()
    summaries = {}
    for name in sorted({r["workload"] for r in rows}):
        summaries[name] = summarize([r for r in rows if r["workload"] == name])
        print_summary(report, mode, name, summaries[name])
    report("  " + benchlib.uptime())
    return summaries


def resummarize(out):
    """Medians and ratios again from a results directory's runs.csv (e.g. of an interrupted run);
    rewrites summary.json, keeping its configuration when there is one."""
    rows = []
    for row in csv.DictReader(open(os.path.join(out, "runs.csv"))):
        for k in ("ops", "p50", "p99", "p999", "hit", "ops_per_cpu", "server_cpu_s", "client_cpu_s",
                  "other_load_pct"):
            row[k] = float(row[k]) if row[k] != "" else ""
        row["round"], row["errors"] = int(row["round"]), int(row["errors"])
        rows.append(row)
    keys = list(dict.fromkeys((r["mode"], r["workload"]) for r in rows))
    results = [dict(mode=m, workload=w, **summarize([r for r in rows if (r["mode"], r["workload"]) == (m, w)]))
               for m, w in keys]
    path = os.path.join(out, "summary.json")
    config = json.load(open(path))["config"] if os.path.exists(path) else {}
    with open(path, "w") as f:
        json.dump(dict(config=config, results=results), f, indent=1)
    for s in results:
        print("%-9s %-14s " % (s["mode"], s["workload"]) + "  ".join(
            "%s %.3f" % (m, s["ratios"][m]) for m in METRICS if m in s["ratios"]))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--resummarize":
        return resummarize(sys.argv[2])
    args = parse_args()
    sw, mc = benchlib.server_binaries(args.swiftcached, args.memcached)
    binaries = {"swiftcached": sw, "memcached": mc}
    if any(w != "memcslap" for w in args.workloads):
        benchlib.memtier_path()
    fds = benchlib.raise_fd_limit(args.max_conns + 1200)
    out = args.out or os.path.join(benchlib.REPO, "bench-results",
                                   "bench-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    report = Report(os.path.join(out, "summary.txt"))
    config = dict(vars(args), swiftcached_binary=sw, memcached_binary=mc, swiftcached_version=benchlib.version(sw),
                  memcached_version=benchlib.version(mc), nproc=os.cpu_count(), kernel=os.uname().release,
                  fd_limit=fds, started=datetime.datetime.now().isoformat(timespec="seconds"),
                  load_before=benchlib.uptime())
    try:
        config["swiftcached_commit"] = subprocess.run(["git", "-C", benchlib.REPO, "rev-parse", "--short", "HEAD"],
                                                      capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    report("swiftcached vs memcached: %s (%s, commit %s) vs %s (%s)" % (
        sw, config["swiftcached_version"], config.get("swiftcached_commit", "?"), mc, config["memcached_version"]))
    report("servers: -t %d (unpinned) / -t 1 on CPU 0 (pinned), -m %d -c %d; %d keys; %d rounds of %d s; "
           "nproc %d; ulimit -n %d" % (args.threads, args.memory, args.max_conns, args.keys, args.rounds,
                                       args.duration, os.cpu_count(), fds))
    report("before: " + config["load_before"])
    report("columns: other% = share of all CPUs used by other processes during the run (shared machine)")
    started = time.monotonic()
    results = []
    with open(os.path.join(out, "runs.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, CSV_FIELDS)
        writer.writeheader()
        for mode in args.modes:
            for workload in args.workloads:
                for name, s in run_block(args, report, writer, mode, workload, binaries, out).items():
                    results.append(dict(mode=mode, workload=name, **s))
                f.flush()
    config["load_after"] = benchlib.uptime()
    config["seconds"] = round(time.monotonic() - started)
    report("\n== median ratios swiftcached / memcached (ops: > 1 is better; latencies: < 1 is better)")
    report("%-9s %-14s %8s %8s %8s %8s %10s %8s" % ("mode", "workload", "ops/s", "p50", "p99", "p99.9",
                                                   "ops/cpu-s", "other%"))
    for s in results:
        g = lambda m: ("%8.3f" % s["ratios"][m]) if m in s["ratios"] else "%8s" % "-"  # noqa: E731
        report("%-9s %-14s %s %s %s %s %10s %8.0f" % (s["mode"], s["workload"], g("ops"), g("p50"), g("p99"),
                                                       g("p999"), g("ops_per_cpu"), s["max_other_load_pct"]))
    report("after: %s; %d s in all" % (config["load_after"], config["seconds"]))
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(dict(config=config, results=results), f, indent=1)
    report("results: " + out)
    errors = sum(s["errors"] for s in results)
    if errors:
        report("ERRORS: %d runs or lines with errors (memtier/memcslap output in %s)" % (errors, out))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
