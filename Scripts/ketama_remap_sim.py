#!/usr/bin/env python3
"""Fraction of keys that move to another node when one node is added to (or removed from) a
cluster of N nodes, for ketama consistent hashing and for modulo hashing, N = 3 … 1000.

ketama as libmemcached (MEMCACHED_BEHAVIOR_KETAMA) and twemproxy build it: for each server, 40
MD5 digests of "host:port-i", each giving 4 points (4 bytes little-endian) on a 32-bit ring: 160
points per node; a key goes to the first point at or after MD5(key)'s first 4 bytes.
Modulo: node = hash(key) mod N (libmemcached's default distribution).

  python3 Scripts/ketama_remap_sim.py                 # prints the table (standard library only)
  python3 Scripts/ketama_remap_sim.py --plot out.png  # also draws it (needs matplotlib)
"""
import argparse
import bisect
import hashlib

NODE_COUNTS = [3, 4, 5, 6, 8, 10, 16, 20, 32, 50, 64, 100, 128, 200, 256, 500, 1000]
KEYS = 20000


def md5(text):
    return hashlib.md5(text.encode()).digest()


def ketama_ring(nodes):
    points = []
    for node in nodes:
        for i in range(40):
            digest = md5("%s-%d" % (node, i))
            for part in range(4):
                points.append((int.from_bytes(digest[part * 4:part * 4 + 4], "little"), node))
    points.sort()
    return [p[0] for p in points], [p[1] for p in points]


def ketama_assign(ring, key_hashes):
    positions, owners = ring
    return [owners[bisect.bisect_left(positions, h) % len(positions)] for h in key_hashes]


def moved(before, after):
    return sum(1 for a, b in zip(before, after) if a != b) / len(before)


def simulate():
    key_hashes = [int.from_bytes(md5("key:%d" % i)[:4], "little") for i in range(KEYS)]
    rows = []
    for n in NODE_COUNTS:
        nodes = ["10.0.%d.%d:11211" % (i // 250, i % 250 + 1) for i in range(n + 1)]
        ring_n = ketama_assign(ketama_ring(nodes[:n]), key_hashes)
        ring_added = ketama_assign(ketama_ring(nodes), key_hashes)
        # Removing one node: the middle one, so the result does not depend on list order.
        removed = nodes[:n // 2] + nodes[n // 2 + 1:n]
        ring_removed = ketama_assign(ketama_ring(removed), key_hashes)
        modulo_added = moved([h % n for h in key_hashes], [h % (n + 1) for h in key_hashes])
        modulo_removed = moved([h % n for h in key_hashes], [h % (n - 1) for h in key_hashes])
        rows.append((n, moved(ring_n, ring_added), moved(ring_n, ring_removed), modulo_added, modulo_removed,
                     1 / (n + 1), 1 / n))
    return rows


def plot(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    n = [r[0] for r in rows]
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(n, [r[1] for r in rows], "o-", label="ketama, add one node")
    ax.plot(n, [r[2] for r in rows], "s-", label="ketama, remove one node")
    ax.plot(n, [r[3] for r in rows], "o--", label="modulo, add one node")
    ax.plot(n, [r[4] for r in rows], "s--", label="modulo, remove one node")
    ax.plot(n, [r[5] for r in rows], ":", color="gray", label="ideal 1/(N+1)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("nodes before the change (N)")
    ax.set_ylabel("fraction of keys remapped")
    ax.set_title("Keys remapped by one membership change (%d keys)" % KEYS)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", help="write a PNG plot here (needs matplotlib)")
    args = parser.parse_args()
    rows = simulate()
    print("| N | ketama +1 | ketama -1 | modulo +1 | modulo -1 | 1/(N+1) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, ka, kr, ma, mr, ideal, _ in rows:
        print("| %d | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% |" % (n, ka * 100, kr * 100, ma * 100, mr * 100, ideal * 100))
    if args.plot:
        plot(rows, args.plot)


if __name__ == "__main__":
    main()
