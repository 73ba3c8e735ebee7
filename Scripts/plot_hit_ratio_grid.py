#!/usr/bin/env python3
"""Heat map of the hit-ratio grid (Scripts/bench_hit_ratio_grid.py's JSON): the difference in points,
swiftcached minus memcached, per cell; one panel without scans, one with. Rows are Zipf skews,
columns key count x -m; each cell shows the difference and both hit ratios, and notes where the key
space fits in memory, where neither server evicted anything, and where the warm-up was capped. The
colours saturate at 5 points. Cells not measured are left blank.

    <venv with matplotlib>/bin/python Scripts/plot_hit_ratio_grid.py \
        [--json bench-results/hit-ratio-grid.json] [--out docs/hit-ratio-grid.png]
"""
import argparse
import json
import statistics

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as pyplot  # noqa: E402
import numpy  # noqa: E402


def short(number):
    return f"{number // 1_000_000}M" if number % 1_000_000 == 0 else f"{number // 1000}k"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", default="bench-results/hit-ratio-grid.json")
    parser.add_argument("--out", default="docs/hit-ratio-grid.png")
    arguments = parser.parse_args()

    rows = json.load(open(arguments.json))
    skews = sorted({row["skew"] for row in rows})
    columns = sorted({(row["keys"], row["megabytes"]) for row in rows})
    cells = {(row["scans"], row["skew"], row["keys"], row["megabytes"]): row for row in rows}
    differences = [row["difference_points"] for row in rows]
    # Colours saturate at 5 points (one outlier would otherwise wash out the rest); the numbers are exact.
    limit = max(1.0, min(5.0, max(abs(value) for value in differences)))

    figure, axes = pyplot.subplots(2, 1, figsize=(max(6, 1.25 * len(columns) + 2.5), 2.2 * len(skews) + 2.2))
    for axis, with_scans in zip(axes, (False, True)):
        grid = numpy.full((len(skews), len(columns)), numpy.nan)
        for row_index, skew in enumerate(skews):
            for column_index, (keys, megabytes) in enumerate(columns):
                row = cells.get((with_scans, skew, keys, megabytes))
                if row is None:
                    continue
                grid[row_index, column_index] = row["difference_points"]
                notes = []
                if row["keys_fit"] and not with_scans:
                    notes.append("keys fit")
                elif row["memcached"]["evictions"] == 0 and row["swiftcached"]["evictions"] == 0:
                    notes.append("no evictions")
                if row["warmup_capped"]:
                    notes.append("warm-up capped")
                label = (f"{row['difference_points']:+.2f}\n"
                         f"{row['memcached']['hit_ratio'] * 100:.1f} / {row['swiftcached']['hit_ratio'] * 100:.1f}")
                label += "".join("\n" + note for note in notes)
                dark = abs(row["difference_points"]) > 0.6 * limit
                axis.text(column_index, row_index, label, ha="center", va="center", fontsize=7,
                          color="white" if dark else "black")
        image = axis.imshow(grid, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
        axis.set_xticks(range(len(columns)), [f"{short(keys)} keys\n-m {megabytes}" for keys, megabytes in columns],
                        fontsize=8)
        for column_index in range(1, len(columns)):
            if columns[column_index][0] != columns[column_index - 1][0]:
                axis.axvline(column_index - 0.5, color="black", linewidth=1.5)
        axis.set_yticks(range(len(skews)), [f"Zipf {skew}" for skew in skews], fontsize=8)
        panel = [row["difference_points"] for row in rows if row["scans"] == with_scans]
        summary = f"median {statistics.median(panel):+.2f}" if panel else "not measured"
        axis.set_title(f"{'with one-pass scans' if with_scans else 'without scans'} ({summary} points)", fontsize=10)
        figure.colorbar(image, ax=axis, label="points", fraction=0.03, pad=0.01, extend="both")
    policy = rows[0].get("swiftcached_policy", "default")
    policy = "default policy, S3-FIFO" if policy == "default" else f"eviction_policy={policy}"
    figure.suptitle(f"Hit ratio, swiftcached ({policy}) minus memcached 1.6.18, in points "
                    f"(median cell {statistics.median(differences):+.2f});\n"
                    f"cell text: difference, then memcached / swiftcached hit ratio (%)", fontsize=10)
    figure.tight_layout()
    figure.savefig(arguments.out, dpi=110)
    print(f"wrote {arguments.out}")


if __name__ == "__main__":
    main()
