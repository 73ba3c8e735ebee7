"""Membership sources and bad input on the configuration endpoint: the cluster file (reload on
change and on SIGHUP, malformed files refused), config set cluster, the persisted version across
restarts, and a data node whose endpoint is unreachable."""
import os
import signal

import pytest

from cluster_harness import Cluster, Process, command, config_get, wait_for
from conftest import SWIFTCACHED_BINARY, TARGET_IS_MEMCACHED, free_port, with_user

pytestmark = pytest.mark.skipif(TARGET_IS_MEMCACHED, reason="memcached has no cluster endpoint")


@pytest.fixture
def file_cluster(tmp_path):
    """Three unregistered nodes, the endpoint reading a cluster file that lists node1 and node2."""
    c = Cluster(tmp_path, use_file=True)
    try:
        for name in ("node1", "node2", "node3"):
            c.start_node(name, register=False)
        c.write_file(["node1", "node2"])
        c.start_endpoint()
        c.wait_for_nodes(["node1", "node2"])
        yield c
    finally:
        c.stop()


def test_file_change_is_served_within_seconds(file_cluster):
    version, _ = file_cluster.config()
    file_cluster.write_file(["node1", "node2", "node3"])
    got = file_cluster.wait_for_nodes(["node1", "node2", "node3"], timeout=3)
    assert got[0] == version + 1


def test_sighup_reloads_at_once_even_when_the_file_looks_unchanged(file_cluster):
    version, _ = file_cluster.config()
    path = file_cluster.cluster_file
    before = os.stat(path)
    # Same size, same inode, mtime put back: only SIGHUP can reveal the new content.
    with open(path) as f:
        text = f.read()
    replaced = text.replace("node2|127.0.0.1|%d" % file_cluster.nodes["node2"].port,
                            "node3|127.0.0.1|%d" % file_cluster.nodes["node3"].port)
    assert len(replaced) == len(text)
    with open(path, "r+") as f:
        f.write(replaced)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    file_cluster.endpoint.signal(signal.SIGHUP)
    got = file_cluster.wait_for_nodes(["node1", "node3"], timeout=2)
    assert got[0] == version + 1


def test_malformed_file_leaves_list_and_version_untouched(file_cluster):
    before = file_cluster.config()
    with open(file_cluster.cluster_file, "w") as f:
        f.write("node1|127.0.0.1|%d\nnode3|127.0.0.1|notaport\n" % file_cluster.nodes["node1"].port)
    file_cluster.endpoint.signal(signal.SIGHUP)
    assert not wait_for(lambda: file_cluster.config() != before, 2.5)
    file_cluster.endpoint.stop()
    assert b"rejected, keeping the current list" in file_cluster.endpoint.output
    assert b"notaport" in file_cluster.endpoint.output


def test_config_set_cluster_by_hand(file_cluster):
    port = file_cluster.endpoint.port
    version, _ = file_cluster.config()
    bad = b"1\nnode1|127.0.0.1|%d node9|999.1.1.1|1\n" % file_cluster.nodes["node1"].port
    answer = file_cluster.config_set(bad)
    assert answer.startswith(b"CLIENT_ERROR bad node 'node9|999.1.1.1|1'"), answer
    assert file_cluster.config()[0] == version
    good = b"1\nnode3|127.0.0.1|%d\n" % file_cluster.nodes["node3"].port
    unsigned = b"config set cluster 0 %d\r\n%s\r\n" % (len(good), good)
    assert command(port, unsigned) == b"CLIENT_ERROR proof required\r\n"
    assert file_cluster.config()[0] == version
    assert file_cluster.config_set(good) == b"STORED\r\n"
    got = file_cluster.wait_for_nodes(["node3"], timeout=3)
    assert got[0] == version + 1, "the version rises from the current one, never back to the payload's 1"


def test_config_set_needs_authentication_with_Y(tmp_path):
    """Without a cluster secret, -Y credentials are the only way to config set."""
    auth = tmp_path / "auth"
    auth.write_text("admin:s3cret\n")
    c = Cluster(tmp_path, secret=False)
    try:
        c.start_node("node1", register=False)
        c.start_endpoint(extra=["-Y", str(auth)])
        payload = b"1\nnode1|127.0.0.1|%d\n" % c.nodes["node1"].port
        request = b"config set cluster 0 %d\r\n%s\r\n" % (len(payload), payload)
        assert command(c.endpoint.port, request) == b"CLIENT_ERROR unauthenticated\r\n"
        both = b"set auth 0 0 12\r\nadmin s3cret\r\n" + request
        assert command(c.endpoint.port, both, until=b"STORED\r\nSTORED\r\n") == b"STORED\r\nSTORED\r\n"
        c.wait_for_nodes(["node1"], timeout=3)
    finally:
        c.stop()


def test_version_never_goes_backwards_across_restarts(file_cluster):
    version, nodes = file_cluster.config()
    file_cluster.endpoint.stop()
    file_cluster.start_endpoint()
    assert file_cluster.config() == (version, nodes), "same list after a restart: same version"
    file_cluster.endpoint.stop()
    file_cluster.write_file(["node1"])
    file_cluster.start_endpoint()
    got = file_cluster.config()
    assert got[0] == version + 1 and [n[0] for n in got[1]] == ["node1"]


def test_data_node_serves_with_its_endpoint_unreachable(tmp_path):
    dead = free_port()
    node = Process(lambda p: with_user([SWIFTCACHED_BINARY, "-U", "0", "-l", "127.0.0.1", "-p", str(p), "-t", "1",
                                        "--cluster-endpoint", "127.0.0.1:%d" % dead,
                                        "--advertise", "node1|127.0.0.1|%d" % p, "--heartbeat-interval", "0.2"])).start()
    try:
        assert command(node.port, b"set k 0 0 1\r\nv\r\n") == b"STORED\r\n"
        assert command(node.port, b"get k\r\n", until=b"END\r\n") == b"VALUE k 0 1\r\nv\r\nEND\r\n"
        assert command(node.port, b"config get cluster\r\n") == b"SERVER_ERROR cluster configuration not known yet\r\n"
    finally:
        node.stop()


def test_plain_node_answers_config_get_like_memcached(tmp_path):
    node = Process(lambda p: with_user([SWIFTCACHED_BINARY, "-U", "0", "-l", "127.0.0.1", "-p", str(p), "-t", "1"])).start()
    try:
        assert command(node.port, b"config get cluster\r\n") == b"ERROR\r\n"
    finally:
        node.stop()
