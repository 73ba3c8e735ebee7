"""Signals, side by side with memcached 1.6.18: SIGHUP and SIGPIPE leave the server serving with its
items, SIGUSR1 stops it gracefully with exit status 0, also while clients are busy."""
import os
import signal
import socket
import threading
import time

import pytest

from conftest import MEMCACHED_BINARY, SWIFTCACHED_BINARY, exchange

SERVERS = {"swiftcached": SWIFTCACHED_BINARY, "memcached": MEMCACHED_BINARY}
EXIT_BOUND = 5.0      # seconds a graceful stop may take, busy clients included
SETTLE = 0.5          # seconds for a signal that would kill to have done so


@pytest.fixture(params=sorted(SERVERS))
def server(request, server_factory):
    return server_factory(["-m", "64", "-t", "2"], binary=SERVERS[request.param])


def store_items(server, count):
    with server.connect() as sock:
        for i in range(count):
            assert exchange(sock, b"set key%d 0 0 6\r\nvalue%d\r\n" % (i, i % 10)) == b"STORED\r\n"


def assert_items_intact(server, count):
    with server.connect() as sock:
        for i in range(count):
            assert exchange(sock, b"get key%d\r\n" % i, until=b"END\r\n") == \
                b"VALUE key%d 0 6\r\nvalue%d\r\nEND\r\n" % (i, i % 10)


def wait_exit(server, bound):
    try:
        return server.proc.wait(bound)
    except Exception:
        return None


@pytest.mark.parametrize("signal_number", [signal.SIGHUP, signal.SIGPIPE], ids=["SIGHUP", "SIGPIPE"])
def test_signal_leaves_server_serving_with_its_items(server, signal_number):
    store_items(server, 50)
    with server.connect() as held:          # a connection open across the signal keeps working too
        os.kill(server.pid, signal_number)
        time.sleep(SETTLE)
        assert server.alive(), "%s ended %s" % (signal.Signals(signal_number).name, server.name)
        assert exchange(held, b"version\r\n").startswith(b"VERSION ")
    assert_items_intact(server, 50)


def test_repeated_sighup_is_harmless(server):
    store_items(server, 5)
    for _ in range(3):
        os.kill(server.pid, signal.SIGHUP)
        time.sleep(0.1)
    time.sleep(SETTLE)
    assert server.alive()
    assert_items_intact(server, 5)


def test_sigusr1_exits_zero_and_closes_clients(server):
    store_items(server, 5)
    with server.connect() as sock:
        started = time.monotonic()
        os.kill(server.pid, signal.SIGUSR1)
        assert wait_exit(server, EXIT_BOUND) == 0
        assert time.monotonic() - started < EXIT_BOUND
        sock.settimeout(2)
        try:
            assert sock.recv(100) == b""
        except ConnectionResetError:
            pass


def busy_client(port, index, stop, counts, errors):
    """Sets and gets until stopped or the server goes away; counts its answered requests."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError as e:
        errors.append(e)
        return
    done = 0
    try:
        while not stop.is_set():
            key = b"busy%d-%d" % (index, done % 100)
            if exchange(sock, b"set %s 0 0 100\r\n%s\r\n" % (key, b"v" * 100)) != b"STORED\r\n":
                break
            exchange(sock, b"get %s\r\n" % key, until=b"END\r\n")
            done += 1
            counts[index] = done
    except OSError:
        pass                                 # the server closing us is the expected end
    finally:
        sock.close()


def test_sigusr1_under_load_exits_zero_within_bound(server):
    clients = 8
    stop = threading.Event()
    counts = [0] * clients
    errors = []
    threads = [threading.Thread(target=busy_client, args=(server.port, i, stop, counts, errors))
               for i in range(clients)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        assert not errors
        before = sum(counts)
        started = time.monotonic()
        os.kill(server.pid, signal.SIGUSR1)
        status = wait_exit(server, EXIT_BOUND)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert status == 0, "%s under load: exit status %r" % (server.name, status)
    assert elapsed < EXIT_BOUND
    assert before > 0 and min(counts) > 0    # every client really was busy when the signal came
    assert not any(t.is_alive() for t in threads)
