"""MEMCACHED_PORT_FILENAME and ephemeral ports (`-p -1`, `-U -1`), side by side with memcached 1.6.18:
the same lines in the same format and order, ports that really answer, and the same handling of a file
that cannot be written and of ports memcached refuses."""
import os
import socket
import subprocess

import pytest

from conftest import MEMCACHED_BINARY, SWIFTCACHED_BINARY, exchange, with_user
from port_file import PortFileServer

BINARIES = {"memcached": MEMCACHED_BINARY, "swiftcached": SWIFTCACHED_BINARY}


def udp_version(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(b"\x00\x07\x00\x00\x00\x01\x00\x00version\r\n", ("127.0.0.1", port))
        return s.recv(2048)[8:]


def port_lines(name, args):
    with PortFileServer(BINARIES[name], args) as server:
        assert os.path.exists(server.path), (name, server.output)
        assert not os.path.exists(server.path + ".lck")
        ports = server.ports()
        assert all(port > 0 for _, _, port in ports), ports
        for kind, family, port in ports:
            if (kind, family) == ("TCP", "INET"):
                with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                    assert exchange(s, b"version\r\n").startswith(b"VERSION ")
            if (kind, family) == ("UDP", "INET"):
                assert udp_version(port).startswith(b"VERSION ")
        return [(kind, family) for kind, family, _ in ports]


@pytest.mark.parametrize("args", [
    ["-l", "127.0.0.1", "-p", "-1"],                      # UDP off by default
    ["-l", "127.0.0.1", "-p", "-1", "-U", "-1"],          # TCP then UDP, each its own ephemeral port
    ["-l", "127.0.0.1", "-U", "-1"],                      # -U alone moves TCP to -1 too
    ["-l", "127.0.0.1", "-p", "0", "-U", "-1"],           # UDP only
    ["-l", "127.0.0.1,::1", "-p", "-1", "-U", "-1"],      # one line per socket, IPv6 named INET6
])
def test_port_file_lines_like_memcached(args):
    expected = port_lines("memcached", args)
    assert port_lines("swiftcached", args) == expected, args


def test_ephemeral_ports_in_stats_settings_like_memcached():
    for name, binary in BINARIES.items():
        with PortFileServer(binary, ["-l", "127.0.0.1", "-p", "-1", "-U", "-1"]) as server:
            with server.connect() as s:
                settings = exchange(s, b"stats settings\r\n", until=b"END\r\n").decode()
            assert "STAT tcpport -1\r\n" in settings and "STAT udpport -1\r\n" in settings, (name, settings)


def test_unwritable_port_file_reported_and_server_runs():
    """memcached says it cannot open `<file>.lck` and serves anyway."""
    for name, binary in BINARIES.items():
        server = PortFileServer(binary, ["-l", "127.0.0.1", "-p", "-1"], wait=1.0)
        server.path = os.path.join(server.directory, "missing", "ports")
        with server:
            assert server.proc.poll() is None, (name, "exited")
        assert ('Failed to open "%s.lck": No such file or directory' % server.path).encode() in server.output, (
            name, server.output)


def test_stale_lock_file_is_appended_to_as_memcached_does():
    """memcached opens `<file>.lck` for appending: stale lines stay in front of the new ones."""
    texts = {}
    for name, binary in BINARIES.items():
        server = PortFileServer(binary, ["-l", "127.0.0.1", "-p", "-1"])
        with open(server.path + ".lck", "w") as f:
            f.write("stale\n")
        with server:
            texts[name] = server.text().splitlines()
            assert texts[name][0] == "stale" and texts[name][1].startswith("TCP INET: "), (name, texts[name])
    assert len(texts["memcached"]) == len(texts["swiftcached"]) == 2


@pytest.mark.parametrize("flag", ["-p", "-U"])
def test_other_negative_ports_fail_at_bind_like_memcached(flag):
    """Only -1 means ephemeral: memcached hands -5 to getaddrinfo, which refuses it (exit 71)."""
    statuses = {}
    for name, binary in BINARIES.items():
        argv = with_user([binary, "-l", "127.0.0.1", flag, "-5"] + (["-p", "-1"] if flag == "-U" else []))
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        statuses[name] = done.returncode
    assert statuses["swiftcached"] == statuses["memcached"] == 71, statuses
