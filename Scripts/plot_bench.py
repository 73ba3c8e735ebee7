#!/usr/bin/env python3
"""Plots one Scripts/bench.py run (its runs.csv and summary.json) into a PNG: per mode, the median
ops/s per workload for both servers (dots: the single rounds), and the median p50 / p99 / p99.9
latencies per workload (log scale).

Needs matplotlib (not in the system python): a venv, e.g.
`python3 -m venv /tmp/plot && /tmp/plot/bin/pip install matplotlib`.

    <venv with matplotlib>/bin/python Scripts/plot_bench.py bench-results/bench-<date> [--out docs/bench-side-by-side.png]
"""
import argparse
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as pyplot  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_engine_benchmarks import grouped_bars  # noqa: E402

SERVERS = ("swiftcached", "memcached")
COLORS = {"swiftcached": ("#f28e2b", "#e15759", "#9c2b2d"), "memcached": ("#76b7b2", "#4e79a7", "#283f63")}
PERCENTILES = (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9"))


def kilo(value):
    return "%.0fk" % (value / 1000) if value >= 1000 else "%.0f" % value


def throughput(axis, mode, results, rows):
    groups = [r["workload"] for r in results if r["mode"] == mode]
    values = {(r["workload"], s): r["medians"]["ops"][s] for r in results if r["mode"] == mode for s in SERVERS}
    grouped_bars(axis, groups, SERVERS, values, "ops/s (median of rounds)", "throughput, %s" % mode, kilo)
    width = 0.8 / len(SERVERS)
    for offset, server in enumerate(SERVERS):
        for index, workload in enumerate(groups):
            points = [float(r["ops"]) for r in rows if r["mode"] == mode and r["workload"] == workload
                      and r["server"] == server]
            x = index + (offset - (len(SERVERS) - 1) / 2) * width
            axis.plot([x] * len(points), points, "k.", markersize=3)
    axis.tick_params(axis="x", labelrotation=30, labelsize=8)
    axis.margins(y=0.25)


def latency(axis, mode, results):
    results = [r for r in results if r["mode"] == mode and "p99" in r["medians"]]
    groups = [r["workload"] for r in results]
    series = [(s, key, name, COLORS[s][i]) for i, (key, name) in enumerate(PERCENTILES) for s in SERVERS]
    width = 0.8 / len(series)
    for offset, (server, key, name, color) in enumerate(series):
        positions = [i + (offset - (len(series) - 1) / 2) * width for i in range(len(groups))]
        axis.bar(positions, [r["medians"][key][server] for r in results], width, color=color,
                 label="%s %s" % (server, name))
    axis.set_yscale("log")
    axis.set_xticks(range(len(groups)), groups)
    axis.tick_params(axis="x", labelrotation=30, labelsize=8)
    axis.set_ylabel("latency, ms (median of rounds, log)")
    axis.set_title("latency percentiles, %s" % mode)
    axis.legend(fontsize=6, ncol=3)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", help="a bench-results/bench-<date> directory")
    parser.add_argument("--out", default="docs/bench-side-by-side.png")
    args = parser.parse_args()
    summary = json.load(open(os.path.join(args.results, "summary.json")))
    rows = list(csv.DictReader(open(os.path.join(args.results, "runs.csv"))))
    results = summary["results"]
    modes = [m for m in ("unpinned", "pinned") if any(r["mode"] == m for r in results)]
    figure, axes = pyplot.subplots(2, len(modes), figsize=(7 * len(modes), 9), squeeze=False)
    for column, mode in enumerate(modes):
        throughput(axes[0][column], mode, results, rows)
        latency(axes[1][column], mode, results)
    config = summary["config"]
    figure.suptitle("swiftcached (%s) vs %s: %s rounds of %s s, load average %s -> %s" % tuple(
        str(config.get(k, "?")).replace("load average ", "") for k in (
            "swiftcached_commit", "memcached_version", "rounds", "duration", "load_before", "load_after")),
        fontsize=10)
    figure.tight_layout()
    figure.savefig(args.out, dpi=110)
    print("wrote " + args.out)


if __name__ == "__main__":
    main()
