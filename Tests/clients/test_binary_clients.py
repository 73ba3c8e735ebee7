"""Real binary-protocol clients against swiftcached: pylibmc with binary=True (libmemcached) and
python-binary-memcached (bmemcached) including SASL PLAIN logins with a right and a wrong
password; also `-Y` ASCII authentication, `-B` protocol choice and UDP (`-U`) frames."""
import os
import socket
import struct
import tempfile
import time

import bmemcached
import pylibmc
import pytest

from bindiff import GET, NOOP, SET, VERSION, packets, req, store
from conftest import free_port


@pytest.fixture
def password_file():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "users")
        with open(path, "w") as f:
            f.write("alice:s3cret\nbob:pa:ss\n")
        yield path


def test_pylibmc_binary(swiftcached):
    mc = pylibmc.Client(["127.0.0.1:%d" % swiftcached.port], binary=True, behaviors={"cas": True})
    try:
        assert mc.set("plk", "value")
        assert mc.get("plk") == "value"
        assert mc.get("plk_missing") is None
        assert mc.set_multi({"pl1": b"a", "pl2": b"bb"}) == []
        assert mc.get_multi(["pl1", "pl2", "pl_none"]) == {"pl1": b"a", "pl2": b"bb"}
        assert mc.add("plk", "x") is False
        assert mc.replace("plk", "replaced")
        assert mc.append("plk", "+") and mc.prepend("plk", "-")
        assert mc.get("plk") == "-replaced+"
        assert mc.set("pln", 10)
        assert mc.incr("pln", 5) == 15
        assert mc.decr("pln", 20) == 0
        value, cas = mc.gets("plk")
        assert value == "-replaced+" and cas
        assert mc.cas("plk", "new", cas)
        assert not mc.cas("plk", "newer", cas)
        assert mc.get("plk") == "new"
        assert mc.touch("plk", 100)
        assert mc.delete("plk")
        assert not mc.delete("plk")
        mc.flush_all()
        assert mc.get("pl1") is None
        big = os.urandom(500_000)
        assert mc.set("plbig", big)
        assert mc.get("plbig") == big
        stats = mc.get_stats()
        assert stats and int(stats[0][1]["cmd_set"]) >= 5
    finally:
        mc.disconnect_all()


def test_bmemcached_without_sasl(swiftcached):
    mc = bmemcached.Client(("127.0.0.1:%d" % swiftcached.port,))
    try:
        assert mc.set("bmk", "v1")
        assert mc.get("bmk") == "v1"
        assert mc.add("bmk", "x") is False
        assert mc.replace("bmk", "v2")
        assert mc.get_multi(["bmk", "bm_none"]) == {"bmk": "v2"}
        assert mc.set("bmn", 5)
        assert mc.incr("bmn", 3) == 8
        assert mc.decr("bmn", 10) == 0
        assert mc.delete("bmk")
        assert mc.get("bmk") is None
        assert list(mc.stats().values())[0]["pid"]
    finally:
        mc.disconnect_all()


def test_bmemcached_sasl_right_and_wrong_password(server_factory, password_file):
    server = server_factory(["-m", "64", "-t", "2", "-S", "--sasl-password-file", password_file])
    good = bmemcached.Client(("127.0.0.1:%d" % server.port,), "alice", "s3cret")
    try:
        assert good.set("sk", "secret value")
        assert good.get("sk") == "secret value"
    finally:
        good.disconnect_all()
    # The SASL database allows extra ':' fields: bob's password is "pa".
    extra = bmemcached.Client(("127.0.0.1:%d" % server.port,), "bob", "pa")
    try:
        assert extra.get("sk") == "secret value"
    finally:
        extra.disconnect_all()
    bad = bmemcached.Client(("127.0.0.1:%d" % server.port,), "alice", "wrong")
    try:
        with pytest.raises(bmemcached.exceptions.MemcachedException) as info:
            bad.set("sk", "overwritten")
        assert info.value.code == 0x20
    finally:
        bad.disconnect_all()
    check = bmemcached.Client(("127.0.0.1:%d" % server.port,), "alice", "s3cret")
    try:
        assert check.get("sk") == "secret value", "a refused login must not change stored data"
        stats = list(check.stats().values())[0]
        assert int(stats["auth_cmds"]) >= 4 and int(stats["auth_errors"]) >= 1
    finally:
        check.disconnect_all()


def test_sasl_environment_variable_and_text_refused(server_factory, password_file, monkeypatch):
    monkeypatch.setenv("MEMCACHED_SASL_PWDB", password_file)
    server = server_factory(["-m", "64", "-S"])
    mc = bmemcached.Client(("127.0.0.1:%d" % server.port,), "alice", "s3cret")
    try:
        assert mc.set("envk", "v") and mc.get("envk") == "v"
    finally:
        mc.disconnect_all()
    with server.connect() as s:          # -S makes the server binary-only: text is dropped
        s.sendall(b"get envk\r\n" + b" " * 20)
        s.settimeout(5)
        assert s.recv(100) == b""


def _exchange(sock, data, expect_end=b"\r\n", timeout=5.0):
    sock.sendall(data)
    sock.settimeout(timeout)
    buf = b""
    deadline = time.monotonic() + timeout
    while not buf.endswith(expect_end) and time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf


def test_ascii_auth_file(server_factory, password_file):
    server = server_factory(["-m", "64", "-Y", password_file])
    with server.connect() as s:
        assert _exchange(s, b"get foo\r\n") == b"CLIENT_ERROR unauthenticated\r\n"
        assert _exchange(s, b"set foo 0 0 12\r\nalice wrong!\r\n") == b"CLIENT_ERROR authentication failure\r\n"
        assert _exchange(s, b"set foo 0 0 3\r\nabcXY") == b"CLIENT_ERROR bad command line termination\r\n"
        assert _exchange(s, b"set foo 0 0 5\r\nalice\r\n") == b"CLIENT_ERROR bad authentication token format\r\n"
        assert _exchange(s, b"get foo\r\n") == b"CLIENT_ERROR unauthenticated\r\n"
        assert _exchange(s, b"set foo 0 0 12\r\nalice s3cret\r\n") == b"STORED\r\n"
        assert _exchange(s, b"set foo 0 0 3\r\nbar\r\n") == b"STORED\r\n"
        assert _exchange(s, b"get foo\r\n", b"END\r\n") == b"VALUE foo 0 3\r\nbar\r\nEND\r\n"
    with server.connect() as s:      # a new connection starts unauthenticated; binary is refused
        assert _exchange(s, b"get foo\r\n") == b"CLIENT_ERROR unauthenticated\r\n"


def test_binding_protocol_choice(server_factory):
    binary_only = server_factory(["-m", "64", "-B", "binary"])
    with binary_only.connect() as s:
        s.sendall(req(VERSION))
        s.settimeout(5)
        reply = b""
        while len(reply) < 24:
            reply += s.recv(100)
        assert packets(reply)[0][0][1] == VERSION
        s.sendall(b"version\r\n" + b" " * 20)   # not the binary magic: memcached hangs up
        assert s.recv(100) == b""
    ascii_only = server_factory(["-m", "64", "-B", "ascii"])
    with ascii_only.connect() as s:
        assert _exchange(s, b"version\r\n").startswith(b"VERSION ")
    auto = server_factory(["-m", "64"])
    with auto.connect() as a, auto.connect() as b:
        assert _exchange(a, b"set k 0 0 1\r\nx\r\n") == b"STORED\r\n"
        b.sendall(req(GET, "k"))
        b.settimeout(5)
        data = b""
        while len(data) < 29:
            data += b.recv(100)
        (fields, extras, key, value), = packets(data)
        assert fields[5] == 0 and value == b"x"


def test_bad_cli_combinations(server_factory, password_file):
    for args in (["-S", "-B", "ascii"], ["-S", "-U", "11311"], ["-Y", password_file, "-B", "binary"],
                 ["-B", "nonsense"], ["-Y", "/nonexistent/file"]):
        with pytest.raises(RuntimeError):
            server_factory(["-m", "64"] + args)


def _udp(port, payload, request_id=0x4242, seq=0, total=1, timeout=1.0):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(struct.pack(">HHHH", request_id, seq, total, 0) + payload, ("127.0.0.1", port))
        frames = []
        try:
            while True:
                data, _ = s.recvfrom(65536)
                frames.append((struct.unpack(">HHHH", data[:8]), data[8:]))
        except socket.timeout:
            pass
        return frames


def test_udp(server_factory):
    udp_port = free_port()
    server = server_factory(["-m", "64", "-U", str(udp_port)])
    frames = _udp(udp_port, b"set u 0 0 3\r\nabc\r\n")
    assert frames == [((0x4242, 0, 1, 0), b"STORED\r\n")]
    assert _udp(udp_port, b"get u\r\n") == [((0x4242, 0, 1, 0), b"VALUE u 0 3\r\nabc\r\nEND\r\n")]
    # Two requests in one datagram: two responses.
    assert [f[1] for f in _udp(udp_port, b"get u\r\nget nope\r\n")] == [b"VALUE u 0 3\r\nabc\r\nEND\r\n", b"END\r\n"]
    # A large response is split into numbered datagrams of at most 1400 bytes.
    big = b"z" * 5000
    assert _udp(udp_port, b"set big 0 0 5000\r\n" + big + b"\r\n")[0][1] == b"STORED\r\n"
    frames = _udp(udp_port, b"get big\r\n", request_id=7)
    assert [h for h, _ in frames] == [(7, i, 4, 0) for i in range(4)]
    assert all(len(p) <= 1392 for _, p in frames)
    assert b"".join(p for _, p in frames) == b"VALUE big 0 5000\r\n" + big + b"\r\nEND\r\n"
    # Binary requests work over UDP too.
    frames = _udp(udp_port, req(GET, "u"))
    assert packets(frames[0][1])[0][3] == b"abc"
    # Broken frames are dropped: too short, multi-datagram requests.
    assert _udp(udp_port, b"", timeout=0.3) == []
    assert _udp(udp_port, b"get u\r\n", total=2, timeout=0.3) == []
    # A datagram that ends inside a request leaves nothing behind.
    assert _udp(udp_port, b"set part 0 0 10\r\nabc", timeout=0.3) == []
    assert _udp(udp_port, b"get part\r\n") == [((0x4242, 0, 1, 0), b"END\r\n")]
    # TCP still works alongside.
    with server.connect() as s:
        assert _exchange(s, b"get u\r\n", b"END\r\n") == b"VALUE u 0 3\r\nabc\r\nEND\r\n"
