"""-Y (ASCII authentication) side by side with memcached 1.6.18: a client that has not authenticated
cannot make the server hold more than 16 KB of its token block. memcached reads such a client into
its fixed 16 KB buffer and hangs up, without an answer, once more of a larger block has arrived."""
import socket
import time

import pytest

from conftest import MEMCACHED_BINARY, SWIFTCACHED_BINARY
from test_memory_bound import vm_rss_kb

SERVERS = {"swiftcached": SWIFTCACHED_BINARY, "memcached": MEMCACHED_BINARY}
HELD = 16 * 1024          # the largest token block (data + \r\n) either server waits for
CLIENTS = 20
SENT = 1_900_000          # bytes of a declared 1 GB block each client tries to send
RSS_GROWTH_KB = 8 * 1024  # what the server may grow by while refusing them all


@pytest.fixture(params=sorted(SERVERS))
def server(request, server_factory, tmp_path):
    passwords = tmp_path / "passwords"
    passwords.write_text("alice:s3cret\n")
    return server_factory(["-m", "64", "-t", "2", "-Y", str(passwords)], binary=SERVERS[request.param])


def outcome(sock, wait=1.0):
    """(bytes received, closed) once the server has been silent for `wait` seconds."""
    sock.settimeout(wait)
    received = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return received, True
            received += chunk
    except socket.timeout:
        return received, False
    except ConnectionResetError:
        return received, True


def send_what_is_taken(sock, data):
    """Sends `data` until the server stops taking it (it may hang up part way)."""
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def test_memory_bound_oversized_token_blocks_closed(server):
    """(Named for the TSan run, which leaves memory_bound tests out: its shadow memory moves RSS.)"""
    before = vm_rss_kb(server.pid)
    block = b"set x 0 0 1000000000\r\n" + b"a" * SENT
    socks = [server.connect(timeout=10) for _ in range(CLIENTS)]
    try:
        for sock in socks:
            send_what_is_taken(sock, block)
        grown = vm_rss_kb(server.pid) - before
        results = [outcome(sock) for sock in socks]
    finally:
        for sock in socks:
            sock.close()
    assert results == [(b"", True)] * CLIENTS
    assert grown < RSS_GROWTH_KB, "%s grew by %d kB" % (server.name, grown)
    with server.connect() as sock:          # and it still authenticates a real client
        sock.sendall(b"set x 0 0 12\r\nalice s3cret\r\nversion\r\n")
        assert outcome(sock, 0.5)[0].startswith(b"STORED\r\nVERSION ")


@pytest.mark.parametrize("length, sent, expected", [
    (HELD - 2, HELD, (b"CLIENT_ERROR bad command line termination\r\n", False)),   # fits: judged
    (HELD - 1, HELD + 1, (b"", True)),                                             # cannot fit
    (1_000_000_000, HELD, (b"", False)),      # no more than the buffer has arrived yet: waits
    (1_000_000_000, HELD + 1, (b"", True)),
], ids=["largest_block_judged", "one_byte_more_closes", "huge_declared_waits", "huge_overflow_closes"])
def test_token_block_bound(server, length, sent, expected):
    with server.connect() as sock:
        sock.sendall(b"set x 0 0 %d\r\n" % length)
        time.sleep(0.1)                      # the line first, as its own read
        send_what_is_taken(sock, b"a" * sent)
        assert outcome(sock) == expected
