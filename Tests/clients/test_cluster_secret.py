"""Authenticated membership on swiftcached-config: with a cluster secret, config register /
deregister / set must carry a fresh HMAC-SHA256 proof (computed here with Python's hmac); without
the proof, with a wrong secret, stale, or replayed, they are refused and change neither the node
list nor the version. Without a secret no node can register: membership comes from the file."""
import os
import time

import pytest

from cluster_harness import PROBE_INTERVAL, Cluster, cluster, command, signed, wait_for  # noqa: F401 (cluster: fixture)
from conftest import TARGET_IS_MEMCACHED

pytestmark = pytest.mark.skipif(TARGET_IS_MEMCACHED, reason="memcached has no cluster endpoint")

# Long enough for several probe rounds: a wrongly taken registration would be listed by then.
SETTLE = 8 * PROBE_INTERVAL


def unchanged_for(cluster, state, seconds=SETTLE):
    return not wait_for(lambda: cluster.config() != state, seconds)


def test_registration_without_a_good_fresh_proof_changes_nothing(cluster):
    node = cluster.start_node("node1", register=False)
    cluster.start_endpoint()
    port = cluster.endpoint.port
    state = cluster.config()
    entry = b"node1|127.0.0.1|%d" % node.port
    register = b"config register %s 6" % entry
    assert command(port, register + b"\r\n") == b"CLIENT_ERROR proof required\r\n"
    assert command(port, signed(register, b"a-wrong-secret-of-enough-length") + b"\r\n") == \
        b"CLIENT_ERROR proof does not match the cluster secret\r\n"
    stale = cluster.signed(register, now=int(time.time()) - 120)
    assert command(port, stale + b"\r\n") == b"CLIENT_ERROR proof timestamp outside the allowed window\r\n"
    tampered = cluster.signed(register).replace(b"node1|", b"evil1|")
    assert command(port, tampered + b"\r\n") == b"CLIENT_ERROR proof does not match the cluster secret\r\n"
    assert unchanged_for(cluster, state)
    # The right proof registers, once.
    good = cluster.signed(register)
    assert command(port, good + b"\r\n") == b"REGISTERED\r\n"
    version, _ = cluster.wait_for_nodes(["node1"], timeout=5)
    assert version == state[0] + 1
    assert command(port, good + b"\r\n") == b"CLIENT_ERROR proof already used\r\n"
    assert command(port, cluster.signed(b"config deregister %s" % entry) + b"\r\n") == b"DELETED\r\n"
    after = cluster.wait_for_nodes([], timeout=5)
    assert after[0] == version + 1
    # Replaying the captured registration cannot bring the node back.
    assert command(port, good + b"\r\n") == b"CLIENT_ERROR proof already used\r\n"
    assert unchanged_for(cluster, after)
    stats = command(port, b"stats\r\n", until=b"END\r\n")
    assert b"STAT cluster_membership_refused 6\r\n" in stats


def test_config_set_needs_the_proof_over_line_and_payload(cluster):
    node = cluster.start_node("node1", register=False)
    cluster.start_endpoint()
    state = cluster.config()
    payload = b"1\nnode1|127.0.0.1|%d\n" % node.port
    line = cluster.signed(b"config set cluster 0 %d" % len(payload), payload=payload)
    forged = payload.replace(b"node1", b"node9")
    port = cluster.endpoint.port
    assert command(port, line + b"\r\n" + forged + b"\r\n") == b"CLIENT_ERROR proof does not match the cluster secret\r\n"
    assert command(port, b"config set cluster 0 %d\r\n%s\r\n" % (len(payload), payload)) == b"CLIENT_ERROR proof required\r\n"
    assert unchanged_for(cluster, state)
    assert command(port, line + b"\r\n" + payload + b"\r\n") == b"STORED\r\n"
    assert cluster.wait_for_nodes(["node1"], timeout=5)[0] == state[0] + 1
    assert command(port, line + b"\r\n" + payload + b"\r\n") == b"CLIENT_ERROR proof already used\r\n"


def test_a_node_with_the_wrong_secret_is_never_listed(cluster, tmp_path):
    cluster.start_endpoint()
    cluster.start_node("node1")
    right = cluster.secret_file
    cluster.secret_file = str(tmp_path / "wrong.secret")
    with open(cluster.secret_file, "wb") as f:
        f.write(os.urandom(32).hex().encode())
    os.chmod(cluster.secret_file, 0o600)
    cluster.start_node("node2")
    cluster.secret_file = right
    state = cluster.wait_for_nodes(["node1"])
    assert unchanged_for(cluster, state, seconds=2.0)
    assert command(cluster.nodes["node2"].port, b"config get cluster\r\n", until=b"END\r\n") \
        .startswith(b"CONFIG cluster 0 "), "the refused node still reads the endpoint's view"


def test_without_a_secret_no_node_can_register(tmp_path):
    c = Cluster(tmp_path, use_file=True, secret=False)
    try:
        c.start_endpoint()
        c.start_node("node1")                    # tries to join, without a secret
        c.start_node("node2", register=False)
        c.write_file(["node2"])
        state = c.wait_for_nodes(["node2"])
        port = c.endpoint.port
        entry = b"node1|127.0.0.1|%d" % c.nodes["node1"].port
        refusal = b"CLIENT_ERROR no cluster secret configured: membership comes from the cluster file\r\n"
        assert command(port, b"config register %s 6\r\n" % entry) == refusal
        assert command(port, signed(b"config register %s 6" % entry, b"any-secret-of-sixteen-bytes") + b"\r\n") == refusal
        payload = b"1\n%s\n" % entry
        assert command(port, b"config set cluster 0 %d\r\n%s\r\n" % (len(payload), payload)) == \
            b"CLIENT_ERROR config set needs a cluster secret or -Y credentials on the endpoint\r\n"
        assert unchanged_for(c, state, seconds=2.0)
        # The node that could not register still serves the endpoint's view to its clients.
        assert wait_for(lambda: command(c.nodes["node1"].port, b"config get cluster\r\n", until=b"END\r\n")
                        .startswith(b"CONFIG cluster 0 "), 5)
    finally:
        c.stop()
