"""-o idle_timeout side by side with memcached 1.6.18: the clock restarts on complete commands only,
so clients trickling a command line a byte at a time are closed like silent ones, while a client
sending whole commands is never closed. One documented difference: swiftcached also closes a client
trickling a data block (memcached never times out a connection reading a value)."""
import socket
import time

import pytest

from conftest import MEMCACHED_BINARY, SWIFTCACHED_BINARY

SERVERS = {"swiftcached": SWIFTCACHED_BINARY, "memcached": MEMCACHED_BINARY}
IDLE = 2              # -o idle_timeout, seconds
WATCH = 9.0           # seconds the clients are driven (memcached's sweep closes after about 5 s)
STEP = 0.5            # seconds between two trickled bytes / two well-behaved commands
TRICKLERS = 20


@pytest.fixture(params=sorted(SERVERS))
def server(request, server_factory):
    return server_factory(["-m", "64", "-t", "2", "-o", "idle_timeout=%d" % IDLE], binary=SERVERS[request.param])


def closed_by_server(sock):
    """Whether the server has closed `sock` (EOF or reset), looked at without waiting."""
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        sock.setblocking(True)


def drive(tricklers, well_behaved, seconds, at_least=0.0):
    """Every STEP: each trickler still open sends one more byte, the well-behaved client one whole
    command; for `seconds`, or until every trickler is closed and `at_least` seconds have passed.
    Returns the seconds after which each trickler was found closed (None: still open)."""
    start = time.monotonic()
    closed_after = [None] * len(tricklers)
    while time.monotonic() - start < seconds:
        if None not in closed_after and time.monotonic() - start >= at_least:
            break
        for i, (sock, byte) in enumerate(tricklers):
            if closed_after[i] is not None:
                continue
            if closed_by_server(sock):
                closed_after[i] = time.monotonic() - start
                continue
            try:
                sock.sendall(byte)
            except OSError:
                closed_after[i] = time.monotonic() - start
        if well_behaved is not None:
            well_behaved.sendall(b"version\r\n")
            assert well_behaved.recv(100).startswith(b"VERSION ")
        time.sleep(STEP)
    return closed_after


def test_trickled_command_lines_are_closed_and_a_busy_client_is_not(server):
    tricklers = [(server.connect(), b"g") for _ in range(TRICKLERS)]
    silent = server.connect()
    busy = server.connect()
    try:
        closed_after = drive(tricklers + [(silent, b"")], busy, WATCH, at_least=IDLE + 2)
        assert all(t is not None for t in closed_after), \
            "%s kept %d trickling clients past idle_timeout=%d" % (
                server.name, closed_after.count(None), IDLE)
        assert min(closed_after) >= IDLE - 0.5
        assert not closed_by_server(busy)
    finally:
        for sock, _ in tricklers:
            sock.close()
        silent.close()
        busy.close()


def test_trickled_data_block(server):
    """The documented difference: memcached keeps a client that trickles its value (it times out
    only connections waiting for a command line); swiftcached closes it once idle_timeout has passed
    since its last complete command line."""
    sock = server.connect()
    try:
        sock.sendall(b"set k 0 0 100\r\n")
        closed_after = drive([(sock, b"x")], None, WATCH)[0]
        if server.name == "memcached":
            assert closed_after is None
        else:
            assert closed_after is not None and closed_after >= IDLE - 0.5
    finally:
        sock.close()
