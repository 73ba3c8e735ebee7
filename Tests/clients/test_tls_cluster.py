"""A cluster over TLS: swiftcached-config serving `config get cluster` with `--tls` (and mutual TLS
with `--tls-verify-mode 2`), data nodes with -Z registering over TLS (`--cluster-endpoint-tls`),
the endpoint probing them over TLS (`--probe-tls`), and clients using the listed nodes over TLS.
What must be refused is: a clear-text client of a TLS-only endpoint, a client without a certificate
at mutual TLS, a node that cannot verify the endpoint's certificate, a node registering in the clear.

Certificates come from tls_certificates.py (a CA, server and client certificates it signs, a
self-signed rogue one), made once for the module."""
import socket
import ssl
import subprocess
import time

import pytest
from pymemcache.client.base import Client

from cluster_harness import (CONFIG_BINARY, DETECTION_LIMIT, PROBE_INTERVAL, Cluster, client_tls_context, command,
                             config_get, wait_for)
from conftest import SWIFTCACHED_BINARY, TARGET_IS_MEMCACHED, free_port, with_user
from tls_certificates import make_certificates

pytestmark = pytest.mark.skipif(TARGET_IS_MEMCACHED, reason="memcached has no cluster endpoint")

# Several probe rounds and heartbeats: a node wrongly taken would be listed by then.
SETTLE = 10 * PROBE_INTERVAL


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certificates(str(tmp_path_factory.mktemp("tls-cluster")))


@pytest.fixture
def tls_cluster(tmp_path, certs):
    c = Cluster(tmp_path, tls=certs)
    try:
        yield c
    finally:
        c.stop()


def never_listed(cluster, name, seconds=SETTLE):
    return not wait_for(lambda: name in [n[0] for n in cluster.config()[1]], seconds)


def closed_without_answer(port, request, context=None, seconds=5.0):
    """Sends `request` (over TLS with `context`) and reads until the server closes: True when it
    closed (EOF, reset, or a TLS alert) without a CONFIG answer."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=seconds)
    try:
        sock = context.wrap_socket(raw, server_hostname="localhost") if context else raw
        sock.sendall(request)
        data, deadline = b"", time.monotonic() + seconds
        while time.monotonic() < deadline:
            chunk = sock.recv(4096)
            if not chunk:
                return b"CONFIG" not in data
            data += chunk
        return False
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
        return True
    finally:
        raw.close()


def tls_stats(cluster):
    """The endpoint's TLS `stats` lines (asked over TLS with the client certificate)."""
    answer = command(cluster.endpoint.port, b"stats\r\n", until=b"END\r\n", tls=cluster.client_tls).decode()
    stats = dict(line.split(" ")[1:3] for line in answer.splitlines() if line.startswith("STAT "))
    return {name: int(stats[name]) for name in ("ssl_handshake_errors", "time_since_server_cert_refresh")}


def test_tls_nodes_register_over_tls_and_clients_use_the_listed_nodes(tls_cluster, certs):
    tls_cluster.start_endpoint()
    for name in ["node1", "node2"]:
        tls_cluster.start_node(name)
    version, nodes = tls_cluster.wait_for_nodes(["node1", "node2"])
    assert version >= 1
    context = client_tls_context(certs, cert=None)
    for _host, ip, port in nodes:
        client = Client((ip, port), tls_context=context, connect_timeout=5, timeout=5)
        client.set("where", str(port))
        assert client.get("where") == str(port).encode()
        client.close()
    # The data nodes answer config get cluster with the endpoint's view (as of their last
    # heartbeat), over their own TLS.
    assert wait_for(lambda: config_get(nodes[0][2], tls=context) == (version, nodes), 5)
    # A killed node fails its TLS probes (refused) and is dropped.
    tls_cluster.nodes["node2"].kill()
    tls_cluster.wait_for_nodes(["node1"], timeout=DETECTION_LIMIT)


def test_clear_probes_cannot_see_tls_nodes(tmp_path, certs):
    """Without --probe-tls the endpoint's clear `version` probe fails a -Z node's handshake: the node
    registers (over TLS) but is never listed. This is what --probe-tls is for."""
    cluster = Cluster(tmp_path, tls=certs, probe_tls=False)
    try:
        cluster.start_endpoint()
        cluster.start_node("node1")
        assert never_listed(cluster, "node1")
    finally:
        cluster.stop()


def test_mutual_tls_endpoint_refuses_a_client_without_a_certificate(tls_cluster, certs):
    tls_cluster.start_endpoint(extra=["--tls-ca-cert", tls_cluster.certificate("ca.pem"), "--tls-verify-mode", "2"])
    port = tls_cluster.endpoint.port
    request = b"config get cluster\r\n"
    failed_before = tls_stats(tls_cluster)["ssl_handshake_errors"]
    assert closed_without_answer(port, request, client_tls_context(certs, cert=None))
    assert closed_without_answer(port, request, client_tls_context(certs, cert="rogue"))
    assert command(port, request, until=b"END\r\n", tls=client_tls_context(certs)).startswith(b"CONFIG cluster 0 ")
    stats = tls_stats(tls_cluster)
    assert stats["ssl_handshake_errors"] == failed_before + 2, stats
    assert 0 <= stats["time_since_server_cert_refresh"] < 60, stats
    # A node presenting a certificate signed by the CA registers through it.
    tls_cluster.start_node("node1")
    tls_cluster.wait_for_nodes(["node1"])


def test_tls_only_endpoint_refuses_clear_clients_and_clear_registrations(tls_cluster):
    tls_cluster.start_endpoint()
    port = tls_cluster.endpoint.port
    assert closed_without_answer(port, b"config get cluster\r\n")
    assert closed_without_answer(port, b"\x80" + bytes(23))  # a binary header, in the clear
    # A -Z node registering without --cluster-endpoint-tls, and a listed one next to it.
    tls_cluster.start_node("clear1", register_over_tls=False)
    tls_cluster.start_node("node1")
    tls_cluster.wait_for_nodes(["node1"])
    assert never_listed(tls_cluster, "clear1")


def test_a_node_that_cannot_verify_the_endpoint_does_not_register(tls_cluster):
    tls_cluster.start_endpoint()
    fooled = tls_cluster.start_node("fooled1", extra=["--cluster-ca-cert", tls_cluster.certificate("rogue.pem"), "-v"])
    tls_cluster.start_node("node1")
    tls_cluster.wait_for_nodes(["node1"])
    assert never_listed(tls_cluster, "fooled1")
    fooled.stop()
    assert b"unreachable (its TLS certificate was refused: unable to get local issuer certificate)" in fooled.output, \
        fooled.output[-2000:]


def test_notls_listener_beside_tls_on_the_endpoint(tmp_path, certs):
    clear_port = free_port()
    cluster = Cluster(tmp_path, tls=certs)
    try:
        cluster.start_endpoint(extra=["-l", "notls:127.0.0.1:%d" % clear_port])
        assert config_get(clear_port) == cluster.config()
        assert b"STAT ssl_handshake_errors " in command(clear_port, b"stats\r\n", until=b"END\r\n")
    finally:
        cluster.stop()


def test_no_tls_stats_without_tls(tmp_path):
    cluster = Cluster(tmp_path)
    try:
        cluster.start_endpoint()
        stats = command(cluster.endpoint.port, b"stats\r\n", until=b"END\r\n")
        assert stats.endswith(b"END\r\n") and b"ssl_" not in stats, stats
    finally:
        cluster.stop()


def refusal(argv):
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    return done.returncode, done.stderr.decode()


@pytest.mark.parametrize("flags, words", [
    (["-Z"], "Error loading the certificate chain: (null)"),
    (["--tls", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"], "/nonexistent.pem"),
    (["--tls-verify-mode", "4"], "--tls-verify-mode must be 0-3"),
    (["--probe-ca-cert", "ca.pem"], "go with --probe-tls"),
    (["-l", "notls:127.0.0.1:1"], "notls"),
])
def test_bad_endpoint_tls_command_lines(tmp_path, flags, words):
    code, message = refusal([CONFIG_BINARY, "-p", str(free_port()), "--state-file", str(tmp_path / "state"), *flags])
    assert code != 0 and words in message, (code, message)


@pytest.mark.parametrize("flags, words", [
    (["--cluster-ca-cert", "ca.pem"], "go with --cluster-endpoint-tls"),
    (["--cluster-endpoint-tls", "--cluster-client-cert", "c.pem"], "go together"),
    (["--cluster-endpoint-tls", "--cluster-ca-cert", "/nonexistent.pem"], "/nonexistent.pem"),
])
def test_bad_node_tls_command_lines(flags, words):
    port = free_port()
    code, message = refusal(with_user([SWIFTCACHED_BINARY, "-p", str(port), "--cluster-endpoint", "127.0.0.1:1",
                                       "--advertise", "n|127.0.0.1|%d" % port, *flags]))
    assert code == 64 and words in message, (code, message)
