#!/usr/bin/env python3
"""Where a filled server's RSS goes, and how much of it the request path needs.

For each server (swiftcached and memcached, same flags as bench_items_per_mb.py), fills the cache
with 30-byte keys and values of one size, then splits VmRSS by mapping: anonymous memory (items,
hash table, buffers) and pages mapped from files (the executable and its shared libraries). Then it
measures the library pages the running server really uses: it drops the process's mappings of
library pages that are unmodified copies of the file (`madvise(MADV_DONTNEED)` on every read-only
file mapping without private pages, called inside the process through gdb; the pages stay in the
page cache), sends the fill again (every set evicts) and a pass of gets, and counts what came back.
The second figure is a floor for what the first can become: pages touched only while starting
(dynamic linking, runtime metadata, argument parsing) are the difference.

    python3 Scripts/rss_working_set.py [--megabytes 64] [--sizes 100,1000]
        [--swiftcached .build/release/swiftcached] [--memcached memcached]

Needs gdb and ptrace rights over the started servers (root, or kernel.yama.ptrace_scope=0). An
analysis tool, not a benchmark of record: the server is changed by the measurement.
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_items_per_mb as items  # noqa: E402

MADV_DONTNEED = 4


def mappings(pid):
    """One dict per mapping of /proc/PID/smaps: start, end, perms, path, rss and anonymous (the
    private copies inside it), both in KiB."""
    rows, current = [], None
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if fields and "-" in fields[0] and not fields[0].endswith(":"):
                start, end = (int(x, 16) for x in fields[0].split("-"))
                path = fields[5] if len(fields) > 5 else ""
                current = {"start": start, "end": end, "perms": fields[1], "path": path, "rss": 0, "anonymous": 0}
                rows.append(current)
            elif fields and fields[0] == "Rss:":
                current["rss"] = int(fields[1])
            elif fields and fields[0] == "Anonymous:":
                current["anonymous"] = int(fields[1])
    return rows


def split_rss(pid):
    """MB of anonymous memory and of file pages (all files, and per file name)."""
    anonymous, files = 0, {}
    for row in mappings(pid):
        if row["path"].startswith("/"):
            name = os.path.basename(row["path"])
            files[name] = files.get(name, 0) + row["rss"] - row["anonymous"]
            anonymous += row["anonymous"]
        else:
            anonymous += row["rss"]
    return anonymous / 1024, sum(files.values()) / 1024, {name: kib / 1024 for name, kib in files.items()}


def drop_file_pages(pid):
    """madvise(MADV_DONTNEED) on each read-only file mapping that holds no private copy (so nothing
    but page-cache pages is dropped; they come back unchanged on the next touch)."""
    commands = []
    for row in mappings(pid):
        if row["path"].startswith("/") and "w" not in row["perms"] and row["anonymous"] == 0:
            commands += ["-ex", f"call (int)madvise((void*){row['start']}, {row['end'] - row['start']}, {MADV_DONTNEED})"]
    subprocess.run(["gdb", "-p", str(pid), "-batch", "-nx"] + commands,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=True)


def read_back(port, count, batch=500):
    """A pass of pipelined gets over the written keys (hits and misses), then a round trip."""
    with socket.create_connection(("127.0.0.1", port), 30) as connection:
        for start_index in range(0, count, batch):
            keys = [b"k%0*d" % (items.KEY_LENGTH - 1, i) for i in range(start_index, min(count, start_index + batch))]
            connection.sendall(b"get " + b" ".join(keys) + b"\r\n")
            reply = b""
            deadline = time.time() + 60
            while not reply.endswith(b"END\r\n") and time.time() < deadline:
                reply += connection.recv(1 << 20)


def measure(name, binary, megabytes, value_size):
    port = items.free_port()
    process = items.start(items.server_command(binary, port, megabytes), port)
    try:
        count = items.fill_count(megabytes, value_size)
        items.fill(port, count, value_size)
        filled = items.rss_kib(process.pid) / 1024
        anonymous, file_pages, by_file = split_rss(process.pid)
        drop_file_pages(process.pid)
        items.fill(port, count, value_size)
        read_back(port, count)
        _, working_set, working_by_file = split_rss(process.pid)
        return {"server": name, "value_size": value_size, "filled": filled, "anonymous": anonymous,
                "file_pages": file_pages, "file_pages_in_use": working_set,
                "again": items.rss_kib(process.pid) / 1024, "by_file": by_file, "in_use_by_file": working_by_file}
    finally:
        items.stop(process)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=int, default=64)
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--swiftcached", default=".build/release/swiftcached")
    parser.add_argument("--memcached", default="memcached")
    arguments = parser.parse_args()
    if not shutil.which("gdb"):
        print("rss_working_set: gdb is required (apt-get install gdb)", file=sys.stderr)
        return 2

    print(f"{'server':>12} {'value':>6} {'RSS filled':>10} {'anon':>6} {'files':>6} {'files in use':>12} "
          f"{'RSS after':>9}   (MB = 2^20 bytes)")
    for value_size in [int(size) for size in arguments.sizes.split(",")]:
        for name, binary in (("memcached", arguments.memcached), ("swiftcached", arguments.swiftcached)):
            row = measure(name, binary, arguments.megabytes, value_size)
            print(f"{name:>12} {value_size:>6} {row['filled']:>10.1f} {row['anonymous']:>6.1f} {row['file_pages']:>6.1f} "
                  f"{row['file_pages_in_use']:>12.1f} {row['again']:>9.1f}", flush=True)
            largest = sorted(row["by_file"].items(), key=lambda item: -item[1])[:8]
            print("             files filled: " + ", ".join(f"{n} {mb:.2f}" for n, mb in largest))
            in_use = sorted(row["in_use_by_file"].items(), key=lambda item: -item[1])[:8]
            print("             files in use: " + ", ".join(f"{n} {mb:.2f}" for n, mb in in_use))
    return 0


if __name__ == "__main__":
    sys.exit(main())
