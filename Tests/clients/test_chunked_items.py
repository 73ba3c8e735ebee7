"""Large items (above slab_chunk_max) over real sockets: a 100 MB value byte for byte, sizes around
chunk boundaries, append/prepend across the threshold, eviction accounting, and differential checks
against memcached for the -I / slab_chunk_max option rules and a large set/get."""
import random
import re
import socket
import subprocess
import time

import pytest

from conftest import MEMCACHED_BINARY, SWIFTCACHED_BINARY, TARGET_IS_MEMCACHED, free_port
from startup import assert_refused_like_memcached

CHUNK = 512 * 1024
DEADLINE = 120.0   # seconds for one large transfer on a loaded 2-core machine


def pattern(seed, size):
    return random.Random(seed).randbytes(size)


def recv_exactly(sock, size, deadline):
    chunks = []
    remaining = size
    while remaining > 0:
        if time.monotonic() > deadline:
            raise AssertionError("timed out with %d of %d bytes left" % (remaining, size))
        data = sock.recv(min(remaining, 4 << 20))
        if not data:
            raise AssertionError("connection closed with %d of %d bytes left" % (remaining, size))
        chunks.append(data)
        remaining -= len(data)
    return b"".join(chunks)


def recv_line(sock, deadline):
    line = b""
    while not line.endswith(b"\r\n"):
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for a line, got %r" % line)
        data = sock.recv(1)
        if not data:
            raise AssertionError("connection closed after %r" % line)
        line += data
    return line


class Client:
    def __init__(self, server):
        self.sock = server.connect(timeout=DEADLINE)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)

    def close(self):
        self.sock.close()

    def store(self, command, key, value, flags=0):
        deadline = time.monotonic() + DEADLINE
        self.sock.sendall(b"%s %s %d 0 %d\r\n" % (command, key, flags, len(value)))
        self.sock.sendall(value)
        self.sock.sendall(b"\r\n")
        return recv_line(self.sock, deadline)

    def get(self, key):
        """The value of key, or None on a miss."""
        deadline = time.monotonic() + DEADLINE
        self.sock.sendall(b"get %s\r\n" % key)
        header = recv_line(self.sock, deadline)
        if header == b"END\r\n":
            return None
        match = re.match(rb"VALUE (\S+) (\d+) (\d+)\r\n", header)
        assert match, header
        value = recv_exactly(self.sock, int(match.group(3)) + 2, deadline)
        assert value.endswith(b"\r\n")
        assert recv_line(self.sock, deadline) == b"END\r\n"
        return value[:-2]

    def meta_get(self, key):
        deadline = time.monotonic() + DEADLINE
        self.sock.sendall(b"mg %s v s\r\n" % key)
        header = recv_line(self.sock, deadline)
        match = re.match(rb"VA (\d+) s(\d+)\r\n", header)
        assert match, header
        assert match.group(1) == match.group(2)
        value = recv_exactly(self.sock, int(match.group(1)) + 2, deadline)
        return value[:-2]

    def command(self, line, terminator=b"END\r\n"):
        deadline = time.monotonic() + DEADLINE
        self.sock.sendall(line)
        reply = b""
        while not reply.endswith(terminator):
            if time.monotonic() > deadline:
                raise AssertionError("timed out: %r" % reply)
            data = self.sock.recv(65536)
            assert data, reply
            reply += data
        return reply

    def stats(self, kind=b""):
        reply = self.command(b"stats %s\r\n" % kind if kind else b"stats\r\n")
        return dict(line.split(b" ", 2)[1:] for line in reply.split(b"\r\n") if line.startswith(b"STAT "))


def slab_accounting(client):
    """Per class: (used_chunks, free_chunks, total_chunks)."""
    stats = client.stats(b"slabs")
    classes = {}
    for name, value in stats.items():
        if b":" in name:
            number, field = name.split(b":")
            classes.setdefault(int(number), {})[field] = int(value)
    return {c: (f[b"used_chunks"], f[b"free_chunks"], f[b"total_chunks"]) for c, f in classes.items()}


@pytest.fixture
def large_server(server_factory):
    return server_factory(["-m", "512", "-I", "128m", "-t", "2"])


def test_hundred_megabyte_value_round_trips_byte_for_byte(large_server):
    value = pattern(100, 100 * 1024 * 1024)
    client = Client(large_server)
    try:
        assert client.store(b"set", b"huge", value, flags=7) == b"STORED\r\n"
        assert client.get(b"huge") == value
        assert client.meta_get(b"huge") == value
        settings = client.stats(b"settings")
        assert settings[b"item_size_max"] == b"134217728"
        assert settings[b"slab_chunk_max"] == b"524288"
        slabs = client.stats(b"slabs")
        # 101 pages of 1 MB hold the 100 MB value (201 chunks of 512 KB), whatever -I is.
        assert int(slabs[b"total_malloced"]) <= 102 * 1024 * 1024
        # Pages stay 1 MB: the largest class is slab_chunk_max with two chunks a page.
        largest = max(slab_accounting(client))
        assert slabs[b"%d:chunk_size" % largest] == b"524288"
        assert slabs[b"%d:chunks_per_page" % largest] == b"2"
        assert client.command(b"delete huge\r\n", b"\r\n") == b"DELETED\r\n"
        for used, free, total in slab_accounting(client).values():
            assert used == 0 and free == total
    finally:
        client.close()


def test_sizes_around_chunk_boundaries_round_trip(server_factory):
    server = server_factory(["-m", "64", "-I", "4m", "-t", "2"])
    client = Client(server)
    try:
        key = b"boundary"
        one_chunk = CHUNK - 40 - len(key)    # this server's largest one-chunk value with CAS
        head = CHUNK - 44 - len(key)
        sizes = [0, 1, one_chunk - 1, one_chunk, one_chunk + 1, CHUNK - 1, CHUNK, CHUNK + 1,
                 head + CHUNK - 4, head + CHUNK - 3, 2 * CHUNK, 2 * CHUNK + 1, 3 * CHUNK - 7, 4 * 1024 * 1024 - 1000]
        for size in sizes:
            value = pattern(size, size)
            assert client.store(b"set", key, value) == b"STORED\r\n", size
            assert client.get(key) == value, size
            assert client.meta_get(key) == value, size
    finally:
        client.close()


def test_append_and_prepend_grow_an_item_across_the_threshold(server_factory):
    server = server_factory(["-m", "64", "-I", "4m", "-t", "2"])
    client = Client(server)
    try:
        expected = pattern(1, CHUNK - 1000)
        assert client.store(b"set", b"grown", expected) == b"STORED\r\n"
        for step in range(5):
            piece = pattern(10 + step, 300_001 + step)
            command = b"prepend" if step % 2 else b"append"
            assert client.store(command, b"grown", piece) == b"STORED\r\n"
            expected = piece + expected if step % 2 else expected + piece
            assert client.get(b"grown") == expected, step
        assert client.command(b"incr grown 1\r\n", b"\r\n").startswith(b"CLIENT_ERROR")
    finally:
        client.close()


def test_eviction_of_chunked_items_keeps_counts_exact(server_factory):
    server = server_factory(["-m", "16", "-I", "4m", "-t", "2", "-o", "slab_automove=0"])
    client = Client(server)
    rng = random.Random(5)
    stored = {}
    try:
        for index in range(60):
            key = b"evict%03d" % index
            size = rng.randint(100, 4000) if index % 5 == 0 else rng.randint(500_000, 3_500_000)
            value = pattern(index, size)
            assert client.store(b"set", key, value) == b"STORED\r\n", (index, size)
            stored[key] = value
        stats = client.stats()
        assert int(stats[b"evictions"]) > 0
        fetchable = 0
        for key, value in stored.items():
            got = client.get(key)
            if got is not None:
                assert got == value, key
                fetchable += 1
        assert int(client.stats()[b"curr_items"]) == fetchable
        for number, (used, free, total) in slab_accounting(client).items():
            assert used + free == total, number
    finally:
        client.close()


def test_out_of_memory_store_fails_cleanly(server_factory):
    server = server_factory(["-m", "4", "-I", "2m", "-M", "-t", "2"])
    client = Client(server)
    try:
        kept = pattern(1, 1_900_000)
        assert client.store(b"set", b"kept", kept) == b"STORED\r\n"
        before = slab_accounting(client)
        results = [client.store(b"set", b"more%d" % i, pattern(i, 1_900_000)) for i in range(4)]
        assert b"SERVER_ERROR out of memory storing object\r\n" in results
        for key, reply in zip([b"more%d" % i for i in range(4)], results):
            if reply != b"STORED\r\n":
                assert client.get(key) is None
        assert client.get(b"kept") == kept
        for number, (used, free, total) in slab_accounting(client).items():
            assert used + free == total, number
        assert before  # the accounting was readable before the failures too
    finally:
        client.close()


# --- differential against memcached ------------------------------------------------------------

OPTION_CASES = [
    ["-I", "100m"],                                     # more than half of -m 64
    ["-I", "1025m", "-m", "4096"],                      # above a gigabyte
    ["-I", "512"],                                      # below 1024 bytes
    ["-I", "1024"],                                     # slab_chunk_max (512 KB) above -I
    ["-I", "1500k"],                                    # not a multiple of slab_chunk_max
    ["-o", "slab_chunk_max=300000"],                    # does not divide -I
    ["-o", "slab_chunk_max=2097152"],                   # above -I
    ["-I", "2m", "-o", "slab_chunk_max=2097152"],       # does not divide the 1 MB page
    ["-o", "slab_chunk_max=-5"],
    ["-o", "slab_chunk_max=524288x"],                   # memcached prints this, then crashes (SIGFPE)
    ["-o", "slab_chunk_max=0"],                         # memcached crashes (SIGFPE) without a message
    # accepted by both
    ["-I", "100m", "-m", "512"],
    ["-I", "1024m", "-m", "4096"],
    ["-o", "slab_chunk_max=65536"],
    ["-I", "2m", "-o", "slab_chunk_max=65536"],
    ["-I", "3m", "-o", "slab_chunk_max=1048576"],
]


@pytest.mark.skipif(TARGET_IS_MEMCACHED, reason="compares two different servers")
@pytest.mark.parametrize("args", OPTION_CASES, ids=lambda a: " ".join(a))
def test_item_size_options_like_memcached(args):
    assert_refused_like_memcached(args)


@pytest.mark.skipif(TARGET_IS_MEMCACHED, reason="compares two different servers")
@pytest.mark.parametrize("args", [["-I", "4m"], ["-I", "128m", "-m", "512"], ["-I", "2m", "-o", "slab_chunk_max=65536"]],
                         ids=lambda a: " ".join(a))
def test_large_set_get_and_settings_like_memcached(server_factory, args):
    ref = server_factory(["-t", "2"] + args + ([] if "-m" in args else ["-m", "64"]), binary=MEMCACHED_BINARY)
    sut = server_factory(["-t", "2"] + args + ([] if "-m" in args else ["-m", "64"]))
    limit = int(Client(sut).stats(b"settings")[b"item_size_max"])
    sizes = [CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17, limit - 100, limit]
    for server in (ref, sut):
        client = Client(server)
        try:
            server.replies = []
            for size in sizes:
                value = pattern(size, size)
                reply = client.store(b"set", b"large", value, flags=3)
                got = client.get(b"large") if reply == b"STORED\r\n" else None
                server.replies.append((reply, got == value if got is not None else None))
            settings = client.stats(b"settings")
            server.settings = (settings[b"item_size_max"], settings[b"slab_chunk_max"])
        finally:
            client.close()
    assert sut.replies == ref.replies
    assert sut.settings == ref.settings
