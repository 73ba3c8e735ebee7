#!/usr/bin/env python3
"""Hit ratio across a rolling upgrade of a 3-node cluster (Scripts/cluster.sh upgrade), with warm
restart (-e on a tmpfs, WARM=1) and without (WARM=0).

A look-aside client ("get; set on a miss") replays a Zipf(alpha) key stream against the cluster the
endpoint lists (`config get cluster`, re-read every 0.2 s), placing keys with ketama as libmemcached
does (Scripts/ketama_remap_sim.py); every key is stored first, so the steady state is all hits. A
node that is away, or not listed, is a miss for its keys (they go to another node meanwhile). After
--before seconds of load `cluster.sh upgrade` restarts the nodes one at a time; the load goes on
until --after seconds past its end. The hit ratio is recorded per --bucket seconds.

  python3 Scripts/bench_upgrade.py [--keys 30000] [--alpha 1.0] [--plot docs/cluster-upgrade-hit-ratio.png]

Needs numpy (the Zipf stream) and, for --plot, matplotlib. Results: bench-results/upgrade-<date>/.
"""
import argparse
import bisect
import datetime
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_hit_ratio import zipf_ranks  # noqa: E402
from ketama_remap_sim import ketama_ring  # noqa: E402
import benchlib  # noqa: E402

sys.path.insert(0, os.path.join(benchlib.REPO, "Tests", "clients"))
from cluster_harness import config_get, free_port_run  # noqa: E402

NODES = 3


def cluster_sh(env, *args):
    done = subprocess.run(["bash", os.path.join(benchlib.REPO, "Scripts", "cluster.sh")] + list(args), env=env,
                          cwd=benchlib.REPO, capture_output=True, timeout=300)
    if done.returncode != 0:
        logs = "".join(open(os.path.join(env["CLUSTER_DIR"], name), errors="replace").read()[-600:]
                       for name in os.listdir(env["CLUSTER_DIR"]) if name.endswith(".log"))
        benchlib.die("cluster.sh %s failed: %s\n%s" % (" ".join(args), done.stderr.decode()[-2000:], logs), 1)
    return done.stdout.decode()


def listed_nodes(endpoint_port):
    """host:port of every node `config get cluster` lists (none if the endpoint does not answer)."""
    try:
        return sorted("%s:%d" % (ip, port) for _, ip, port in config_get(endpoint_port)[1])
    except (OSError, AssertionError, ValueError):
        return []


class LookAsideClient:
    """One connection per node; a node that fails is dropped and counts as a miss until it answers."""

    def __init__(self, value):
        self.value = value
        self.connections = {}

    def _connection(self, node):
        if node not in self.connections:
            host, port = node.split(":")
            self.connections[node] = socket.create_connection((host, int(port)), timeout=2)
        return self.connections[node]

    def _exchange(self, sock, request, until):
        sock.sendall(request)
        data = b""
        while not data.endswith(until):
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def store(self, node, key):
        self._exchange(self._connection(node), b"set %s 0 0 %d\r\n%s\r\n" % (key, len(self.value), self.value), b"\r\n")

    def hit(self, node, key):
        """get; on a miss set. True for a hit; a node that cannot be reached is a miss."""
        try:
            sock = self._connection(node)
            if self._exchange(sock, b"get %s\r\n" % key, b"END\r\n") != b"END\r\n":
                return True
            self.store(node, key)
        except OSError:
            old = self.connections.pop(node, None)
            if old:
                old.close()
        return False


def owner(ring, key):
    point = int.from_bytes(hashlib.md5(key).digest()[:4], "little")
    return ring[1][bisect.bisect_left(ring[0], point) % len(ring[0])]


def run(mode, arguments, ranks):
    base = free_port_run(NODES + 1)
    work = tempfile.mkdtemp(prefix="bench-upgrade-")
    memory = tempfile.mkdtemp(prefix="bench-upgrade-", dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    env = dict(os.environ, BASE_PORT=str(base), CLUSTER_DIR=work, MEMORY_DIR=memory, WARM="1" if mode == "warm" else "0",
               BIN_DIR=os.path.dirname(arguments.swiftcached))
    cluster_sh(env, "up", str(NODES))
    client = LookAsideClient(b"v" * arguments.value_size)
    deadline = time.monotonic() + 15
    while len(listed_nodes(base)) < NODES and time.monotonic() < deadline:
        time.sleep(0.1)
    # Every key cached before the load starts: the steady state is the whole key space in memory.
    ring = ketama_ring(listed_nodes(base))
    for rank in range(arguments.keys):
        client.store(owner(ring, b"key:%d" % rank), b"key:%d" % rank)
    buckets = []                          # (seconds since start, hits, gets)
    marks = {}
    def upgrade_nodes():
        try:
            marks["output"] = cluster_sh(env, "upgrade")
        except SystemExit:          # cluster_sh has said why; the load stops too
            marks["failed"] = True
        marks["end"] = time.monotonic()

    upgrade = threading.Thread(target=upgrade_nodes)
    started = time.monotonic()
    ring, nodes_seen, refreshed = None, None, 0.0
    index, hits, gets, bucket_start = 0, 0, 0, started
    try:
        while True:
            now = time.monotonic()
            if now - refreshed > 0.2:
                nodes = listed_nodes(base)
                if nodes and nodes != nodes_seen:   # a client keeps its last view when the endpoint does not answer
                    ring, nodes_seen = ketama_ring(nodes), nodes
                refreshed = now
            if "start" not in marks and now - started >= arguments.before:
                marks["start"] = now
                upgrade.start()
            if "failed" in marks:
                benchlib.die("the upgrade failed (%s)" % mode, 1)
            if "end" in marks and now - marks["end"] >= arguments.after:
                break
            key = b"key:%d" % ranks[index % len(ranks)]
            index += 1
            gets += 1
            if ring:
                hits += client.hit(owner(ring, key), key)
            if now - bucket_start >= arguments.bucket:
                buckets.append((round(bucket_start - started, 2), hits, gets))
                hits, gets, bucket_start = 0, 0, now
    finally:
        if upgrade.is_alive():
            upgrade.join(300)
        cluster_sh(env, "down")
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(memory, ignore_errors=True)
    restored = marks.get("output", "").count("[restart] warm restart: ")
    print("%s: upgrade from %.1f s to %.1f s; %d of %d nodes restarted warm" % (
        mode, marks["start"] - started, marks["end"] - started, restored, NODES), flush=True)
    return dict(mode=mode, upgrade_start=marks["start"] - started, upgrade_end=marks["end"] - started,
                nodes_restored_warm=restored, buckets=buckets)


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axis = plt.subplots(figsize=(9, 4.5))
    for result, color in zip(results, ("tab:green", "tab:red")):
        times = [b[0] for b in result["buckets"]]
        ratios = [b[1] / b[2] if b[2] else 0 for b in result["buckets"]]
        axis.plot(times, ratios, color=color, label="%s restart" % result["mode"])
        axis.axvspan(result["upgrade_start"], result["upgrade_end"], color=color, alpha=0.08)
    axis.set_xlabel("seconds (shaded: the rolling upgrade, one node at a time)")
    axis.set_ylabel("hit ratio")
    axis.set_ylim(0, 1)
    axis.set_title("3-node cluster, Zipf look-aside load, rolling upgrade (Scripts/bench_upgrade.py)")
    axis.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=30000)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--value-size", type=int, default=200)
    parser.add_argument("--before", type=float, default=8.0, help="seconds of load before the upgrade")
    parser.add_argument("--after", type=float, default=8.0, help="seconds of load after it")
    parser.add_argument("--bucket", type=float, default=0.5, help="seconds per hit-ratio sample")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--swiftcached", default=os.environ.get("SWIFTCACHED_BINARY") or benchlib.SWIFTCACHED_DEFAULT)
    parser.add_argument("--plot", help="write the figure here (needs matplotlib)")
    arguments = parser.parse_args()
    ranks = zipf_ranks(arguments.keys, arguments.alpha, 2_000_000, arguments.seed)
    results = [run("warm", arguments, ranks), run("cold", arguments, ranks)]
    out = os.path.join(benchlib.REPO, "bench-results", "upgrade-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out)
    with open(os.path.join(out, "upgrade.json"), "w") as f:
        json.dump(dict(arguments=vars(arguments), load=benchlib.uptime(), results=results), f, indent=1)
    for result in results:
        inside = [b for b in result["buckets"] if result["upgrade_start"] <= b[0] <= result["upgrade_end"] + 2]
        before = [b for b in result["buckets"] if 2 <= b[0] and b[0] + arguments.bucket <= result["upgrade_start"]]
        ratio = lambda rows: sum(b[1] for b in rows) / max(1, sum(b[2] for b in rows))  # noqa: E731
        last = result["buckets"][-1]
        print("%s: hit ratio before %.3f, during the upgrade (+2 s) %.3f, lowest sample %.3f, last sample %.3f" % (
            result["mode"], ratio(before), ratio(inside), min(b[1] / b[2] for b in inside if b[2]), last[1] / last[2]))
    if arguments.plot:
        plot(results, arguments.plot)
    print("results: " + out)


if __name__ == "__main__":
    main()
