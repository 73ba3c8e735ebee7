#!/usr/bin/env python3
"""Recovery after a shift in value sizes: swiftcached (default automove) against memcached (default).

Each server (same -m) is first filled far past capacity with 100-byte values; then the workload
switches to a Zipf get / set-on-miss stream over keys with 10,000-byte values. The hit ratio is
printed for every second of the second phase, and the script reports how long each server took to
come within `--tolerance` points of its own steady hit ratio (the mean of the last `--tail` seconds).
A server that cannot give the new size class more memory stays far below.

    python3 Scripts/bench_size_shift.py [--megabytes 64] [--seconds 60] \
        [--swiftcached .build/release/swiftcached] [--json bench-results/size-shift.json]

Needs numpy (for the Zipf stream).
"""
import argparse
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_items_per_mb import add_server_arguments, fill, free_port, start, stop, stats, write_rows  # noqa: E402
from bench_hit_ratio import zipf_ranks  # noqa: E402


def shifted_phase(port, arguments):
    """Per-second hit ratios of the 10 KB Zipf phase."""
    ranks = zipf_ranks(arguments.keys, arguments.alpha, 10_000_000, arguments.seed)
    value = b"w" * arguments.large
    ratios = []
    position = 0
    with socket.create_connection(("127.0.0.1", port), 30) as connection:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = connection.makefile("rb", buffering=1 << 20)
        for _second in range(arguments.seconds):
            hits = misses = 0
            second_ends = time.time() + 1
            while time.time() < second_ends:
                keys = [b"big:%08d" % rank for rank in ranks[position:position + 20]]
                position = (position + 20) % len(ranks)
                connection.sendall(b"get " + b" ".join(keys) + b"\r\n")
                found = set()
                while True:
                    line = reader.readline()
                    if line == b"END\r\n":
                        break
                    parts = line.split()
                    found.add(parts[1])
                    reader.read(int(parts[3]) + 2)
                fills = [b"set %s 0 0 %d noreply\r\n%s\r\n" % (key, len(value), value) for key in keys if key not in found]
                hits += len(keys) - len(fills)
                misses += len(fills)
                if fills:
                    connection.sendall(b"".join(fills))
            ratios.append(hits / max(1, hits + misses))
    return ratios


def recovery_seconds(ratios, tail, tolerance):
    steady = sum(ratios[-tail:]) / tail
    for second in range(len(ratios)):
        if all(ratio >= steady - tolerance for ratio in ratios[second:]):
            return second, steady
    return len(ratios), steady


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=int, default=64)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=20_000, help="keys of the 10 KB phase (about 3x what fits)")
    parser.add_argument("--alpha", type=float, default=0.99)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--tail", type=int, default=10)
    parser.add_argument("--tolerance", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=7)
    add_server_arguments(parser, "bench-results/size-shift.json")
    arguments = parser.parse_args()

    rows = []
    for name, command in (("memcached", [arguments.memcached] + (["-u", "root"] if os.geteuid() == 0 else [])),
                          ("swiftcached", [arguments.swiftcached] + (["-u", "root"] if os.geteuid() == 0 else []))):
        port = free_port()
        process = start(command + ["-p", str(port), "-l", "127.0.0.1", "-U", "0", "-m", str(arguments.megabytes), "-t", "2"], port)
        try:
            fill(port, arguments.megabytes * 1024 * 1024 // (arguments.small + 48) * 2, arguments.small)
            ratios = shifted_phase(port, arguments)
            figures = stats(port)
        finally:
            stop(process)
        seconds, steady = recovery_seconds(ratios, arguments.tail, arguments.tolerance)
        rows.append({"server": name, "per_second_hit_ratio": [round(r, 4) for r in ratios], "steady": round(steady, 4),
                     "recovery_seconds": seconds, "slabs_moved": int(figures.get("slabs_moved", 0))})
        print(json.dumps({k: v for k, v in rows[-1].items() if k != "per_second_hit_ratio"}), flush=True)

    print(f"\nafter filling -m {arguments.megabytes} with {arguments.small}-byte values, Zipf {arguments.alpha} "
          f"get/set-on-miss over {arguments.keys} keys of {arguments.large} bytes:")
    for row in rows:
        print(f"{row['server']:>12}: steady hit ratio {row['steady'] * 100:.1f}% (last {arguments.tail} s), within "
              f"{arguments.tolerance * 100:.0f} points of it from second {row['recovery_seconds']} on; slabs_moved {row['slabs_moved']}")
    write_rows(arguments.json, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
