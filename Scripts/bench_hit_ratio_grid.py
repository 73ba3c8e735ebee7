#!/usr/bin/env python3
"""Hit-ratio grid: swiftcached's default eviction policy (S3-FIFO) against memcached, cell by cell.

Cells: Zipf skew {0.8, 0.99, 1.2} x key count {100k, 1M, 10M} x memory {-m 16, 32, 128} x
{without, with} scans: 54 cells. Each cell is one run of Scripts/bench_hit_ratio.py's workload (its
stream, replay and server start are imported from there): a Zipf key stream generated once with a
fixed seed, replayed as "get, then set on a miss" with pipelined multi-gets of 100 keys and 100-byte
values, against both servers with the same -m and -t 2. Which server goes first alternates from
cell to cell. Only the Zipf requests after the cell's warm-up count toward the hit ratio.

Request counts per cell (printed with --plan, recorded in every JSON row):
- capacity C = -m MiB / 192 bytes: a 16-byte key with a 100-byte value is a 192-byte chunk in
  memcached (174,752 items at -m 32). It is only used to size the stream.
- warm-up W: counting must start with the cache full and already evicting, and what fills a cache
  is distinct keys, not requests. The number of requests after which a Zipf stream has asked for a
  given number of distinct keys grows with the skew (the head repeats) and shrinks with the key
  count (a longer tail brings new keys sooner), so W is the request count at which the expected
  number of distinct keys, sum over keys of 1 - (1 - p_i)^W, reaches min(1.25 C, 0.9 keys): a
  quarter of the cache already turned over, or, where the key space is not much larger than the
  cache, most of it seen once. W is bounded to [--min-warmup, --max-warmup]; where the cap binds
  the row says `warmup_capped` (the cache may still be filling while counting; the plain stream can
  then leave the cache with free memory and both servers nearly level). Where the whole key space
  fits (keys <= C, e.g. 100k keys at -m 128) there are no evictions and the two servers can only tie.
- counted requests R: --requests, raised to 2 x scan period where the scans are longer, so every
  counted window holds at least two scans at the scan period of that cell.
- scans (as in bench_hit_ratio.py, scaled to the cell): every 2 L Zipf requests, a one-pass scan of
  L never-repeated keys, read and filled, with L = 4/7 C (100,000 keys at -m 32, that script's
  default); scans are a third of all requests, as there. The plain and scan variants of a cell share
  the same Zipf stream and warm-up.

    python3 Scripts/bench_hit_ratio_grid.py [--skews 0.8,0.99,1.2] [--keys 100000,1000000,10000000]
        [--megabytes 16,32,128] [--scans no,yes] [--requests 1000000] [--max-warmup 3000000]
        [--swiftcached .build/release/swiftcached] [--json bench-results/hit-ratio-grid.json] [--plan]
    python3 Scripts/bench_hit_ratio_grid.py --show [--json ...]   # the table of a finished run, and as Markdown

Writes one JSON row per cell (both hit ratios, the difference in points, request counts, items
held, evictions, seconds) after every cell, and prints a table and the median difference at the end.
Plot: Scripts/plot_hit_ratio_grid.py. Needs numpy.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_hit_ratio import build_stream, measure  # noqa: E402
from bench_items_per_mb import add_server_arguments, write_rows  # noqa: E402

CHUNK_BYTES = 192  # memcached's slab chunk for a 16-byte key and a 100-byte value
VALUE_SIZE = 100


def parse_list(text, kind):
    return [kind(item) for item in text.split(",") if item]


def requests_for_distinct(keys, alpha, target, ceiling):
    """The fewest requests (within 1%) after which a finite Zipf(alpha) stream is expected to have asked
    for `target` distinct keys (sum over keys of 1 - (1 - p_i)^requests), or `ceiling` if more."""
    weights = 1.0 / numpy.power(numpy.arange(1, keys + 1, dtype=numpy.float64), alpha)
    log_miss = numpy.log1p(-weights / weights.sum())

    def distinct(requests):
        return float(numpy.sum(-numpy.expm1(requests * log_miss)))

    if distinct(ceiling) < target:
        return ceiling
    low, high = 1, ceiling
    while high > low * 1.01:
        middle = int((low * high) ** 0.5)
        if distinct(middle) >= target:
            high = middle
        else:
            low = middle
    return high


def plan_cell(arguments, alpha, keys, megabytes):
    capacity = megabytes * 1024 * 1024 // CHUNK_BYTES
    target = min(1.25 * capacity, 0.9 * keys)
    warmup = max(arguments.min_warmup, requests_for_distinct(keys, alpha, target, arguments.max_warmup + 1))
    capped = warmup > arguments.max_warmup
    warmup = min(warmup, arguments.max_warmup)
    scan_length = capacity * 4 // 7
    scan_every = 2 * scan_length
    counted = max(arguments.requests, 2 * scan_every)
    return {"capacity_estimate": capacity, "keys_fit": keys <= capacity, "warmup": warmup, "warmup_capped": capped,
            "counted_requests": counted, "scan_length": scan_length, "scan_every": scan_every}


def run_cell(arguments, servers, index, alpha, keys, megabytes, with_scans, plan):
    stream_arguments = argparse.Namespace(keys=keys, alpha=alpha, requests=plan["warmup"] + plan["counted_requests"],
                                          seed=arguments.seed, scan_every=plan["scan_every"],
                                          scan_length=plan["scan_length"])
    stream = build_stream(stream_arguments, with_scans)
    order = servers if index % 2 == 0 else servers[::-1]
    results = {}
    for name, command in order:
        results[name] = measure(command, megabytes, stream, plan["warmup"], VALUE_SIZE, arguments.batch)
    memcached, swift = results["memcached"], results["swiftcached"]
    return {"skew": alpha, "keys": keys, "megabytes": megabytes, "scans": with_scans, **plan,
            "swiftcached_policy": arguments.policy or "default",
            "stream_requests": len(stream), "first": order[0][0],
            "memcached": memcached, "swiftcached": swift,
            "difference_points": round((swift["hit_ratio"] - memcached["hit_ratio"]) * 100, 3)}


def short(number):
    return f"{number // 1_000_000}M" if number % 1_000_000 == 0 else f"{number // 1000}k"


def print_table(rows):
    print(f"\n{'skew':>5} {'keys':>5} {'-m':>4} {'scans':>5} {'warm-up':>9} {'counted':>9} {'memcached':>10} "
          f"{'swiftcached':>11} {'diff':>7} {'items mc':>9} {'items sc':>9}  note")
    for row in rows:
        notes = ["keys fit"] if row["keys_fit"] and not row["scans"] else []
        notes += ["warm-up capped"] if row["warmup_capped"] else []
        note = ", ".join(notes)
        print(f"{row['skew']:>5} {short(row['keys']):>5} {row['megabytes']:>4} {'yes' if row['scans'] else 'no':>5} "
              f"{row['warmup']:>9} {row['counted_requests']:>9} {row['memcached']['hit_ratio'] * 100:>9.2f}% "
              f"{row['swiftcached']['hit_ratio'] * 100:>10.2f}% {row['difference_points']:>+7.2f} "
              f"{row['memcached']['curr_items']:>9} {row['swiftcached']['curr_items']:>9}  {note}")
    differences = [row["difference_points"] for row in rows]
    below = [row for row in rows if row["difference_points"] < 0]
    print(f"\n{len(rows)} cells; median difference {statistics.median(differences):+.2f} points "
          f"(min {min(differences):+.2f}, max {max(differences):+.2f}); {len(below)} below memcached")
    for row in below:
        print(f"  below: skew {row['skew']}, {short(row['keys'])} keys, -m {row['megabytes']}, "
              f"scans {'yes' if row['scans'] else 'no'}: {row['difference_points']:+.2f}")


def print_markdown(rows):
    """The table as Markdown (for docs/benchmarks.md)."""
    print("\n| skew | keys | -m | scans | warm-up | counted | memcached | swiftcached | difference | items mc / sc "
          "| evictions mc / sc |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        notes = ["keys fit"] if row["keys_fit"] and not row["scans"] else []
        notes += ["warm-up capped"] if row["warmup_capped"] else []
        memcached, swift = row["memcached"], row["swiftcached"]
        print(f"| {row['skew']} | {short(row['keys'])} | {row['megabytes']} | {'yes' if row['scans'] else 'no'} "
              f"| {row['warmup']:,}{' (capped)' if row['warmup_capped'] else ''} | {row['counted_requests']:,} "
              f"| {memcached['hit_ratio'] * 100:.2f}% | {swift['hit_ratio'] * 100:.2f}% "
              f"| {row['difference_points']:+.2f} | {memcached['curr_items']:,} / {swift['curr_items']:,} "
              f"| {memcached['evictions']:,} / {swift['evictions']:,} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skews", default="0.8,0.99,1.2")
    parser.add_argument("--keys", default="100000,1000000,10000000")
    parser.add_argument("--megabytes", default="16,32,128")
    parser.add_argument("--scans", default="no,yes", help="no, yes or both (no,yes)")
    parser.add_argument("--requests", type=int, default=1_000_000,
                        help="counted Zipf requests per cell (raised to two scan periods where those are longer)")
    parser.add_argument("--min-warmup", type=int, default=100_000)
    parser.add_argument("--max-warmup", type=int, default=3_000_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--policy", help="swiftcached -o eviction_policy=...; default: the server's default")
    parser.add_argument("--plan", action="store_true", help="print each cell's request counts and exit")
    parser.add_argument("--show", action="store_true",
                        help="measure nothing: print the table of the rows in --json, then as Markdown")
    add_server_arguments(parser, "bench-results/hit-ratio-grid.json")
    arguments = parser.parse_args()
    if arguments.show:
        rows = json.load(open(arguments.json))
        print_table(rows)
        print_markdown(rows)
        return 0

    scans = []
    for choice in parse_list(arguments.scans, str):
        if choice not in ("no", "yes"):
            parser.error("--scans takes no, yes or no,yes")
        scans.append(choice == "yes")
    cells = [(alpha, keys, megabytes, with_scans)
             for with_scans in scans
             for alpha in parse_list(arguments.skews, float)
             for keys in parse_list(arguments.keys, int)
             for megabytes in parse_list(arguments.megabytes, int)]

    plans = {}
    for alpha, keys, megabytes, _ in cells:
        if (alpha, keys, megabytes) not in plans:
            plans[(alpha, keys, megabytes)] = plan_cell(arguments, alpha, keys, megabytes)
    if arguments.plan:
        total = 0
        for alpha, keys, megabytes, with_scans in cells:
            plan = plans[(alpha, keys, megabytes)]
            zipf = plan["warmup"] + plan["counted_requests"]
            requests = zipf + (zipf // plan["scan_every"]) * plan["scan_length"] * with_scans
            total += 2 * requests
            print(json.dumps({"skew": alpha, "keys": keys, "megabytes": megabytes, "scans": with_scans, **plan,
                              "stream_requests": requests}))
        print(f"{len(cells)} cells, {total:,} requests in all (both servers)")
        return 0

    as_root = ["-u", "root"] if os.geteuid() == 0 else []  # both servers refuse root without -u
    policy = ["-o", f"eviction_policy={arguments.policy}"] if arguments.policy else []
    servers = [("memcached", [arguments.memcached] + as_root),
               ("swiftcached", [arguments.swiftcached] + policy + as_root)]
    rows = []
    began = time.time()
    for index, (alpha, keys, megabytes, with_scans) in enumerate(cells):
        rows.append(run_cell(arguments, servers, index, alpha, keys, megabytes, with_scans,
                             plans[(alpha, keys, megabytes)]))
        row = rows[-1]
        print(f"[{index + 1}/{len(cells)} {time.time() - began:.0f}s] skew {alpha} keys {keys} -m {megabytes} "
              f"scans {with_scans}: memcached {row['memcached']['hit_ratio'] * 100:.2f}% "
              f"swiftcached {row['swiftcached']['hit_ratio'] * 100:.2f}% ({row['difference_points']:+.2f})", flush=True)
        write_rows(arguments.json, rows)
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
