"""Rolling upgrade of a 3-node cluster with warm restart (`Scripts/cluster.sh upgrade`): one node at
a time stops with SIGUSR1, starts again on the same memory file and registers again. No item that
was live before the upgrade is lost, and a client that follows `config get cluster` sees nothing
worse than reconnects while it runs."""
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from cluster_harness import config_get, free_port_run
from conftest import REPO, SWIFTCACHED_BINARY, exchange

NODES = 3
ITEMS_PER_NODE = 3000
SCRIPT_TIMEOUT = 120


class ClusterScript:
    """Scripts/cluster.sh with its own ports, folders and the binaries under test."""

    def __init__(self, base_port, cluster_dir, memory_dir):
        self.base_port = base_port
        self.env = dict(os.environ, BASE_PORT=str(base_port), CLUSTER_DIR=cluster_dir, MEMORY_DIR=memory_dir,
                        BIN_DIR=os.path.dirname(SWIFTCACHED_BINARY), WARM="1")

    def run(self, *args):
        done = subprocess.run(["bash", os.path.join(REPO, "Scripts", "cluster.sh")] + list(args), env=self.env,
                              cwd=REPO, capture_output=True, timeout=SCRIPT_TIMEOUT)
        assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
        return done.stdout.decode()

    def node_ports(self):
        return [port for _, _, port in config_get(self.base_port)[1]]


def store(port, keys):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for key in keys:
            assert exchange(sock, b"set %s 17 0 %d\r\n%s\r\n" % (key, len(key) * 3, key * 3)) == b"STORED\r\n"


def missing(port, keys):
    lost = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for key in keys:
            if exchange(sock, b"get %s\r\n" % key, until=b"END\r\n") != \
                    b"VALUE %s 17 %d\r\n%s\r\nEND\r\n" % (key, len(key) * 3, key * 3):
                lost.append(key)
    return lost


def steady_client(script, stop, tally):
    """Gets and sets on whatever nodes the endpoint lists, reconnecting when a node goes away.
    A refused or reset connection counts as a reconnect; any wrong answer as an error."""
    rng = random.Random(3)
    connections = {}
    while not stop.is_set():
        try:
            ports = script.node_ports()
        except OSError:
            tally["reconnects"] += 1
            continue
        if not ports:
            time.sleep(0.05)
            continue
        port = rng.choice(ports)
        key = b"steady:%d" % rng.randrange(500)
        try:
            sock = connections.get(port) or socket.create_connection(("127.0.0.1", port), timeout=5)
            connections[port] = sock
            answer = exchange(sock, b"set %s 0 0 5\r\nhello\r\n" % key)
            if answer != b"STORED\r\n":
                raise ConnectionError("closed") if answer == b"" else AssertionError(answer)
            answer = exchange(sock, b"get %s\r\n" % key, until=b"END\r\n")
            if answer not in (b"VALUE %s 0 5\r\nhello\r\nEND\r\n" % key, b"END\r\n"):
                raise ConnectionError("closed") if answer == b"" else AssertionError(answer)
            tally["requests"] += 1
        except (OSError, ConnectionError):
            tally["reconnects"] += 1
            old = connections.pop(port, None)
            if old:
                old.close()
            time.sleep(0.02)
        except AssertionError as wrong:
            tally["errors"].append(repr(wrong))
    for sock in connections.values():
        sock.close()


def test_rolling_upgrade_with_warm_restart_loses_nothing(tmp_path):
    parent = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    memory_dir = tempfile.mkdtemp(prefix="swiftcached-upgrade-", dir=parent)
    script = ClusterScript(free_port_run(NODES + 1), str(tmp_path / "cluster"), memory_dir)
    stop = threading.Event()
    tally = {"requests": 0, "reconnects": 0, "errors": []}
    client = threading.Thread(target=steady_client, args=(script, stop, tally))
    try:
        script.run("up", str(NODES))
        ports = script.node_ports()
        assert len(ports) == NODES
        keys = {port: [b"node%d:%d" % (port, i) for i in range(ITEMS_PER_NODE)] for port in ports}
        for port in ports:
            store(port, keys[port])
        client.start()
        time.sleep(0.5)
        output = script.run("upgrade")
        time.sleep(0.5)
        stop.set()
        client.join(30)
        assert not client.is_alive()
        assert output.count("[restart] warm restart: ") == NODES, output
        assert sorted(script.node_ports()) == sorted(ports)
        for port in ports:
            lost = missing(port, keys[port])
            assert not lost, "node on %d lost %d items, e.g. %r" % (port, len(lost), lost[:3])
        assert not tally["errors"], tally["errors"][:5]
        assert tally["requests"] > 0
    finally:
        stop.set()
        if client.is_alive():
            client.join(30)
        subprocess.run(["bash", os.path.join(REPO, "Scripts", "cluster.sh"), "down"], env=script.env, cwd=REPO,
                       capture_output=True, timeout=SCRIPT_TIMEOUT)
        shutil.rmtree(memory_dir, ignore_errors=True)
