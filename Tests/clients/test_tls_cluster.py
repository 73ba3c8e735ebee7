"""A cluster over TLS: swiftcached-config serving `config get cluster` with `--tls` (and mutual TLS
with `--tls-verify-mode 2`), data nodes with -Z registering over TLS (`--cluster-endpoint-tls`),
the endpoint probing them over TLS (`--probe-tls`), and clients using the listed nodes over TLS.
What must be refused is: a clear-text client of a TLS-only endpoint, a client without a certificate
at mutual TLS, a node that cannot verify the endpoint's certificate, a node registering in the clear.

Certificates come from tls_certificates.py (a CA, server and client certificates it signs, a
self-signed rogue one), made once for the module."""
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time

import pytest
from pymemcache.client.base import Client

from cluster_harness import (CONFIG_BINARY, DETECTION_LIMIT, PROBE_INTERVAL, Cluster, client_tls_context, command,
                             config_get, exchange, wait_for)
from conftest import MEMCACHED_BINARY, SWIFTCACHED_BINARY, TARGET_IS_MEMCACHED, Server, free_port, with_user
from tls_certificates import OPENSSL, make_certificates
from tls_sessions import session_trace

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


def accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
        return True
    except OSError:
        return False


def test_notls_listener_beside_tls_on_the_endpoint(tmp_path, certs):
    cluster = Cluster(tmp_path, tls=certs)
    clear_port = free_port()
    while clear_port == cluster.endpoint_port:  # two free ports picked apart may be the same one
        clear_port = free_port()
    try:
        cluster.start_endpoint(extra=["-l", "notls:127.0.0.1:%d" % clear_port])
        # Both listeners are open before the endpoint accepts on either; if the clear one is not,
        # say whether the endpoint still runs (a port the harness picked may have been taken meanwhile).
        assert wait_for(lambda: accepts(clear_port), 10.0), \
            "port %d never accepted; endpoint alive: %s" % (clear_port, cluster.endpoint.alive())
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
        # The data node's answer (memcached's) when TLS is off.
        assert command(cluster.endpoint.port, b"refresh_certs\r\n") == b"Error TLS not enabled\r\n"
    finally:
        cluster.stop()


def stats_of(port):
    answer = command(port, b"stats\r\n", until=b"END\r\n").decode()
    return dict(line.split(" ", 2)[1:] for line in answer.splitlines() if line.startswith("STAT "))


def tls_stat_names(port):
    return [name for name in stats_of(port) if name.startswith("ssl_") or "cert" in name]


def test_endpoint_tls_stats_and_sessions_like_memcached(tmp_path, certs):
    """With --tls-session-cache the endpoint has the TLS stats a data node (and memcached -Z -o
    ssl_session_cache) has, in memcached's order, and ssl_new_sessions moves as memcached's does
    over the same connections: full and resumed handshakes, TLS 1.3 and 1.2 (tls_sessions.py). The
    stats are read on clear-text listeners, which make no handshake."""
    cafile = os.path.join(certs, "ca.pem")
    clear_port = free_port()
    reference = Server(MEMCACHED_BINARY, ["-Z", "-o", "ssl_session_cache,ssl_chain_cert=%s,ssl_key=%s"
                                          % (os.path.join(certs, "server.pem"), os.path.join(certs, "server.key")),
                                          "-l", "notls:127.0.0.1:%d" % clear_port])
    reference.start()
    try:
        expected_names = tls_stat_names(clear_port)
        expected = session_trace(reference.port, cafile, lambda: int(stats_of(clear_port)["ssl_new_sessions"]))
    finally:
        reference.stop()
    cluster = Cluster(tmp_path, tls=certs)
    try:
        endpoint_clear = free_port()
        cluster.start_endpoint(extra=["--tls-session-cache", "-l", "notls:127.0.0.1:%d" % endpoint_clear])
        assert tls_stat_names(endpoint_clear) == expected_names == \
            ["ssl_new_sessions", "ssl_handshake_errors", "time_since_server_cert_refresh"]
        errors_before = int(stats_of(endpoint_clear)["ssl_handshake_errors"])
        trace = session_trace(cluster.endpoint.port, cafile, lambda: int(stats_of(endpoint_clear)["ssl_new_sessions"]))
        assert trace == expected, (expected, trace)
        assert any(resumed for _, _, resumed, _ in trace) and trace[-1][3] > 0, trace
        assert int(stats_of(endpoint_clear)["ssl_handshake_errors"]) == errors_before
    finally:
        cluster.stop()


def presented_name(port):
    """The CN of the certificate a new `openssl s_client` connection is shown, or None."""
    done = subprocess.run([OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % port, "-brief"], input=b"",
                          capture_output=True, timeout=15)
    for line in done.stderr.decode(errors="replace").splitlines():
        if line.startswith("Peer certificate:"):
            return line.rsplit("CN = ", 1)[-1].strip()
    return None


def test_endpoint_refresh_certs_and_sighup_reload_for_new_connections_only(tmp_path, certs):
    """refresh_certs (the data node's command) and SIGHUP load the endpoint's certificate and key
    again: a new connection (openssl s_client) is shown the new certificate while a connection made
    before is still served with the old one; a reload that fails keeps the certificate in use."""
    live = str(tmp_path / "live-certs")
    shutil.copytree(certs, live)
    swap = lambda name: [shutil.copy(os.path.join(certs, name + ext), os.path.join(live, "server" + ext))
                         for ext in (".pem", ".key")]
    cluster = Cluster(tmp_path, tls=live)
    try:
        clear_port = free_port()
        cluster.start_endpoint(extra=["-l", "notls:127.0.0.1:%d" % clear_port])
        port = cluster.endpoint.port
        old = cluster.client_tls.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5),
                                             server_hostname="localhost")
        with old:
            assert exchange(old, b"version\r\n").startswith(b"VERSION ")
            assert presented_name(port) == "server-one"
            swap("server2")
            time.sleep(1.1)
            assert int(stats_of(clear_port)["time_since_server_cert_refresh"]) >= 1
            assert command(clear_port, b"refresh_certs\r\n") == b"OK\r\n"
            assert int(stats_of(clear_port)["time_since_server_cert_refresh"]) == 0
            assert presented_name(port) == "server-two"
            assert exchange(old, b"version\r\n").startswith(b"VERSION ")
            # SIGHUP reloads them too (beside the cluster file).
            swap("server")
            cluster.endpoint.signal(signal.SIGHUP)
            assert wait_for(lambda: presented_name(port) == "server-one", 10)
            # A file OpenSSL cannot load: the command says why, SIGHUP warns; the certificate stays.
            os.unlink(os.path.join(live, "server.pem"))
            assert command(clear_port, b"refresh_certs\r\n").startswith(
                b"Error loading the certificate chain: %s : " % os.path.join(live, "server.pem").encode())
            cluster.endpoint.signal(signal.SIGHUP)
            assert presented_name(port) == "server-one"
            time.sleep(1.0)  # the membership thread takes the signal at once; its warning is read at stop
            assert exchange(old, b"version\r\n").startswith(b"VERSION ")
            assert old.getpeercert()["subject"] == ((("commonName", "server-one"),),)
    finally:
        cluster.stop()
    assert b"TLS certificates not reloaded, the ones in use stay: Error loading the certificate chain" in \
        cluster.endpoint.output, cluster.endpoint.output[-2000:]


def test_endpoint_refresh_certs_needs_a_login_with_Y(tmp_path, certs):
    auth = tmp_path / "auth"
    auth.write_text("admin:s3cret\n")
    cluster = Cluster(tmp_path, tls=certs)
    try:
        cluster.start_endpoint(extra=["-Y", str(auth)])
        port = cluster.endpoint.port
        assert command(port, b"refresh_certs\r\n", tls=cluster.client_tls) == b"CLIENT_ERROR unauthenticated\r\n"
        login = b"set auth 0 0 12\r\nadmin s3cret\r\nrefresh_certs\r\n"
        assert command(port, login, until=b"OK\r\n", tls=cluster.client_tls) == b"STORED\r\nOK\r\n"
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
