#!/usr/bin/env python3
"""Hit ratio on a skewed workload: swiftcached (each eviction policy) against memcached, same -m.

Replays a Zipf(alpha) key stream as "get, then set on a miss" (look-aside caching) over a key space
several times what fits, once plain and once with one-pass scans mixed in (every `--scan-every`
requests, `--scan-length` never-repeated keys are read and filled). The stream is generated once
with a fixed seed, so every server sees the same keys in the same order. Only the Zipf requests after
the warm-up count toward the hit ratio.

Requests go out as pipelined multi-gets of `--batch` keys; the misses of a batch are then set with
noreply. (A key twice in one batch misses twice if absent: the same small distortion for every server.)

    python3 Scripts/bench_hit_ratio.py [--megabytes 32] [--keys 1000000] [--requests 4000000]
        [--swiftcached .build/release/swiftcached] [--json bench-results/hit-ratio.json]

Needs numpy (for the Zipf stream).
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

import numpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_items_per_mb import add_server_arguments, free_port, start, stop, stats, write_rows  # noqa: E402


def zipf_ranks(keys, alpha, count, seed):
    """`count` ranks in [0, keys) drawn from a finite Zipf(alpha) by inverse CDF."""
    weights = 1.0 / numpy.power(numpy.arange(1, keys + 1, dtype=numpy.float64), alpha)
    cdf = numpy.cumsum(weights)
    cdf /= cdf[-1]
    generator = numpy.random.default_rng(seed)
    return numpy.searchsorted(cdf, generator.random(count))


def build_stream(arguments, with_scans):
    """A list of (key bytes, counts) where counts is False for scan keys."""
    ranks = zipf_ranks(arguments.keys, arguments.alpha, arguments.requests, arguments.seed)
    # Rank to key through a fixed permutation, so hot keys are spread over the key space.
    permutation = numpy.random.default_rng(arguments.seed + 1).permutation(arguments.keys)
    stream = []
    scan_serial = 0
    for index, rank in enumerate(ranks):
        stream.append((b"key:%012d" % permutation[rank], True))
        if with_scans and (index + 1) % arguments.scan_every == 0:
            for _ in range(arguments.scan_length):
                stream.append((b"scn:%012d" % scan_serial, False))
                scan_serial += 1
    return stream


def replay(port, stream, warmup, value_size, batch):
    value = b"v" * value_size
    hits = misses = 0
    counted_zipf = 0
    with socket.create_connection(("127.0.0.1", port), 30) as connection:
        # The noreply fills are followed by a small get: without this, Nagle waits for a delayed ACK.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = connection.makefile("rb", buffering=1 << 20)
        for start_index in range(0, len(stream), batch):
            chunk = stream[start_index:start_index + batch]
            connection.sendall(b"get " + b" ".join(key for key, _ in chunk) + b"\r\n")
            found = set()
            while True:
                line = reader.readline()
                if line == b"END\r\n":
                    break
                if not line.startswith(b"VALUE "):
                    raise RuntimeError(f"unexpected reply {line[:80]!r}")
                parts = line.split()
                found.add(parts[1])
                reader.read(int(parts[3]) + 2)
            fills = []
            for key, counts in chunk:
                hit = key in found
                if not hit:
                    fills.append(b"set %s 0 0 %d noreply\r\n%s\r\n" % (key, value_size, value))
                if counts:
                    counted_zipf += 1
                    if counted_zipf > warmup:
                        hits += hit
                        misses += not hit
            if fills:
                connection.sendall(b"".join(fills))
        connection.sendall(b"version\r\n")
        reader.readline()
    return hits, misses


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=int, default=32)
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=4_000_000)
    parser.add_argument("--warmup", type=int, default=1_000_000, help="Zipf requests not counted")
    parser.add_argument("--alpha", type=float, default=0.99)
    parser.add_argument("--value-size", type=int, default=100)
    parser.add_argument("--scan-every", type=int, default=200_000)
    parser.add_argument("--scan-length", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--seed", type=int, default=42)
    add_server_arguments(parser, "bench-results/hit-ratio.json")
    parser.add_argument("--policies", default="s3fifo,segmented,lru")
    arguments = parser.parse_args()

    as_root = ["-u", "root"] if os.geteuid() == 0 else []  # both servers refuse root without -u
    servers = [("memcached", [arguments.memcached] + as_root)]
    for policy in arguments.policies.split(","):
        servers.append((f"swiftcached-{policy}", [arguments.swiftcached, "-o", f"eviction_policy={policy}"] + as_root))

    rows = []
    for workload, with_scans in (("zipf", False), ("zipf+scans", True)):
        stream = build_stream(arguments, with_scans)
        for name, command in servers:
            port = free_port()
            process = start(command + ["-p", str(port), "-l", "127.0.0.1", "-U", "0", "-m", str(arguments.megabytes), "-t", "2"], port)
            try:
                began = time.time()
                hits, misses = replay(port, stream, arguments.warmup, arguments.value_size, arguments.batch)
                figures = stats(port)
            finally:
                stop(process)
            rows.append({"workload": workload, "server": name, "hits": hits, "misses": misses,
                         "hit_ratio": hits / (hits + misses), "curr_items": int(figures.get("curr_items", 0)),
                         "evictions": int(figures.get("evictions", 0)), "seconds": round(time.time() - began, 1)})
            print(json.dumps(rows[-1]), flush=True)

    print(f"\nhit ratio, -m {arguments.megabytes}, {arguments.keys} keys, Zipf {arguments.alpha}, "
          f"{arguments.value_size}-byte values, {arguments.requests - arguments.warmup} counted requests")
    for workload in ("zipf", "zipf+scans"):
        base = next(r for r in rows if r["workload"] == workload and r["server"] == "memcached")
        for row in (r for r in rows if r["workload"] == workload):
            delta = (row["hit_ratio"] - base["hit_ratio"]) * 100
            print(f"{workload:>11} {row['server']:>20} {row['hit_ratio'] * 100:6.2f}%  ({delta:+.2f} points)  items {row['curr_items']}")
    write_rows(arguments.json, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
