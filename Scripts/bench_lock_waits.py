#!/usr/bin/env python3
"""Lock waits per request: how often the server's threads sleep on a contended lock or wake a
sleeper (futex system calls), swiftcached beside memcached or beside an earlier swiftcached build
(`--baseline`), in alternating rounds.

A pthread mutex costs no system call while nobody waits for it; a waiter that goes to sleep costs
a futex wait and its wake-up a futex wake, each a system call of a microsecond or more. So the
futex calls a server makes under load count its lock contention, on a machine of any size and
without hardware counters (this 2-core machine has none): where two workers already collide, more
cores collide more. Each round starts the server with `-t N`, prefills every key, attaches
`strace -f -c -e trace=futex` to it and runs memtier_benchmark (text protocol, 100-byte values,
random keys, `--ratio` and `--pipeline` as given) for `--duration` seconds; it prints the requests,
the futex calls and the futex calls per 1,000 requests. strace slows the system calls it counts,
so read the requests per second as a side figure only.

Usage:
  python3 Scripts/bench_lock_waits.py --memtier <path to memtier_benchmark>
      [--workers 2] [--ratio 1:1] [--pipeline 16] [--rounds 2] [--duration 8] [--connections 50]
      [--swiftcached .build/release/swiftcached] [--memcached memcached] [--baseline BUILD]
Needs strace (apt-get install strace). Exit status 2 when a tool is missing.
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workers", type=int, default=2, help="server -t (default 2)")
    p.add_argument("--ratio", default="1:1", help="memtier set:get --ratio (default 1:1)")
    p.add_argument("--pipeline", type=int, default=16, help="memtier --pipeline (default 16)")
    p.add_argument("--rounds", type=int, default=2, help="runs per server (default 2)")
    p.add_argument("--duration", type=int, default=8, help="seconds per run (default 8)")
    p.add_argument("--connections", type=int, default=50, help="connections over 2 memtier threads (default 50)")
    p.add_argument("--keys", type=int, default=100000, help="key count (default 100000)")
    p.add_argument("--memtier", help="memtier_benchmark binary (default $MEMTIER_BINARY, $MEMTIER, PATH)")
    p.add_argument("--swiftcached", help="server binary (default .build/release/swiftcached)")
    p.add_argument("--memcached", help="server binary (default memcached on PATH)")
    p.add_argument("--baseline", help="compare with this swiftcached build instead of memcached")
    args = p.parse_args()
    if args.memtier:
        os.environ["MEMTIER_BINARY"] = args.memtier  # what benchlib.memtier_path() reads
    return args


def futex_calls(strace_output):
    """The futex line of `strace -c`'s table: its calls column."""
    for line in strace_output.splitlines():
        fields = line.split()
        if fields and fields[-1] == "futex":
            return int(fields[3])
    return 0


def measure(args, label, binary, out):
    """One round against a fresh server: (requests, futex calls)."""
    server = benchlib.Server(label, binary, ["-t", str(args.workers), "-m", "256", "-c", "4096"],
                             os.path.join(out, "server-%s.log" % label))
    try:
        key_max = 100000 + args.keys - 1
        _, errors, status = benchlib.run_memtier(benchlib.memtier_args(server.port, key_max=key_max)
                                                 + benchlib.prefill_args(), os.path.join(out, "prefill-" + label))
        if status != 0 or errors:
            benchlib.die("prefill of %s failed: %s" % (label, errors[:1] or status), 1)
        trace_path = os.path.join(out, "strace-%s.txt" % label)
        tracer = subprocess.Popen(["strace", "-f", "-c", "-e", "trace=futex", "-o", trace_path,
                                   "-p", str(server.pid)], stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # attached to every thread before the load starts
        load = benchlib.memtier_args(server.port, key_max=key_max) + [
            "-t", "2", "-c", str(max(1, args.connections // 2)), "--pipeline=%d" % args.pipeline,
            "--ratio=" + args.ratio, "--key-pattern=R:R", "--test-time=%d" % args.duration]
        totals, errors, status = benchlib.run_memtier(load, os.path.join(out, "run-" + label),
                                                      timeout=args.duration * 10 + 60)
        tracer.send_signal(signal.SIGINT)  # strace prints its table when interrupted
        tracer.wait(30)
        if status != 0 or errors:
            benchlib.die("memtier against %s failed: %s" % (label, errors[:1] or status), 1)
        with open(trace_path) as f:
            calls = futex_calls(f.read())
        return int(totals["Ops/sec"] * args.duration), calls
    finally:
        server.stop()


def main():
    args = parse_args()
    benchlib.require_tool("strace", "apt-get install strace")
    benchlib.memtier_path()
    sw, mc = benchlib.server_binaries(args.swiftcached, args.memcached)
    servers = [("swiftcached", sw), ("baseline", args.baseline) if args.baseline else ("memcached", mc)]
    benchlib.raise_fd_limit(4096 + 200)
    print("swiftcached %s | %s %s | -t %d | %s set:get, pipeline %d, %d connections, %d s per run" % (
        benchlib.version(sw), servers[1][0], args.baseline or benchlib.version(mc), args.workers, args.ratio,
        args.pipeline, args.connections, args.duration))
    print("  %-5s %-12s %12s %12s %14s" % ("round", "server", "requests", "futex calls", "per 1,000 req"))
    per_thousand = {label: [] for label, _ in servers}
    with tempfile.TemporaryDirectory(prefix="lock-waits-") as out:
        for r in range(1, args.rounds + 1):
            for label, binary in (servers if r % 2 == 1 else servers[::-1]):
                requests, calls = measure(args, label, binary, out)
                per_thousand[label].append(1000.0 * calls / requests if requests else 0.0)
                print("  %-5d %-12s %12d %12d %14.2f" % (r, label, requests, calls, per_thousand[label][-1]),
                      flush=True)
    for label, values in per_thousand.items():
        print("%-12s median futex calls per 1,000 requests: %.2f" % (label, statistics.median(values)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
