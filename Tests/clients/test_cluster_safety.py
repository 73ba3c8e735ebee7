"""The configuration endpoint against poison and exhaustion: versions out of range refused, a
corrupt state file set aside instead of a crash at every start, register/deregister storms held to
the flap-damping bound, and probing that keeps the live nodes listed when the endpoint has almost
no descriptors left."""
import os
import resource
import socket
import time

import pytest

from cluster_harness import PROBE_INTERVAL, Cluster, command, config_get, strict_parse, wait_for
from conftest import TARGET_IS_MEMCACHED, free_port

pytestmark = pytest.mark.skipif(TARGET_IS_MEMCACHED, reason="memcached has no cluster endpoint")

MAX_VERSION = 2 ** 53          # ClusterVersion.maximum
MAX_STEP = 1000000             # ClusterVersion.maxOperatorStep
DAMPING_BOUND = 2 * 3 + 1      # list changes per node per minute (docs/cluster.md)


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path, use_file=True)
    try:
        yield c
    finally:
        c.stop()


def config_set(cluster, version, entries):
    return cluster.config_set(b"%d\n%s\n" % (version, " ".join(entries).encode()))


def entry(cluster, name):
    return "%s|127.0.0.1|%d" % (name, cluster.nodes[name].port)


def test_config_set_refuses_versions_out_of_range_and_the_endpoint_lives_on(cluster):
    for name in ("node1", "node2"):
        cluster.start_node(name, register=False)
    cluster.write_file(["node1"])
    cluster.start_endpoint()
    version, _ = cluster.wait_for_nodes(["node1"])
    both = [entry(cluster, "node1"), entry(cluster, "node2")]
    # The measured defect: 2^64-1 was stored, and the next change crashed the endpoint.
    answer = config_set(cluster, 2 ** 64 - 1, both)
    assert answer == b"CLIENT_ERROR bad version '18446744073709551615': expected a decimal integer from 1 to %d\r\n" % MAX_VERSION
    assert config_set(cluster, MAX_VERSION + 1, both).startswith(b"CLIENT_ERROR bad version")
    assert config_set(cluster, version + MAX_STEP + 1, both) == \
        b"CLIENT_ERROR version %d is more than %d above the current version %d\r\n" % (version + MAX_STEP + 1, MAX_STEP, version)
    assert cluster.config()[0] == version
    # A membership change after the refusals: one bump, endpoint alive.
    cluster.write_file(["node1", "node2"])
    assert cluster.wait_for_nodes(["node1", "node2"], timeout=5)[0] == version + 1
    assert cluster.endpoint.alive()
    # The largest allowed jump is taken as given.
    assert config_set(cluster, version + 1 + MAX_STEP, [entry(cluster, "node2")]) == b"STORED\r\n"
    assert cluster.wait_for_nodes(["node2"], timeout=5)[0] == version + 1 + MAX_STEP


@pytest.mark.parametrize("poison", [b"18446744073709551615\nnode9|127.0.0.1|1\n", b"%d\n\n" % (MAX_VERSION + 1),
                                    b"not a state file\n", b"1\n" + b" " * (2 << 20)])
def test_a_corrupt_state_file_is_set_aside_instead_of_stopping_every_start(cluster, poison):
    cluster.start_node("node1", register=False)
    cluster.write_file(["node1"])
    with open(cluster.state_file, "wb") as f:
        f.write(poison)
    cluster.start_endpoint()
    assert cluster.wait_for_nodes(["node1"])[0] == 1
    with open(cluster.state_file + ".rejected", "rb") as f:
        assert f.read() == poison
    cluster.endpoint.stop()
    assert b"set aside as %s.rejected" % cluster.state_file.encode() in cluster.endpoint.output
    # The state written since is good: the next start is clean and keeps the version.
    cluster.start_endpoint()
    assert cluster.config()[0] == 1
    cluster.endpoint.stop()
    assert b"set aside" not in cluster.endpoint.output


def test_a_thousand_register_deregister_alternations_stay_within_the_bound(cluster):
    """The measured defect: 1,000 alternations of one live node raised the version 360 times in
    13 s, because deregistering forgot the node's flap damping."""
    cluster.start_node("node1", register=False)
    cluster.start_endpoint()
    first, _ = cluster.config()
    node = entry(cluster, "node1").encode()
    seen = {first}
    with socket.create_connection(("127.0.0.1", cluster.endpoint.port), timeout=5) as s:
        reader = s.makefile("rb")
        for i in range(1000):
            s.sendall(cluster.signed(b"config register %s 6" % node) + b"\r\n")
            assert reader.readline() == b"REGISTERED\r\n"
            time.sleep(0.003)   # let the membership thread probe and publish between the steps
            s.sendall(cluster.signed(b"config deregister %s" % node) + b"\r\n")
            assert reader.readline() == b"DELETED\r\n"
            time.sleep(0.003)
            if i % 50 == 0:
                seen.add(cluster.config()[0])
    last, nodes = cluster.config()
    assert nodes == [], "deregistered last"
    assert 2 <= last - first <= DAMPING_BOUND, (first, last, sorted(seen))


def lower_descriptor_limit(limit):
    def apply():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    return apply


def read_stats(sock_file, sock):
    sock.sendall(b"stats\r\n")
    stats = {}
    while True:
        line = sock_file.readline()
        if line in (b"END\r\n", b""):
            return stats
        _, name, value = line.decode().split(" ", 2)
        stats[name] = value.strip()


def persistent_config(sock_file, sock):
    sock.sendall(b"config get cluster\r\n")
    header = sock_file.readline()
    length = int(header.split()[3])
    body = sock_file.read(length + len(b"\r\nEND\r\n"))
    return strict_parse(header + body)


def test_few_descriptors_and_hundreds_of_dead_nodes_keep_the_live_ones_listed(cluster):
    """RLIMIT_NOFILE 64, 300 listed nodes that refuse plus two live ones: the prober stays within
    its window, and when clients take the last descriptors its probes cannot run, which must not
    drop the live nodes or empty the list."""
    for name in ("node1", "node2"):
        cluster.start_node(name, register=False)
    dead_port = free_port()
    cluster.write_file(["node1", "node2"], extra_entries=["dead%03d|127.0.0.1|%d" % (i, dead_port) for i in range(300)])
    cluster.start_endpoint(preexec_fn=lower_descriptor_limit(64))
    cluster.wait_for_nodes(["node1", "node2"], timeout=10)
    hogs = []
    with socket.create_connection(("127.0.0.1", cluster.endpoint.port), timeout=5) as s:
        reader = s.makefile("rb")
        deadline = time.monotonic() + 10 * PROBE_INTERVAL
        while time.monotonic() < deadline:
            assert [n[0] for n in persistent_config(reader, s)[1]] == ["node1", "node2"]
            time.sleep(PROBE_INTERVAL / 4)
        assert read_stats(reader, s)["cluster_probes_inconclusive"] == "0", "the window keeps probes within the limit"
        try:
            # Take every descriptor the endpoint has left (-c 1024 is above what the limit allows).
            for _ in range(80):
                hogs.append(socket.create_connection(("127.0.0.1", cluster.endpoint.port), timeout=5))
            starved = wait_for(lambda: int(read_stats(reader, s)["cluster_probes_inconclusive"]) > 0, 5)
            assert starved, "the endpoint never ran out of descriptors: the test proves nothing"
            deadline = time.monotonic() + 10 * PROBE_INTERVAL
            while time.monotonic() < deadline:
                assert [n[0] for n in persistent_config(reader, s)[1]] == ["node1", "node2"]
                time.sleep(PROBE_INTERVAL / 4)
        finally:
            for hog in hogs:
                hog.close()
        assert int(read_stats(reader, s)["cluster_probe_rounds_incomplete"]) >= 5
    cluster.endpoint.stop()
    assert b"probes could not run" in cluster.endpoint.output
