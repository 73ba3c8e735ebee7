#!/usr/bin/env python3
"""Items held per megabyte: swiftcached against memcached at the same -m.

For each value size, starts both servers with the same flags, writes distinct fixed-length keys
(30 bytes) well past capacity with pipelined `noreply` sets, then reads `curr_items`, `evictions`,
`bytes` and the process RSS. Memory figures repeat exactly, so one round per size is enough.

    python3 Scripts/bench_items_per_mb.py [--megabytes 64] [--sizes 32,100,1000,10000]
        [--swiftcached .build/release/swiftcached] [--json bench-results/items-per-mb.json]

Prints a table, the ratio swiftcached / memcached of items held per value size, and the same ratio
of items per megabyte of whole-process RSS.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

KEY_LENGTH = 30


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command, port):
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"server did not start: {' '.join(command)}")


def stop(process):
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def stats(port):
    with socket.create_connection(("127.0.0.1", port), 5) as connection:
        connection.sendall(b"stats\r\n")
        data = b""
        deadline = time.time() + 10
        while not data.endswith(b"END\r\n") and time.time() < deadline:
            data += connection.recv(65536)
    result = {}
    for line in data.decode().splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[0] == "STAT":
            result[parts[1]] = parts[2]
    return result


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fill(port, count, value_size, batch=500):
    """Pipelined noreply sets; a final `mn`-free round trip (version) waits for them all."""
    value = b"v" * value_size
    with socket.create_connection(("127.0.0.1", port), 30) as connection:
        for start_index in range(0, count, batch):
            chunk = []
            for index in range(start_index, min(count, start_index + batch)):
                key = b"k%0*d" % (KEY_LENGTH - 1, index)
                chunk.append(b"set %s 0 0 %d noreply\r\n%s\r\n" % (key, value_size, value))
            connection.sendall(b"".join(chunk))
        connection.sendall(b"version\r\n")
        reply = b""
        deadline = time.time() + 120
        while b"VERSION" not in reply and time.time() < deadline:
            reply += connection.recv(4096)


def fill_count(megabytes, value_size):
    """Keys to write so that about twice what fits is written (every later set evicts)."""
    return int(megabytes * 1024 * 1024 / (KEY_LENGTH + value_size + 48) * 2) + 1000


def server_command(binary, port, megabytes):
    """The flags both servers start with here: TCP on 127.0.0.1 only, -m, two workers."""
    command = [binary, "-p", str(port), "-l", "127.0.0.1", "-U", "0", "-m", str(megabytes), "-t", "2"]
    return command + (["-u", "root"] if os.geteuid() == 0 else [])  # both refuse root without -u


def measure(name, command, port, megabytes, value_size):
    process = start(command, port)
    try:
        count = fill_count(megabytes, value_size)
        fill(port, count, value_size)
        figures = stats(port)
        return {
            "server": name, "value_size": value_size, "written": count,
            "curr_items": int(figures.get("curr_items", 0)), "evictions": int(figures.get("evictions", 0)),
            "bytes": int(figures.get("bytes", 0)), "rss_kib": rss_kib(process.pid),
        }
    finally:
        stop(process)


def add_server_arguments(parser, json_default):
    """The options every engine benchmark shares: the two binaries and where the rows go."""
    parser.add_argument("--swiftcached", default=".build/release/swiftcached")
    parser.add_argument("--memcached", default="memcached")
    parser.add_argument("--json", default=json_default)


def write_rows(path, rows):
    """Saves the measured rows (JSON) for the plot script."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as output:
        json.dump(rows, output, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=int, default=64)
    parser.add_argument("--sizes", default="32,100,1000,10000")
    add_server_arguments(parser, "bench-results/items-per-mb.json")
    arguments = parser.parse_args()

    rows = []
    for value_size in [int(size) for size in arguments.sizes.split(",")]:
        for name, binary in (("memcached", arguments.memcached), ("swiftcached", arguments.swiftcached)):
            port = free_port()
            rows.append(measure(name, server_command(binary, port, arguments.megabytes), port, arguments.megabytes, value_size))
            print(json.dumps(rows[-1]), flush=True)

    print(f"\nitems held at -m {arguments.megabytes} with {KEY_LENGTH}-byte keys")
    # per RSS: items per megabyte of whole-process RSS, swiftcached's over memcached's.
    print(f"{'value':>7} {'memcached':>10} {'swiftcached':>12} {'ratio':>6} {'RSS mc MB':>10} {'RSS sc MB':>10} "
          f"{'per RSS':>8}")
    for value_size in sorted({row["value_size"] for row in rows}):
        memcached = next(r for r in rows if r["server"] == "memcached" and r["value_size"] == value_size)
        swift = next(r for r in rows if r["server"] == "swiftcached" and r["value_size"] == value_size)
        ratio = swift["curr_items"] / memcached["curr_items"] if memcached["curr_items"] else float("nan")
        per_rss = ratio * memcached["rss_kib"] / swift["rss_kib"] if swift["rss_kib"] else float("nan")
        print(f"{value_size:>7} {memcached['curr_items']:>10} {swift['curr_items']:>12} {ratio:>6.2f} "
              f"{memcached['rss_kib'] / 1024:>10.1f} {swift['rss_kib'] / 1024:>10.1f} {per_rss:>8.2f}")
    write_rows(arguments.json, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
