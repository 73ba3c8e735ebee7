#!/usr/bin/env python3
"""TLS benchmark: swiftcached -Z against memcached -Z (Debian's 1.6.18, built with TLS), same
certificate, same load, alternating rounds; each server also measured in the clear on its
`-l notls:` listener in the same run, so TLS is compared with clear text on the same process.

Both servers start once with `-t THREADS -m 256 -Z -o ssl_session_cache,ssl_chain_cert=…,ssl_key=…`
and a notls listener; before anything is measured, `openssl s_client` checks that both negotiate
the same protocol version and cipher. They are prefilled in the clear, and then, round after round
(the order flips each round), for each pipeline depth, memtier_benchmark runs a 1:9 set:get load
over TLS and in the clear against each (the server not measured is stopped with SIGSTOP). Per run: ops/s and server CPU time per
request (µs, user + system of the whole process, read from /proc). The summary gives, per depth,
the medians over rounds and the median per-round ratios: TLS / clear CPU per request for each
server (the target is ≤ 1.5 at depth 16), and swiftcached / memcached for ops/s and requests per
server-CPU-second over TLS (≥ 1 is at least memcached).

With --handshake-seconds, each round also times new TLS connections with `openssl s_time` (a C
client, one connection after another): `-new` (full handshakes) and `-reuse` (resumed, TLS 1.3
tickets), per server: the connections counted in its "N connections in T real seconds" line over
the time measured around it (s_time's T is whole seconds), and server CPU per connection from /proc.

Certificates are made with the tests' helper (Tests/clients/tls_certificates.py) in the results
directory. memtier_benchmark is taken from --memtier, else $MEMTIER (or $MEMTIER_BINARY), else
PATH (see benchlib.MEMTIER_HINT); it must be built with TLS (its --tls flag). A missing one stops
the run with that message.

Usage:
  python3 Scripts/bench_tls.py --memtier PATH/memtier_benchmark --rounds 3 --duration 5 --handshake-seconds 10
Results: bench-results/bench-tls-<date>/ (gitignored): runs.csv, summary.txt and the tools' output.
Exit status 1 when memtier reported errors, 2 when a tool is missing.
"""
import argparse
import csv
import os
import statistics
import sys
import time

import benchlib

sys.path.insert(0, os.path.join(benchlib.REPO, "Tests", "clients"))
from tls_certificates import make_certificates  # noqa: E402 (after the path is set)
import openssl_clients  # noqa: E402

SERVERS = ("swiftcached", "memcached")
TRANSPORTS = ("tls", "clear")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--memtier", help="memtier_benchmark binary (else $MEMTIER or $MEMTIER_BINARY, else PATH)")
    p.add_argument("--rounds", type=int, default=3, help="runs per server, transport and depth (default 3)")
    p.add_argument("--duration", type=int, default=5, help="seconds per memtier run (default 5)")
    p.add_argument("--pipelines", default="1,16", help="memtier --pipeline depths (default 1,16)")
    p.add_argument("--threads", type=int, default=2, help="server -t (default 2)")
    p.add_argument("--connections", type=int, default=8, help="memtier connections (1 thread; default 8)")
    p.add_argument("--keys", type=int, default=20000, help="key count (default 20000)")
    p.add_argument("--swiftcached", help="server binary (default .build/release/swiftcached)")
    p.add_argument("--memcached", help="reference binary (default memcached on PATH)")
    p.add_argument("--handshake-seconds", type=int, default=0,
                   help="also, per round and server: openssl s_time for this many seconds with full handshakes "
                        "and as long with resumed ones (default 0: none)")
    p.add_argument("--out", help="results directory (default bench-results/bench-tls-<date>)")
    args = p.parse_args()
    args.pipelines = [int(depth) for depth in args.pipelines.split(",") if depth]  # "": handshakes only
    if args.memtier:
        os.environ["MEMTIER_BINARY"] = args.memtier  # benchlib.memtier_path checks it
    return args


def start_servers(args, binaries, certs, out):
    """{name: (server, clear port)}; each with a TLS listener (its port) and a notls one."""
    servers = {}
    for name, binary in zip(SERVERS, binaries):
        clear_port = benchlib.free_port()
        # The same session-cache setting on both (it decides what ssl_new_sessions counts; tickets,
        # which s_time -reuse resumes, are issued either way); memtier never resumes.
        flags = ["-t", str(args.threads), "-m", "256", "-c", "1024", "-Z", "-o",
                 "ssl_session_cache,ssl_chain_cert=%s,ssl_key=%s" % (os.path.join(certs, "server.pem"), os.path.join(certs, "server.key")),
                 "-l", "notls:127.0.0.1:%d" % clear_port]
        servers[name] = (benchlib.Server(name, binary, flags, os.path.join(out, name + ".log")), clear_port)
    return servers


def load_args(args, port, transport):
    tls = ["--tls", "--tls-skip-verify"] if transport == "tls" else []
    return benchlib.memtier_args(port, key_min=1, key_max=args.keys) + tls


def prefill(args, servers, out):
    for name, (server, clear_port) in servers.items():
        _, errors, status = benchlib.run_memtier(load_args(args, clear_port, "clear") + benchlib.prefill_args(),
                                                 os.path.join(out, "prefill-" + name))
        if errors or status:
            benchlib.die("prefill of %s failed: %s" % (name, errors or status), 1)


def measure(args, servers, name, transport, depth, prefix):
    """One memtier run against one server (the other paused): a runs.csv row."""
    server, clear_port = servers[name]
    for other, (paused, _) in servers.items():
        (paused.resume if other == name else paused.pause)()
    port = server.port if transport == "tls" else clear_port
    meter = benchlib.CpuMeter(server)
    totals, errors, status = benchlib.run_memtier(
        load_args(args, port, transport) + ["-t", "1", "-c", str(args.connections), "--ratio=1:9",
                                                   "--key-pattern=R:R", "--pipeline=%d" % depth,
                                                   "--test-time=%d" % args.duration], prefix)
    server_cpu, client_cpu, other_load = meter.finish()
    ops = totals.get("Ops/sec", 0.0)
    requests = ops * args.duration
    return dict(server=name, transport=transport, pipeline=depth, ops=round(ops),
                cpu_us_per_request=round(1e6 * server_cpu / requests, 3) if requests else float("nan"),
                server_cpu_s=round(server_cpu, 2), client_cpu_s=round(client_cpu, 2),
                other_load_pct=round(other_load, 1), errors="; ".join(errors) or ("" if status == 0 else "exit %d" % status))


def measure_handshakes(args, servers, name, kind):
    """`openssl s_time` against one server (the other paused) for --handshake-seconds: a
    handshakes.csv row."""
    server, _ = servers[name]
    for other, (paused, _) in servers.items():
        (paused.resume if other == name else paused.pause)()
    cpu_before = server.cpu_seconds()
    connections, seconds, elapsed, reused, client_cpu = openssl_clients.s_time(server.port, kind == "resumed", args.handshake_seconds)
    server_cpu = server.cpu_seconds() - cpu_before
    expected = connections if kind == "resumed" else 0
    return dict(server=name, kind=kind, connections=connections, s_time_real_seconds=seconds,
                seconds=round(elapsed, 2), connections_per_s=round(connections / elapsed, 1),
                cpu_us_per_connection=round(1e6 * server_cpu / connections, 1) if connections else float("nan"),
                client_cpu_us_per_connection=round(1e6 * client_cpu / connections, 1) if connections else float("nan"),
                resumed=reused, errors="" if reused == expected else "%d of %d resumed, %d expected" % (reused, connections, expected))


def summarize_handshakes(rows):
    """Medians per server and kind, and swiftcached / memcached per-round ratios."""
    lines = ["new TLS connections (openssl s_time -new / -reuse -www /, one after another):"]
    for kind in ("full", "resumed"):
        of = lambda name: [r for r in rows if r["server"] == name and r["kind"] == kind]
        mine, theirs = of("swiftcached"), of("memcached")
        if not mine or not theirs:
            continue
        med = lambda rs, field: statistics.median(r[field] for r in rs)
        rate = statistics.median(a["connections_per_s"] / b["connections_per_s"] for a, b in zip(mine, theirs))
        efficiency = statistics.median(b["cpu_us_per_connection"] / a["cpu_us_per_connection"] for a, b in zip(mine, theirs))
        lines.append("  %-7s swiftcached %7.1f conn/s %7.1f µs CPU/conn | memcached %7.1f conn/s %7.1f µs CPU/conn"
                     " | swiftcached/memcached conn/s %.2f, conn per server-CPU-second %.2f"
                     % (kind, med(mine, "connections_per_s"), med(mine, "cpu_us_per_connection"),
                        med(theirs, "connections_per_s"), med(theirs, "cpu_us_per_connection"), rate, efficiency))
        # The client does the same work against either server, so its CPU per connection measures
        # how fast the machine ran that round; the server's CPU over it compares the servers' own
        # work without the machine's changes of speed between rounds.
        relative = lambda r: r["cpu_us_per_connection"] / r["client_cpu_us_per_connection"]
        lines.append("  %-7s client CPU/conn swiftcached %7.1f µs, memcached %7.1f µs | server CPU per client CPU"
                     " swiftcached %.3f, memcached %.3f, memcached/swiftcached %.2f"
                     % (kind, med(mine, "client_cpu_us_per_connection"), med(theirs, "client_cpu_us_per_connection"),
                        statistics.median(map(relative, mine)), statistics.median(map(relative, theirs)),
                        statistics.median(relative(b) / relative(a) for a, b in zip(mine, theirs))))
    return lines


def check_negotiation(servers):
    """Both servers must negotiate the same protocol version and cipher, or the comparison is void."""
    seen = {name: openssl_clients.negotiated(server.port) for name, (server, _) in servers.items()}
    if len(set(seen.values())) != 1:
        benchlib.die("the servers negotiate different TLS parameters: %s" % seen, 1)
    return next(iter(seen.values()))


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def run_order(r):
    """Server, transport pairs, in an order that flips every round."""
    pairs = [(name, transport) for name in SERVERS for transport in TRANSPORTS]
    return pairs if r % 2 == 0 else pairs[::-1]


def summarize(rows, depth):
    """Medians per server and transport, and the median per-round ratios, at one depth."""
    by = {}
    for row in rows:
        if row["pipeline"] == depth:
            by.setdefault((row["server"], row["transport"]), []).append(row)
    rounds = min(len(v) for v in by.values())
    med = lambda key, field: statistics.median(r[field] for r in by[key])
    per_round = lambda f: statistics.median(f(i) for i in range(rounds))
    cpu = lambda name, transport, i: by[(name, transport)][i]["cpu_us_per_request"]
    lines = ["pipeline %d (%d rounds, medians):" % (depth, rounds)]
    for name in SERVERS:
        lines.append("  %-11s TLS %8.0f ops/s %6.2f µs CPU/req | clear %8.0f ops/s %6.2f µs CPU/req | TLS/clear CPU per req %.2f"
                     % (name, med((name, "tls"), "ops"), med((name, "tls"), "cpu_us_per_request"),
                        med((name, "clear"), "ops"), med((name, "clear"), "cpu_us_per_request"),
                        per_round(lambda i: cpu(name, "tls", i) / cpu(name, "clear", i))))
    ops_ratio = per_round(lambda i: by[("swiftcached", "tls")][i]["ops"] / by[("memcached", "tls")][i]["ops"])
    efficiency = per_round(lambda i: cpu("memcached", "tls", i) / cpu("swiftcached", "tls", i))
    lines.append("  swiftcached/memcached over TLS: ops/s %.2f, requests per server-CPU-second %.2f" % (ops_ratio, efficiency))
    return lines


def main():
    args = parse_args()
    if args.pipelines:
        benchlib.memtier_path()  # stops the run with a hint when it is missing
    binaries = benchlib.server_binaries(args.swiftcached, args.memcached)
    out = args.out or os.path.join(benchlib.REPO, "bench-results", time.strftime("bench-tls-%Y%m%d-%H%M%S"))
    certs = os.path.join(out, "certs")
    os.makedirs(certs, exist_ok=True)
    make_certificates(certs)
    servers = start_servers(args, binaries, certs, out)
    rows, handshake_rows, failed = [], [], False
    try:
        negotiated = check_negotiation(servers)
        if args.pipelines:
            prefill(args, servers, out)
        for r in range(args.rounds):
            for name in (SERVERS if r % 2 == 0 else SERVERS[::-1]) if args.handshake_seconds else ():
                for kind in (("full", "resumed") if r % 2 == 0 else ("resumed", "full")):
                    row = measure_handshakes(args, servers, name, kind)
                    row["round"] = r
                    handshake_rows.append(row)
                    failed |= bool(row["errors"])
                    print(row, flush=True)
            for depth in args.pipelines:
                for name, transport in run_order(r):
                    row = measure(args, servers, name, transport, depth,
                                  os.path.join(out, "r%d-p%d-%s-%s" % (r, depth, name, transport)))
                    row["round"] = r
                    rows.append(row)
                    failed |= bool(row["errors"])
                    print(row, flush=True)
    finally:
        for server, _ in servers.values():
            server.stop()
    if rows:
        write_csv(os.path.join(out, "runs.csv"), rows)
    if handshake_rows:
        write_csv(os.path.join(out, "handshakes.csv"), handshake_rows)
    report = ["%s vs %s, server -t %d, memtier 1 thread x %d connections, 1:9 set:get, 100-byte values, %d keys, %d s runs;"
              " both negotiate %s %s; %s"
              % (benchlib.version(binaries[0]), benchlib.version(binaries[1]), args.threads, args.connections,
                 args.keys, args.duration, negotiated[0], negotiated[1], benchlib.uptime())]
    for depth in args.pipelines:
        report += summarize(rows, depth)
    if handshake_rows:
        report += summarize_handshakes(handshake_rows)
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write("\n".join(report) + "\n")
    print("\n".join(report))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
