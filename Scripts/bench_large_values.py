#!/usr/bin/env python3
"""Large-value gets: how long a `get` of a large value takes, and what it does to small gets of
other keys meanwhile — swiftcached (one or two builds, e.g. before and after a change) and
memcached, alternating rounds.

    python3 Scripts/bench_large_values.py [--swiftcached BIN ...] [--memcached BIN]
        [--value-mb 10] [--rounds 3] [--seconds 8] [--readers 4] [--out DIR]

Each round, per server: a fresh server (-m 1024 -t 2 -I 128m) holds one value of --value-mb
megabytes and 1,000 small keys; --readers connections each `get` the large value in a loop and read
it at full speed for --seconds, while one probe connection does a `get` of a small key every 10 ms.
Reported per server: large-get time (p50/p99, ms, from sending the request to the last byte of the
answer), large gets per second, small-get latency during the load (p50/p99/max, ms) and idle
before it, and the server's peak RSS. Servers are run one at a time, rounds alternate the order;
figures are medians over rounds. Results: DIR/large_values.json and a markdown table on stdout.
"""
import argparse
import json
import os
import socket
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

SMALL_KEYS = 1000
SERVER_ARGS = ["-m", "1024", "-t", "2", "-I", "128m"]


def read_exactly(sock, count):
    view = memoryview(bytearray(count))
    got = 0
    while got < count:
        n = sock.recv_into(view[got:], count - got)
        if n == 0:
            raise ConnectionError("closed after %d of %d bytes" % (got, count))
        got += n
    return view


def read_line(sock):
    line = bytearray()
    while not line.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError("closed in a line")
        line += chunk
    return bytes(line)


def get_value(sock, key):
    """One text get; returns the value's length (0 on a miss)."""
    sock.sendall(b"get %s\r\n" % key)
    header = read_line(sock)
    if header == b"END\r\n":
        return 0
    length = int(header.split()[3])
    read_exactly(sock, length + 2 + 5)  # value, "\r\n", "END\r\n"
    return length


def fill(port, value_mb):
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        size = value_mb << 20
        s.sendall(b"set large 0 0 %d\r\n" % size)
        block = b"L" * (1 << 20)
        for _ in range(value_mb):
            s.sendall(block)
        s.sendall(b"\r\n")
        assert read_line(s) == b"STORED\r\n", "large value not stored"
        for i in range(SMALL_KEYS):
            s.sendall(b"set small%d 0 0 32\r\n%s\r\n" % (i, b"s" * 32))
        for _ in range(SMALL_KEYS):
            assert read_line(s) == b"STORED\r\n"


def probe(port, stop, samples, interval=0.01):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        i = 0
        while not stop.is_set():
            started = time.perf_counter()
            get_value(s, b"small%d" % (i % SMALL_KEYS))
            samples.append((time.perf_counter() - started) * 1000)
            i += 1
            time.sleep(interval)


def reader(port, stop, times, errors):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            while not stop.is_set():
                started = time.perf_counter()
                get_value(s, b"large")
                times.append((time.perf_counter() - started) * 1000)
    except (OSError, ConnectionError, ValueError) as e:
        errors.append(repr(e))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def peak_rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(label, binary, args, out):
    server = benchlib.Server(label, binary, SERVER_ARGS, os.path.join(out, "server-%s.log" % label))
    try:
        fill(server.port, args.value_mb)
        idle, during, times, errors = [], [], [], []
        stop = threading.Event()
        idle_probe = threading.Thread(target=probe, args=(server.port, stop, idle))
        idle_probe.start()
        time.sleep(2)
        stop.set()
        idle_probe.join()
        stop = threading.Event()
        threads = [threading.Thread(target=probe, args=(server.port, stop, during))]
        threads += [threading.Thread(target=reader, args=(server.port, stop, times, errors)) for _ in range(args.readers)]
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        stop.set()
        for t in threads:
            t.join(60)
        if errors:
            benchlib.die("%s: large-value readers failed: %s" % (label, errors[:3]), 1)
        return {
            "large_get_p50_ms": percentile(times, 0.5), "large_get_p99_ms": percentile(times, 0.99),
            "large_gets_per_s": len(times) / args.seconds,
            "small_idle_p50_ms": percentile(idle, 0.5), "small_idle_p99_ms": percentile(idle, 0.99),
            "small_p50_ms": percentile(during, 0.5), "small_p99_ms": percentile(during, 0.99),
            "small_max_ms": max(during) if during else float("nan"),
            "peak_rss_mb": peak_rss_mb(server.pid),
        }
    finally:
        server.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--swiftcached", action="append", help="a swiftcached binary (repeat to compare builds)")
    p.add_argument("--memcached")
    p.add_argument("--value-mb", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--readers", type=int, default=4)
    p.add_argument("--out", default=os.path.join("bench-results", "large-values-%s" % time.strftime("%Y%m%d-%H%M%S")))
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    default_swift, memcached = benchlib.server_binaries(None, args.memcached)
    servers = [("memcached", memcached)]
    for index, binary in enumerate(args.swiftcached or [default_swift]):
        servers.append(("swiftcached" if index == 0 and len(args.swiftcached or []) < 2 else "swiftcached-%d" % (index + 1), binary))
    rounds = {label: [] for label, _ in servers}
    for round_index in range(args.rounds):
        order = servers if round_index % 2 == 0 else list(reversed(servers))
        for label, binary in order:
            rounds[label].append(measure(label, binary, args, args.out))
            print("round %d %s: %s" % (round_index + 1, label, json.dumps(rounds[label][-1])), flush=True)
    summary = {label: {k: statistics.median(r[k] for r in results) for k in results[0]} for label, results in rounds.items()}
    with open(os.path.join(args.out, "large_values.json"), "w") as f:
        json.dump({"args": vars(args), "servers": dict(servers), "rounds": rounds, "median": summary}, f, indent=2)
    keys = list(next(iter(summary.values())).keys())
    print("\n| server | " + " | ".join(keys) + " |")
    print("|---|" + "---|" * len(keys))
    for label, figures in summary.items():
        print("| %s | " % label + " | ".join("%.1f" % figures[k] for k in keys) + " |")
    print("\nresults: %s" % args.out)


if __name__ == "__main__":
    main()
