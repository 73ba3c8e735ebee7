"""The client allowlist (--allow, --allow-file) on swiftcached and swiftcached-config: a client
outside every range is closed right after accept, before a byte is read, and counted in
rejected_by_allowlist (shown only with an allowlist); UDP datagrams from outside are dropped;
SIGHUP re-reads the file, keeping the list in force when the new file is bad. Clients come from
other loopback addresses (127.0.0.2, ::1) than the admitted 127.0.0.1."""
import signal
import socket
import subprocess
import time

import pytest

from cluster_harness import Cluster, wait_for
from conftest import SWIFTCACHED_BINARY, TARGET_IS_MEMCACHED, free_port, with_user

pytestmark = pytest.mark.skipif(TARGET_IS_MEMCACHED, reason="memcached has no allowlist")


def connect_from(source, port, timeout=5.0):
    """A TCP connection to the server's address of the source's family, from `source`."""
    family = socket.AF_INET6 if ":" in source else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("::1" if family == socket.AF_INET6 else "127.0.0.1", port))
    return s


def closed_unanswered(source, port):
    """True when the server closes a connection from `source` without sending a byte, whatever
    the client sends; False when it answers."""
    with connect_from(source, port) as s:
        try:
            s.sendall(b"version\r\n")
            return s.recv(4096) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True


def served(source, port):
    with connect_from(source, port) as s:
        try:
            s.sendall(b"version\r\n")
            return s.recv(4096).startswith(b"VERSION ")
        except (ConnectionResetError, BrokenPipeError):
            return False


def ask(port, request, until=b"END\r\n"):
    """Sends `request` from 127.0.0.1 and reads the answer up to `until` (at most 5 s)."""
    with connect_from("127.0.0.1", port) as s:
        s.sendall(request)
        data = b""
        deadline = time.monotonic() + 5
        while not data.endswith(until) and time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return data


def stats(port):
    data = ask(port, b"stats\r\n")
    return {line.split(b" ")[1].decode(): line.split(b" ")[2].decode()
            for line in data.split(b"\r\n") if line.startswith(b"STAT ")}


def settled_stats(port):
    """`stats` once every earlier connection (the start-up readiness probe, handed to the other
    worker) has been counted: two answers in a row that differ only by the asking connection."""
    previous = stats(port)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        current = stats(port)
        if int(current["total_connections"]) == int(previous["total_connections"]) + 1:
            return current
        previous = current
    raise AssertionError("total_connections never settled")


def test_clients_outside_the_list_are_closed_before_a_byte_is_read_and_counted(server_factory):
    server = server_factory(["-m", "64", "-t", "2", "-l", "[::1]", "--allow", "127.0.0.1"])
    before = settled_stats(server.port)
    assert before["rejected_by_allowlist"] == "0"
    assert closed_unanswered("127.0.0.2", server.port)
    assert closed_unanswered("::1", server.port)
    after = stats(server.port)
    assert after["rejected_by_allowlist"] == "2"
    # Not one byte of theirs was read: only this second `stats` request's own 7 bytes were.
    assert int(after["bytes_read"]) - int(before["bytes_read"]) == len(b"stats\r\n")
    assert after["total_connections"] == str(int(before["total_connections"]) + 1)
    assert ask(server.port, b"set k 0 0 2\r\nhi\r\nget k\r\n") == b"STORED\r\nVALUE k 0 2\r\nhi\r\nEND\r\n"


def test_ranges_and_ipv6_clients_are_admitted(server_factory):
    server = server_factory(["-m", "64", "-t", "2", "-l", "[::1]", "--allow", "::1", "--allow", "127.0.0.0/30"])
    assert served("::1", server.port)
    assert served("127.0.0.2", server.port)
    assert served("127.0.0.3", server.port)
    assert closed_unanswered("127.0.0.4", server.port)
    assert stats(server.port)["rejected_by_allowlist"] == "1"


def test_without_an_allowlist_there_is_no_stat(swiftcached):
    assert "rejected_by_allowlist" not in stats(swiftcached.port)
    assert served("127.0.0.2", swiftcached.port)


def test_sighup_reloads_the_allow_file_and_keeps_the_items(server_factory, tmp_path):
    path = tmp_path / "allow"
    path.write_text("# clients\n127.0.0.1\n")
    server = server_factory(["-m", "64", "-t", "2", "--allow-file", str(path)])
    assert ask(server.port, b"set kept 0 0 3\r\nyes\r\n", until=b"\r\n") == b"STORED\r\n"
    assert closed_unanswered("127.0.0.2", server.port)
    path.write_text("127.0.0.1\n127.0.0.2/32  # now admitted\n")
    server.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: served("127.0.0.2", server.port), 5), "the new list was not taken"
    # A bad file keeps the list in force (and says why); the server and its items stay.
    path.write_text("127.0.0.1\n127.0.0.3/8\n")
    server.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert served("127.0.0.2", server.port)
    assert closed_unanswered("127.0.0.3", server.port)
    assert ask(server.port, b"get kept\r\n") == b"VALUE kept 0 3\r\nyes\r\nEND\r\n"
    assert server.alive()
    server.stop()
    assert b"allowlist reload refused, keeping the current list" in server.log
    assert b"127.0.0.3/8" in server.log


def udp_version(source, port):
    """The answer to a UDP `version` from `source`, or None when none comes within a second."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((source, 0))
        s.settimeout(1.0)
        s.sendto(b"\x00\x07\x00\x00\x00\x01\x00\x00version\r\n", ("127.0.0.1", port))
        try:
            return s.recv(2048)[8:]
        except socket.timeout:
            return None


def test_udp_datagrams_from_outside_the_list_are_dropped(server_factory):
    udp_port = free_port()
    server = server_factory(["-m", "64", "-t", "2", "-U", str(udp_port), "--allow", "127.0.0.1"])
    assert udp_version("127.0.0.2", udp_port) is None
    assert udp_version("127.0.0.1", udp_port).startswith(b"VERSION ")
    assert stats(server.port)["rejected_by_allowlist"] == "1"


def test_bad_ranges_are_refused_at_start(tmp_path):
    for args, message in ((["--allow", "10.0.0.1/8"], b"bits are set after the /8 prefix"),
                          (["--allow", "nonsense"], b"not an IPv4 or IPv6 address"),
                          (["--allow-file", str(tmp_path / "missing")], b"no such file")):
        argv = with_user([SWIFTCACHED_BINARY, "-U", "0", "-l", "127.0.0.1", "-p", str(free_port())] + args)
        result = subprocess.run(argv, capture_output=True, timeout=10)
        assert result.returncode == 64, (args, result)
        assert message in result.stderr, (args, result.stderr)


def test_the_config_endpoint_has_the_allowlist_too(tmp_path):
    path = tmp_path / "allow"
    path.write_text("127.0.0.1\n")
    c = Cluster(tmp_path)
    try:
        c.start_endpoint(extra=["--allow-file", str(path)])
        port = c.endpoint.port
        assert stats(port)["rejected_by_allowlist"] == "0"
        assert closed_unanswered("127.0.0.2", port)
        assert stats(port)["rejected_by_allowlist"] == "1"
        path.write_text("127.0.0.0/29\n")
        c.endpoint.signal(signal.SIGHUP)
        assert wait_for(lambda: served("127.0.0.2", port), 5)
        assert c.config()[0] >= 1, "the endpoint serves on"
    finally:
        c.stop()
