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
import re
import socket
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
    zipf = [(b"key:%012d" % key, True) for key in permutation[ranks].tolist()]
    if not with_scans:
        return zipf
    stream = []
    scan_serial = 0
    for start_index in range(0, len(zipf), arguments.scan_every):
        stream += zipf[start_index:start_index + arguments.scan_every]
        if start_index + arguments.scan_every <= len(zipf):
            stream += [(b"scn:%012d" % serial, False)
                       for serial in range(scan_serial, scan_serial + arguments.scan_length)]
            scan_serial += arguments.scan_length
    return stream


VALUE_KEY = re.compile(rb"VALUE (\S+) ")


def replay(port, stream, warmup, value_size, batch):
    """Returns (hits, misses) over the counted requests (those after `warmup` Zipf requests)."""
    value = b"v" * value_size
    hits = misses = 0
    counted_zipf = 0
    with socket.create_connection(("127.0.0.1", port), 30) as connection:
        # The noreply fills are followed by a small get: without this, Nagle waits for a delayed ACK.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for start_index in range(0, len(stream), batch):
            chunk = stream[start_index:start_index + batch]
            connection.sendall(b"get " + b" ".join(key for key, _ in chunk) + b"\r\n")
            # The whole reply, then the keys found. Our values are all "v", so "END" only ends it.
            reply = connection.recv(1 << 20)
            while not (reply.endswith(b"\r\nEND\r\n") or reply == b"END\r\n"):
                more = connection.recv(1 << 20)
                if not more:
                    raise RuntimeError("connection closed mid-reply")
                reply += more
            if not reply.startswith((b"VALUE ", b"END\r\n")):
                raise RuntimeError(f"unexpected reply {reply[:80]!r}")
            found = set(VALUE_KEY.findall(reply))
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
        reply = b""
        while b"\r\n" not in reply:
            reply += connection.recv(4096)
        if not reply.startswith(b"VERSION"):
            raise RuntimeError(f"unexpected reply {reply[:80]!r}")
    return hits, misses


def measure(command, megabytes, stream, warmup, value_size, batch):
    """Starts one server (`command` plus port, -m and -t 2), replays the stream, stops it; the figures."""
    port = free_port()
    process = start(command + ["-p", str(port), "-l", "127.0.0.1", "-U", "0", "-m", str(megabytes), "-t", "2"], port)
    try:
        began = time.time()
        hits, misses = replay(port, stream, warmup, value_size, batch)
        figures = stats(port)
    finally:
        stop(process)
    return {"hits": hits, "misses": misses, "hit_ratio": hits / (hits + misses) if hits + misses else float("nan"),
            "curr_items": int(figures.get("curr_items", 0)), "evictions": int(figures.get("evictions", 0)),
            "seconds": round(time.time() - began, 1)}


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
            rows.append({"workload": workload, "server": name,
                         **measure(command, arguments.megabytes, stream, arguments.warmup, arguments.value_size,
                                   arguments.batch)})
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
