#!/usr/bin/env python3
"""Memory held with values of mixed sizes: what a finer slab class table costs where `-m` is small.

Every slab class in use holds at least one page (1 MB), so a table with more classes strands more
memory in pages that are mostly free when values are spread over many sizes and `-m` is only tens of
pages. This script shows how much, and for how long: memcached and swiftcached at each `-f` given
(the first is swiftcached's default unless named) start with the same `-m`, then take rounds of
pipelined `noreply` sets of distinct 30-byte keys with value lengths drawn uniformly from LOW...HIGH
(seeded, the same for every server), each round about what fits, with a pause between rounds for the
background threads (automove, LRU maintenance). After each round it prints `curr_items` and `bytes`
(header, key and value of the items held), and at the end `slabs_moved`.

    python3 Scripts/bench_mixed_sizes.py [--megabytes 64] [--values 0-3000] [--rounds 10]
        [--factors default,1.25,1.05] [--pause 3] [--swiftcached .build/release/swiftcached]
"""
import argparse
import random
import socket
import sys
import time

from bench_items_per_mb import KEY_LENGTH, free_port, server_command, start, stats, stop


def write_round(port, first_key, count, low, high, seed, batch=500):
    """`count` sets of keys first_key... with value lengths uniform in low...high; waits for all."""
    lengths = random.Random(seed)
    with socket.create_connection(("127.0.0.1", port), 30) as connection:
        for batch_start in range(first_key, first_key + count, batch):
            sets = []
            for index in range(batch_start, min(first_key + count, batch_start + batch)):
                length = lengths.randint(low, high)
                key = b"k%0*d" % (KEY_LENGTH - 1, index)
                sets.append(b"set %s 0 0 %d noreply\r\n%s\r\n" % (key, length, b"v" * length))
            connection.sendall(b"".join(sets))
        connection.sendall(b"version\r\n")
        reply, deadline = b"", time.time() + 120
        while b"VERSION" not in reply and time.time() < deadline:
            reply += connection.recv(4096)


def run(name, command, port, arguments, low, high):
    per_round = int(arguments.megabytes * 1024 * 1024 / (KEY_LENGTH + (low + high) / 2 + 48))
    process = start(command, port)
    try:
        cells = []
        for round_index in range(arguments.rounds):
            write_round(port, round_index * per_round, per_round, low, high, seed=round_index)
            figures = stats(port)
            cells.append(f"{int(figures['curr_items']):>7} {int(figures['bytes']) / 1048576:5.1f}")
            time.sleep(arguments.pause)
        print(f"{name:<22} " + " | ".join(cells) + f" | moved {figures.get('slabs_moved', '?')}", flush=True)
    finally:
        stop(process)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=int, default=64)
    parser.add_argument("--values", default="0-3000", help="LOW-HIGH value lengths, uniform")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--pause", type=float, default=3.0)
    parser.add_argument("--factors", default="default,1.25,1.05", help="swiftcached -f values; 'default' = none given")
    parser.add_argument("--swiftcached", default=".build/release/swiftcached")
    parser.add_argument("--memcached", default="memcached")
    arguments = parser.parse_args()
    low, high = (int(part) for part in arguments.values.split("-"))

    print(f"-m {arguments.megabytes}, values {low}-{high} bytes, {arguments.rounds} rounds of about what fits; "
          f"each cell: curr_items, then bytes held in MB")
    servers = [("memcached", [arguments.memcached])]
    for factor in arguments.factors.split(","):
        flags = [] if factor == "default" else ["-f", factor]
        servers.append((f"swiftcached {'-f ' + factor if flags else '(default)'}", [arguments.swiftcached, *flags]))
    for name, (binary, *flags) in servers:
        port = free_port()
        run(name, server_command(binary, port, arguments.megabytes) + flags, port, arguments, low, high)
    return 0


if __name__ == "__main__":
    sys.exit(main())
