"""`stats conns` side by side with memcached 1.6.18: one entry per open socket, ordered by descriptor,
with memcached's keys per kind (listener, UDP socket, client), the asking connection in
`conn_parse_cmd`, idle ones in `conn_read`, and clients on every worker thread listed."""
import os
import re
import socket
import tempfile
import threading
import time

import pytest

from conftest import MEMCACHED_BINARY, SWIFTCACHED_BINARY, exchange
from port_file import PortFileServer

BINARIES = {"memcached": MEMCACHED_BINARY, "swiftcached": SWIFTCACHED_BINARY}
STAT = re.compile(r"^STAT ([0-9]+):(\w+) (.*)$")


def stats_conns(sock):
    data = exchange(sock, b"stats conns\r\n", b"END\r\n")
    entries, order = {}, []
    for line in data.decode().split("\r\n")[:-2]:
        match = STAT.match(line)
        assert match, "not memcached's stats conns line: %r" % line
        fd = int(match.group(1))
        if fd not in entries:
            order.append(fd)
            entries[fd] = {}
        entries[fd][match.group(2)] = match.group(3)
    assert order == sorted(order), order
    return list(entries.values())


def by_address(entries):
    return {entry["addr"]: entry for entry in entries}


def local_address(sock):
    return "tcp:127.0.0.1:%d" % sock.getsockname()[1]


def clients_and_listing(binary, clients=6, threads="4"):
    """Starts `binary` on ephemeral ports; opens `clients` idle connections (round robin over the
    workers), one of which asks. Returns (tcp port, udp port, the entries, the asking address, idle
    addresses)."""
    with PortFileServer(binary, ["-l", "127.0.0.1", "-p", "-1", "-U", "-1", "-t", threads]) as server:
        sockets = [server.connect() for _ in range(clients)]
        try:
            for s in sockets[1:]:
                assert exchange(s, b"version\r\n").startswith(b"VERSION")
            # memcached moves a connection from conn_mwrite back to conn_read after its reply has
            # gone out, so a client can read the reply first: give a slow (e.g. busy) worker a moment.
            time.sleep(0.5)
            entries = stats_conns(sockets[0])
            return (server.port("TCP"), server.port("UDP"), entries, local_address(sockets[0]),
                    [local_address(s) for s in sockets[1:]])
        finally:
            for s in sockets:
                s.close()


@pytest.mark.parametrize("name", sorted(BINARIES))
def test_stats_conns_entries_like_memcached(name):
    tcp, udp, entries, asking, idle = clients_and_listing(BINARIES[name])
    listing = by_address(entries)
    listener = listing["tcp:127.0.0.1:%d" % tcp]
    assert set(listener) == {"addr", "state", "secs_since_last_cmd"} and listener["state"] == "conn_listening"
    datagrams = [entry for entry in entries if "UDP" in entry]
    assert datagrams, entries
    for entry in datagrams:
        assert entry == {"UDP": "UDP", "addr": "udp:127.0.0.1:%d" % udp, "state": "conn_read",
                         "secs_since_last_cmd": entry["secs_since_last_cmd"]}
    client_keys = {"addr", "listen_addr", "state", "secs_since_last_cmd"}
    assert set(listing[asking]) == client_keys
    assert listing[asking]["state"] == "conn_parse_cmd" and listing[asking]["secs_since_last_cmd"] == "0"
    assert listing[asking]["listen_addr"] == listener["addr"]
    for address in idle:      # spread over the worker threads: every one must be gathered
        assert set(listing[address]) == client_keys and listing[address]["state"] == "conn_read", listing[address]
        assert listing[address]["listen_addr"] == listener["addr"]
        assert int(listing[address]["secs_since_last_cmd"]) <= 2


def test_closed_connections_leave_the_list():
    with PortFileServer(SWIFTCACHED_BINARY, ["-l", "127.0.0.1", "-p", "-1", "-t", "2"]) as server:
        with server.connect() as asker:
            gone = server.connect()
            assert exchange(gone, b"version\r\n").startswith(b"VERSION")   # adopted by a worker
            address = local_address(gone)
            assert address in by_address(stats_conns(asker))
            gone.close()
            deadline = time.monotonic() + 5
            while address in by_address(stats_conns(asker)) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert address not in by_address(stats_conns(asker))


def test_unix_socket_listener_and_client():
    """A unix socket listener is `unix:<path>` in conn_listening; its client names it as listen_addr.
    The path is kept short: memcached cuts a listener's address to about 32 characters."""
    directory = tempfile.mkdtemp(prefix="sc")
    path = os.path.join(directory, "s")
    try:
        for name, binary in BINARIES.items():
            listed_like_memcached(name, binary, path)
    finally:
        if os.path.exists(path):
            os.unlink(path)
        os.rmdir(directory)


def listed_like_memcached(name, binary, path):
    """A client on `binary` listening on unix socket `path` asks; both ends named as memcached does."""
    with PortFileServer(binary, ["-s", path, "-t", "2"], wait=0):
        deadline = time.monotonic() + 10
        client = socket.socket(socket.AF_UNIX)
        while time.monotonic() < deadline:
            try:
                client.connect(path)
                break
            except OSError:
                time.sleep(0.05)
        with client:
            entries = stats_conns(client)
        listener = by_address(entries).get("unix:" + path)
        assert listener, (name, entries)
        assert listener["state"] == "conn_listening", (name, entries)
        asking = [entry for entry in entries if entry.get("listen_addr") == "unix:" + path]
        assert len(asking) == 1 and asking[0]["state"] == "conn_parse_cmd", (name, entries)


def test_workers_asking_each_other_at_once_do_not_wait_out_the_bound():
    """Clients on every worker ask at the same moment: each asking worker answers the others' requests
    while it waits, so no one waits out the one-second bound, and every answer lists every client."""
    clients, rounds = 8, 10
    with PortFileServer(SWIFTCACHED_BINARY, ["-l", "127.0.0.1", "-p", "-1", "-t", "4"]) as server:
        sockets = [server.connect(timeout=30) for _ in range(clients)]
        for s in sockets:   # each adopted by its worker before anyone asks
            assert exchange(s, b"version\r\n").startswith(b"VERSION")
        addresses = {local_address(s) for s in sockets}
        missing, started = [], time.monotonic()

        def ask_repeatedly(sock):
            for _ in range(rounds):
                listed = set(by_address(stats_conns(sock)))
                if not addresses <= listed:
                    missing.append(addresses - listed)

        threads = [threading.Thread(target=ask_repeatedly, args=(s,)) for s in sockets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        elapsed = time.monotonic() - started
        for s in sockets:
            s.close()
        assert not any(thread.is_alive() for thread in threads)
        assert not missing, missing[:3]
        # 80 gatherings; a single one waiting out the bound would take a second.
        assert elapsed < 5, elapsed
