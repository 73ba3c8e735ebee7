#!/usr/bin/env python3
"""Plots the engine benchmarks from their own JSON output into docs/engine-benchmarks.png:
items held per value size (Scripts/bench_items_per_mb.py) and hit ratio per workload
(Scripts/bench_hit_ratio.py), swiftcached and memcached side by side.

    python3 -m venv /tmp/plot && /tmp/plot/bin/pip install matplotlib
    /tmp/plot/bin/python Scripts/plot_engine_benchmarks.py \
        [--items bench-results/items-per-mb.json] [--hits bench-results/hit-ratio.json] [--out docs/engine-benchmarks.png]
"""
import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as pyplot  # noqa: E402


def grouped_bars(axis, groups, series, values, ylabel, title, fmt):
    width = 0.8 / len(series)
    for offset, name in enumerate(series):
        heights = [values.get((group, name), 0) for group in groups]
        positions = [index + (offset - (len(series) - 1) / 2) * width for index in range(len(groups))]
        bars = axis.bar(positions, heights, width, label=name)
        axis.bar_label(bars, labels=[fmt(height) for height in heights], fontsize=7, rotation=90, padding=2)
    axis.set_xticks(range(len(groups)), [str(group) for group in groups])
    axis.set_ylabel(ylabel)
    axis.set_title(title)
    axis.legend(fontsize=8)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", default="bench-results/items-per-mb.json")
    parser.add_argument("--hits", default="bench-results/hit-ratio.json")
    parser.add_argument("--out", default="docs/engine-benchmarks.png")
    arguments = parser.parse_args()

    items = json.load(open(arguments.items))
    hits = json.load(open(arguments.hits))
    figure, (left, right) = pyplot.subplots(1, 2, figsize=(12, 4.8))

    sizes = sorted({row["value_size"] for row in items})
    servers = ["memcached", "swiftcached"]
    held = {(row["value_size"], row["server"]): row["curr_items"] for row in items}
    grouped_bars(left, sizes, servers, held, "items held (curr_items)",
                 "Items held at -m 64, 30-byte keys, by value size (bytes)", lambda value: f"{value:,}")
    left.set_yscale("log")
    left.set_ylim(top=max(held.values()) * 4)

    workloads = list(dict.fromkeys(row["workload"] for row in hits))
    names = list(dict.fromkeys(row["server"] for row in hits))
    ratios = {(row["workload"], row["server"]): row["hit_ratio"] * 100 for row in hits}
    grouped_bars(right, workloads, names, ratios, "hit ratio (%)",
                 "Hit ratio, Zipf 0.99 get / set-on-miss", lambda value: f"{value:.2f}")
    right.set_ylim(0, 110)
    right.legend(fontsize=8, loc="lower right")

    figure.tight_layout()
    figure.savefig(arguments.out, dpi=110)
    print(f"wrote {arguments.out}")


if __name__ == "__main__":
    main()
