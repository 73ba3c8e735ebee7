"""The cluster client of Scripts/patterns: its ketama ring against libmemcached's (pylibmc
`ketama_weighted`) on real nodes, the strict reading of `config get cluster`, and discovery
following a killed node."""
import os
import sys
import time

import pytest

from cluster_harness import Cluster, DETECTION_LIMIT, wait_for
from conftest import TARGET_IS_MEMCACHED

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Scripts", "patterns"))

from discovery import CacheClient, Discovery, parse_cluster_config  # noqa: E402
from ketama import Ring  # noqa: E402

BODY = b"7\na|127.0.0.1|11211 b||11212 c|127.0.0.1|11213\n"
GOOD = b"CONFIG cluster 0 %d\r\n%s\r\nEND\r\n" % (len(BODY), BODY)


def holder(servers, key):
    from pymemcache.client.base import Client
    found = []
    for server in servers:
        node = Client(server, timeout=2)
        if node.get(key) is not None:
            found.append(server)
        node.close()
    return found


def test_ring_places_keys_where_libmemcached_ketama_weighted_does(server_factory):
    import pylibmc
    nodes = [server_factory(["-m", "16", "-t", "1"]) for _ in range(3)]
    servers = [("127.0.0.1", n.port) for n in nodes]
    client = pylibmc.Client(["%s:%d" % s for s in servers], behaviors={"ketama_weighted": True})
    ring = Ring(servers)
    keys = ["product:%d" % i for i in range(3000)]
    for key in keys:
        assert client.set(key, "1")
    misplaced = [k for k in keys if holder(servers, k) != [ring.server_for(k)]]
    assert misplaced == []
    shares = [sum(1 for k in keys if ring.server_for(k) == s) / len(keys) for s in servers]
    assert all(0.2 < share < 0.47 for share in shares), shares


def test_default_port_points_are_named_without_the_port():
    # libmemcached names a point "host-i" on port 11211 and "host:port-i" elsewhere.
    assert Ring([("10.0.0.1", 11211)])._values != Ring([("10.0.0.1", 11212)])._values
    assert Ring([("a", 11211), ("b", 11211)]).server_for("k") in (("a", 11211), ("b", 11211))


def test_parse_reads_the_body_by_its_byte_count():
    assert parse_cluster_config(GOOD) == (7, [("a", "127.0.0.1", 11211), ("b", "", 11212), ("c", "127.0.0.1", 11213)])


@pytest.mark.parametrize("answer", [
    b"CONFIG cluster 0 %d\r\n%s\r\nEND\r\n" % (len(BODY) - 1, BODY),     # byte count one short
    b"CONFIG cluster 0 %d\r\n%s\r\nEND\r\n" % (len(BODY) + 1, BODY),     # one long
    GOOD.replace(b"CONFIG cluster", b"CONFIG clusters"),
    GOOD.replace(b"\r\nEND\r\n", b"\r\nEND \r\n"),
    b"ERROR\r\n",
    b"CONFIG cluster 0 3\r\n7\n\n\r\nEND\r\n" + b"x",     # bytes after END
])
def test_parse_refuses_malformed_answers(answer):
    with pytest.raises(ValueError):
        parse_cluster_config(answer)


@pytest.mark.skipif(TARGET_IS_MEMCACHED, reason="memcached has no cluster endpoint")
def test_discovery_drops_a_killed_node_and_requests_never_fail(tmp_path):
    cluster = Cluster(tmp_path)
    discovery = None
    try:
        cluster.start_endpoint()
        for name in ("node1", "node2", "node3"):
            cluster.start_node(name)
        cluster.wait_for_nodes(["node1", "node2", "node3"])
        discovery = Discovery(("127.0.0.1", cluster.endpoint.port), interval=0.1)
        version = discovery.version
        client = CacheClient(discovery)
        keys = ["k%d" % i for i in range(300)]
        for key in keys:
            assert client.set(key, b"v")
        on_victim = [k for k in keys if discovery.ring.server_for(k)[1] == cluster.nodes["node2"].port]
        assert 50 < len(on_victim) < 200
        cluster.nodes["node2"].kill()
        assert client.get(on_victim[0]) is None          # a miss, not an exception
        assert client.errors >= 1
        assert wait_for(lambda: discovery.version > version, DETECTION_LIMIT + 2), "no new version seen"
        assert len(discovery.ring.servers) == 2
        for key in keys:
            assert client.set(key, b"w") and client.get(key) == b"w"
    finally:
        if discovery:
            discovery.stop()
        cluster.stop()


def test_parse_refuses_trailing_bytes_in_the_body():
    with pytest.raises(ValueError):
        parse_cluster_config(b"CONFIG cluster 0 8\r\n7\na\nxy\r\nEND\r\n")
