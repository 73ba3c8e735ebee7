"""Auto-discovery with real clients: the configuration endpoint (swiftcached-config), data nodes
that register themselves, a strict parser, elasticache-auto-discovery + django-elastipymemcache's
AWSElastiCacheClient, pylibmc (libmemcached ketama), twemproxy, and a killed node."""
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time

import pytest

from cluster_harness import DETECTION_LIMIT, Process, cluster, command, config_get, wait_for  # noqa: F401 (cluster: fixture)
from conftest import MEASUREMENTS, TARGET_IS_MEMCACHED, free_port

pytestmark = pytest.mark.skipif(TARGET_IS_MEMCACHED, reason="memcached has no cluster endpoint")


@pytest.fixture
def three_nodes(cluster):
    cluster.start_endpoint()
    for name in ("node1", "node2", "node3"):
        cluster.start_node(name)
    cluster.wait_for_nodes(["node1", "node2", "node3"])
    return cluster


def test_strict_parser_on_endpoint_and_data_node(three_nodes):
    version, nodes = three_nodes.config()
    assert [n[0] for n in nodes] == ["node1", "node2", "node3"]
    # Every data node answers with the endpoint's view (they learn it with their heartbeats).
    for node in three_nodes.nodes.values():
        assert wait_for(lambda: config_get(node.port) == (version, nodes), 5), config_get(node.port)


# distutils' StrictVersion grammar (what ElastiCache discovery clients parse `version` with), held to
# the X.Y.Z form memcached answers.
STRICT_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def strict_discover(port):
    """An auto-discovery client that checks the server version strictly before asking: `version`
    must be a plain X.Y.Z (no suffix), and 1.4.14 or newer for `config get cluster`."""
    answer = command(port, b"version\r\n")
    assert answer.startswith(b"VERSION ") and answer.endswith(b"\r\n"), answer
    text = answer[len(b"VERSION "):-2].decode()
    match = STRICT_VERSION.match(text)
    assert match, "invalid version number %r" % text
    stats_version = command(port, b"stats\r\n", until=b"END\r\n").split(b"STAT version ")[1].split(b"\r\n")[0]
    assert stats_version.decode() == text
    assert tuple(int(part) for part in match.groups()) >= (1, 4, 14), text
    return config_get(port)


def test_strict_version_client_on_endpoint_and_data_node(three_nodes):
    expected = three_nodes.config()
    assert strict_discover(three_nodes.endpoint.port) == expected
    for node in three_nodes.nodes.values():
        assert wait_for(lambda: strict_discover(node.port) == expected, 5), strict_discover(node.port)


def test_endpoint_other_forms_and_errors(three_nodes):
    port = three_nodes.endpoint.port
    answer = command(port, b"config get cluster\r\n", until=b"END\r\n")
    payload = answer[answer.index(b"\r\n") + 2:-len(b"\r\nEND\r\n")]
    legacy = command(port, b"get AmazonElastiCache:cluster\r\n", until=b"END\r\n")
    assert legacy == b"VALUE AmazonElastiCache:cluster 0 %d\r\n%s\r\nEND\r\n" % (len(payload), payload)
    assert command(port, b"get some-other-key\r\n") == b"END\r\n"
    version = command(port, b"version\r\n").split()[1].decode()
    assert tuple(int(x) for x in version.split(".")) >= (1, 4, 14)
    stats = command(port, b"stats\r\n", until=b"END\r\n")
    assert b"STAT version %s\r\n" % version.encode() in stats
    assert command(port, b"flush_all\r\n") == b"ERROR\r\n"
    assert command(port, b"config get nothing\r\n") == b"ERROR\r\n"
    # Binary protocol: opcode 0x60 config get, key "cluster": 4 bytes of flags, then the payload.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(struct.pack(">BBHBBHIIQ", 0x80, 0x60, 7, 0, 0, 0, 7, 0xABCD, 0) + b"cluster")
        header = s.recv(24, socket.MSG_WAITALL)
        magic, opcode, _, extras, _, status, body, opaque, _ = struct.unpack(">BBHBBHIIQ", header)
        assert (magic, opcode, extras, status, opaque) == (0x81, 0x60, 4, 0, 0xABCD)
        assert s.recv(body, socket.MSG_WAITALL)[4:] == payload
    # quit closes the connection
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"quit\r\n")
        assert s.recv(10) == b""


def test_elasticache_clients_discover_and_spread_keys(three_nodes):
    from elasticache_auto_discovery import discover
    from django.conf import settings
    if not settings.configured:
        settings.configure()
    from django_elastipymemcache.client import AWSElastiCacheClient

    expected = sorted([[n.encode(), b"127.0.0.1", str(three_nodes.nodes[n].port).encode()] for n in three_nodes.nodes])
    assert sorted(discover("127.0.0.1:%d" % three_nodes.endpoint.port, 5)) == expected
    # A data node learns the view with its next heartbeat (0.3 s here).
    assert wait_for(lambda: sorted(discover("127.0.0.1:%d" % three_nodes.nodes["node2"].port, 5)) == expected, 5)

    client = AWSElastiCacheClient("127.0.0.1:%d" % three_nodes.endpoint.port, connect_timeout=2, timeout=2)
    try:
        for i in range(300):
            assert client.set("key-%d" % i, b"value-%d" % i)
        for i in range(300):
            assert client.get("key-%d" % i) == b"value-%d" % i
    finally:
        client.close()
    per_node = [int(command(n.port, b"stats\r\n", until=b"END\r\n").split(b"STAT curr_items ")[1].split(b"\r\n")[0])
                for n in three_nodes.nodes.values()]
    assert sum(per_node) == 300 and min(per_node) > 30, per_node


def remapped_fraction(before, after, behaviors, keys):
    import pylibmc
    old = pylibmc.Client(before, behaviors=behaviors)
    for key in keys:
        old.set(key, "x")
    new = pylibmc.Client(after, behaviors=behaviors)
    misses = sum(1 for key in keys if new.get(key) is None)
    old.flush_all()
    return misses / len(keys)


def test_pylibmc_ketama_moves_a_quarter_of_keys_when_a_fourth_node_joins(three_nodes):
    keys = ["user:%d" % i for i in range(2000)]
    before = three_nodes.addresses()
    three_nodes.start_node("node4")
    three_nodes.wait_for_nodes(["node1", "node2", "node3", "node4"])
    after = three_nodes.addresses()
    ketama = remapped_fraction(before, after, {"ketama": True}, keys)
    modulo = remapped_fraction(before, after, {}, keys)
    MEASUREMENTS.append("pylibmc 3 -> 4 nodes: ketama remapped %.1f%%, modulo %.1f%%" % (ketama * 100, modulo * 100))
    assert 0.15 <= ketama <= 0.35, ketama
    assert modulo >= 0.6, modulo


def test_killed_node_is_dropped_then_relisted(three_nodes):
    from pymemcache.client.hash import HashClient
    version, _ = three_nodes.config()
    victim = three_nodes.nodes["node2"]
    victim_port = victim.port
    killed_at = time.monotonic()
    victim.kill()
    dropped = wait_for(lambda: (lambda c: c if "node2" not in [n[0] for n in c[1]] else None)(three_nodes.config()),
                       DETECTION_LIMIT + 5, step=0.02)
    detection = time.monotonic() - killed_at
    MEASUREMENTS.append("killed node dropped from the list after %.2f s (probe interval 0.2 s, limit %.1f s)"
                        % (detection, DETECTION_LIMIT))
    assert dropped, "node2 never dropped"
    assert dropped[0] == version + 1, (version, dropped)
    assert detection <= DETECTION_LIMIT

    # A client that re-reads the configuration keeps working on the remaining nodes.
    servers = [("127.0.0.1", port) for _, _, port in dropped[1]]
    client = HashClient(servers, connect_timeout=2, timeout=2)
    for i in range(100):
        assert client.set("k%d" % i, b"v")
        assert client.get("k%d" % i) == b"v"
    client.close()

    three_nodes.start_node("node2", port=victim_port)
    back = three_nodes.wait_for_nodes(["node1", "node2", "node3"])
    assert back[0] == version + 2


def test_twemproxy_ketama_serves_pymemcache(three_nodes, tmp_path):
    from pymemcache.client.base import Client
    nutcracker = shutil.which("nutcracker") or "/usr/sbin/nutcracker"
    assert os.path.exists(nutcracker), "nutcracker (Debian package) is not installed"
    config = tmp_path / "nutcracker.yml"

    def argv(port):
        servers = "".join("    - 127.0.0.1:%d:1 %s\n" % (p, host) for host, _, p in three_nodes.config()[1])
        config.write_text("cluster:\n  listen: 127.0.0.1:%d\n  hash: md5\n  distribution: ketama\n"
                          "  timeout: 2000\n  servers:\n%s" % (port, servers))
        return [nutcracker, "-c", str(config), "-s", str(free_port()), "-o", str(tmp_path / "nutcracker.log")]

    proxy = Process(argv).start()
    try:
        client = Client(("127.0.0.1", proxy.port), connect_timeout=2, timeout=2)
        for i in range(300):
            assert client.set("proxied-%d" % i, b"v%d" % i)
        for i in range(300):
            assert client.get("proxied-%d" % i) == b"v%d" % i
        client.close()
    finally:
        proxy.stop()
    per_node = [int(command(n.port, b"stats\r\n", until=b"END\r\n").split(b"STAT curr_items ")[1].split(b"\r\n")[0])
                for n in three_nodes.nodes.values()]
    assert sum(per_node) == 300 and min(per_node) > 30, per_node
