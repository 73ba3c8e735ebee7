"""Warm restart (-e PATH, memcached 1.6.18's restartable cache): item memory lives in a file on a
tmpfs; SIGUSR1 stops gracefully and saves PATH.meta; a restart with the same settings has every
unexpired item back, byte for byte, with its flags, CAS and expiry. A restart with other settings,
a corrupt or missing meta file (SIGKILL, SIGTERM) starts empty and says why on stderr."""
import os
import random
import shutil
import signal
import tempfile
import threading
import time

import pytest

from conftest import SWIFTCACHED_BINARY, Server, exchange
from test_signals import busy_client

ITEMS = 100_000
CHUNKED = 24                 # values above slab_chunk_max (512 KB), up to 1.5 MB, with -I 2m
SHORT_TTL = 8                # seconds: these items (stored last) must be gone after the restart
SHORT_TTL_ITEMS = 2_000
LONG_TTL_ITEMS = 2_000       # one hour: these must come back
ARGS = ["-m", "512", "-I", "2m", "-t", "2"]
BATCH = 200                  # keys per pipelined batch
EXIT_BOUND = 10.0            # seconds a graceful stop may take, under load
IO_TIMEOUT = 30.0


@pytest.fixture
def memory_dir():
    """A directory on a tmpfs (/dev/shm when there is one) for the memory file; removed afterwards."""
    parent = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    path = tempfile.mkdtemp(prefix="swiftcached-warm-", dir=parent)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def servers():
    """start(args) -> a started swiftcached; every one is stopped at teardown."""
    started = []

    def start(args):
        server = Server(SWIFTCACHED_BINARY, args)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def stop_with(server, signal_number, bound=EXIT_BOUND):
    """Sends the signal, waits for the exit status, and returns the server's output."""
    os.kill(server.pid, signal_number)
    status = server.proc.wait(bound)
    server.stop()                     # collects the output
    return status, server.log.decode(errors="replace")


class Reader:
    """Buffered reads of responses from one socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = bytearray()

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk

    def line(self):
        while True:
            end = self.buffer.find(b"\r\n")
            if end >= 0:
                line = bytes(self.buffer[:end])
                del self.buffer[:end + 2]
                return line
            self._fill()

    def exactly(self, count):
        while len(self.buffer) < count + 2:
            self._fill()
        data = bytes(self.buffer[:count])
        assert self.buffer[count:count + 2] == b"\r\n"
        del self.buffer[:count + 2]
        return data


def make_items(seed=1234):
    """key -> (value, flags, exptime): mixed sizes, a few chunked, random flags on odd keys and 0 on
    even ones (a header without the flag bytes), some with a TTL."""
    rng = random.Random(seed)
    items = {}
    for i in range(ITEMS):
        roll = rng.random()
        if i < CHUNKED:
            size = rng.randint(600_000, 1_500_000)
        elif roll < 0.70:
            size = rng.randint(0, 200)
        elif roll < 0.95:
            size = rng.randint(200, 4_000)
        else:
            size = rng.randint(4_000, 20_000)
        body = (b"%d:" % i) * (size // max(1, len(b"%d:" % i)) + 1)
        value = body[:size]
        if i < CHUNKED:           # not all one byte: a misplaced chunk would show
            value = bytes(rng.getrandbits(8) for _ in range(64)) * (size // 64) + b"x" * (size % 64)
        exptime = 0
        if i >= ITEMS - SHORT_TTL_ITEMS:
            exptime = SHORT_TTL
        elif CHUNKED <= i < CHUNKED + LONG_TTL_ITEMS:
            exptime = 3600
        flags = rng.getrandbits(32)
        items[b"warm:%d" % i] = (value, 0 if i % 2 == 0 else flags, exptime)
    return items


def store_all(server, items):
    """Pipelined noreply sets, each batch closed by a meta no-op."""
    with server.connect(timeout=IO_TIMEOUT) as sock:
        reader = Reader(sock)
        keys = list(items)
        for start in range(0, len(keys), BATCH):
            request = bytearray()
            for key in keys[start:start + BATCH]:
                value, flags, exptime = items[key]
                request += b"set %s %d %d %d noreply\r\n%s\r\n" % (key, flags, exptime, len(value), value)
            sock.sendall(bytes(request) + b"mn\r\n")
            assert reader.line() == b"MN"


def fetch_all(server, keys):
    """key -> (value, flags, cas) of every key found, by pipelined multi-key gets."""
    found = {}
    with server.connect(timeout=IO_TIMEOUT) as sock:
        reader = Reader(sock)
        for start in range(0, len(keys), BATCH):
            sock.sendall(b"gets " + b" ".join(keys[start:start + BATCH]) + b"\r\n")
            while True:
                line = reader.line()
                if line == b"END":
                    break
                word, key, flags, length, cas = line.split(b" ")
                assert word == b"VALUE", line
                found[key] = (reader.exactly(int(length)), int(flags), int(cas))
    return found


def stat(server, name, group=b""):
    with server.connect() as sock:
        text = exchange(sock, b"stats %s\r\n" % group if group else b"stats\r\n", until=b"END\r\n")
    for line in text.decode().split("\r\n"):
        parts = line.split(" ")
        if len(parts) == 3 and parts[1] == name:
            return parts[2]
    raise AssertionError("no stat %s in %r" % (name, text[:300]))


def sigusr1_under_load(server, clients=4):
    stop = threading.Event()
    counts = [0] * clients
    errors = []
    threads = [threading.Thread(target=busy_client, args=(server.port, i, stop, counts, errors)) for i in range(clients)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 10
        while min(counts) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert min(counts) > 0 and not errors, "the load never got going: %r" % errors
        status, log = stop_with(server, signal.SIGUSR1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert not any(thread.is_alive() for thread in threads)
    return status, log


def test_warm_restart_keeps_every_item_byte_for_byte(servers, memory_dir):
    memory_file = os.path.join(memory_dir, "memory")
    args = ARGS + ["-e", memory_file]
    items = make_items()
    server = servers(args)
    assert stat(server, "memory_file", b"settings") == memory_file
    store_all(server, items)
    stored_at = time.monotonic()
    assert stat(server, "evictions") == "0" and stat(server, "curr_items") == str(ITEMS)
    # The short-TTL items are left out: on a slow (TSan) build they could expire while being read.
    lasting = [key for key, (_, _, exptime) in items.items() if exptime != SHORT_TTL]
    before = fetch_all(server, lasting)
    assert len(before) == len(lasting)
    status, log = sigusr1_under_load(server)
    assert status == 0, log[-2000:]
    assert os.path.exists(memory_file + ".meta")

    time.sleep(max(0.0, stored_at + SHORT_TTL + 1.5 - time.monotonic()))   # the short TTLs run out
    restarted = servers(args)
    assert not os.path.exists(memory_file + ".meta"), "the meta file must be consumed at start-up"
    after = fetch_all(restarted, list(items))
    missing = [key for key, (_, _, exptime) in items.items() if exptime != SHORT_TTL and key not in after]
    assert not missing, "%d items lost, e.g. %r" % (len(missing), missing[:5])
    resurrected = [key for key, (_, _, exptime) in items.items() if exptime == SHORT_TTL and key in after]
    assert not resurrected, "%d expired items came back" % len(resurrected)
    for key, (value, flags, cas) in after.items():
        assert (value, flags) == items[key][:2], key
        assert cas == before[key][2], key
    # New stores get CAS values above every restored one, and the long TTLs still run.
    with restarted.connect() as sock:
        assert exchange(sock, b"set fresh 0 0 1\r\nf\r\n") == b"STORED\r\n"
        line = exchange(sock, b"gets fresh\r\n", until=b"END\r\n").split(b"\r\n")[0]
        assert int(line.split(b" ")[4]) > max(cas for _, _, cas in before.values())
        long_key = b"warm:%d" % CHUNKED
        ttl = exchange(sock, b"mg %s t\r\n" % long_key).strip()
        assert ttl.startswith(b"HD t") and 3500 < int(ttl[4:]) <= 3600, ttl
    expected = ITEMS - SHORT_TTL_ITEMS + 1
    assert int(stat(restarted, "curr_items")) >= expected - 1   # the load's keys may be back too
    status, log = stop_with(restarted, signal.SIGTERM)
    assert status == 0
    assert "[restart] warm restart: " in log and "items restored" in log, log[-2000:]


def store_few(server, count=100):
    with server.connect() as sock:
        for i in range(count):
            assert exchange(sock, b"set few%d 9 0 5\r\nvalue\r\n" % i) == b"STORED\r\n"


def assert_empty(server):
    assert stat(server, "curr_items") == "0"
    with server.connect() as sock:
        assert exchange(sock, b"get few0\r\n", until=b"END\r\n") == b"END\r\n"


def saved_server(servers, args):
    """A server with a few items, stopped with SIGUSR1 so that its meta file is saved."""
    server = servers(args)
    store_few(server)
    status, _ = stop_with(server, signal.SIGUSR1)
    assert status == 0


def log_after_start(servers, args):
    """Starts, checks the cache is empty, stops, and returns what the server said."""
    server = servers(args)
    assert_empty(server)
    status, log = stop_with(server, signal.SIGTERM)
    assert status == 0
    return log


@pytest.mark.parametrize("changed", [["-m", "128"], ["-I", "4m"], ["-n", "64"], ["-f", "1.5"], ["-C"],
                                     ["-o", "slab_chunk_max=262144"], ["-o", "eviction_policy=lru"]],
                         ids=lambda a: " ".join(a))
def test_restart_with_other_settings_starts_empty_and_says_why(servers, memory_dir, changed):
    memory_file = os.path.join(memory_dir, "memory")
    saved_server(servers, ["-m", "64", "-I", "2m", "-e", memory_file])
    args = ["-m", "64", "-I", "2m", "-e", memory_file]
    flag = changed[0]
    args = [a for i, a in enumerate(args) if not (a == flag or (i > 0 and args[i - 1] == flag))] + changed
    log = log_after_start(servers, args)
    assert "[restart] restart incompatible: setting [" in log and "starting with a clean cache" in log, log


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "bad page owner", "bad queue head",
                                    "queue too long", "unknown line", "binary", "older format"])
def test_corrupt_meta_file_starts_empty_without_crash(servers, memory_dir, damage):
    memory_file = os.path.join(memory_dir, "memory")
    args = ["-m", "64", "-e", memory_file]
    saved_server(servers, args)
    meta = memory_file + ".meta"
    with open(meta, "rb") as f:
        text = f.read()
    lines = text.split(b"\n")
    if damage == "garbage":
        text = b"garbage\n"
    elif damage == "truncated":
        text = text[:len(text) // 2]
    elif damage == "empty":
        text = b""
    elif damage == "bad page owner":
        text = b"\n".join(b"pages 99" if l.startswith(b"pages ") else l for l in lines)
    elif damage == "bad queue head":
        text = b"\n".join(b" ".join(l.split(b" ")[:3] + [b"99999", l.split(b" ")[4]]) if l.startswith(b"queue ")
                          else l for l in lines)
    elif damage == "queue too long":
        text = b"\n".join(b" ".join(l.split(b" ")[:4] + [b"101"]) if l.startswith(b"queue ") else l for l in lines)
    elif damage == "older format":            # the item layout before flags 0 went unstored
        assert lines[0] == b"swiftcached-restart 2", lines[0]
        text = text.replace(b"swiftcached-restart 2\n", b"swiftcached-restart 1\n", 1)
    elif damage == "unknown line":
        text = text.replace(b"\nend\n", b"\nsurprise 1\nend\n")
    else:
        text = bytes(random.Random(7).getrandbits(8) for _ in range(4096))
    with open(meta, "wb") as f:
        f.write(text)
    log = log_after_start(servers, args)
    assert "[restart] " in log and "starting with a clean cache" in log, log
    if damage == "older format":
        assert "not a swiftcached restart file of this version" in log, log
    # And the cache works normally afterwards.
    server = servers(args)
    store_few(server)
    assert stat(server, "curr_items") == "100"


def test_corrupt_memory_file_starts_empty_without_crash(servers, memory_dir):
    """The meta file is intact but an item header in the memory file is not."""
    memory_file = os.path.join(memory_dir, "memory")
    args = ["-m", "64", "-e", memory_file]
    saved_server(servers, args)
    with open(memory_file, "r+b") as f:       # the first page holds the items: zero their key lengths
        page = bytearray(f.read(1 << 20))
        for offset in range(24, len(page), 88):
            page[offset] = 0
        f.seek(0)
        f.write(page)
    log = log_after_start(servers, args)
    assert "[restart] memory file does not match its metadata" in log, log


@pytest.mark.parametrize("signal_number", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_stop_without_sigusr1_leaves_no_meta_and_starts_empty(servers, memory_dir, signal_number):
    memory_file = os.path.join(memory_dir, "memory")
    args = ["-m", "64", "-e", memory_file]
    server = servers(args)
    store_few(server)
    os.kill(server.pid, signal_number)
    server.proc.wait(EXIT_BOUND)
    assert not os.path.exists(memory_file + ".meta")
    log = log_after_start(servers, args)
    assert "[restart] no metadata file" in log, log


def test_crash_after_a_warm_restart_does_not_reuse_the_memory(servers, memory_dir):
    """The meta file is consumed at start-up: a SIGKILL after a warm restart leaves nothing to trust."""
    memory_file = os.path.join(memory_dir, "memory")
    args = ["-m", "64", "-e", memory_file]
    saved_server(servers, args)
    server = servers(args)
    assert stat(server, "curr_items") == "100"
    os.kill(server.pid, signal.SIGKILL)
    server.proc.wait(EXIT_BOUND)
    log = log_after_start(servers, args)
    assert "[restart] no metadata file" in log, log


def test_memory_file_that_cannot_be_opened_stops_the_start(memory_dir):
    path = os.path.join(memory_dir, "no-such-dir", "memory")
    server = Server(SWIFTCACHED_BINARY, ["-e", path])
    try:
        with pytest.raises(RuntimeError) as failure:
            server.start()
        assert "memory file" in str(failure.value)
    finally:
        server.stop()           # a server that started against expectation is stopped too


def test_a_pool_page_comes_back_in_the_pool(servers, memory_dir):
    """A page emptied into the global page pool (`slabs reassign N 0`) before a graceful stop is a pool
    page again after the restart: `slab_global_page_pool` and `total_malloced` are as they were, the
    items left in its class are back, and the next class that needs a page takes it."""
    memory_file = os.path.join(memory_dir, "memory")
    args = ["-m", "64", "-e", memory_file, "-o", "slab_automove=0"]
    server = servers(args)
    value = b"p" * 200_000
    with server.connect() as sock:
        for i in range(20):
            assert exchange(sock, b"set pool%d 0 0 %d\r\n%s\r\n" % (i, len(value), value)) == b"STORED\r\n"
        assert exchange(sock, b"slabs reassign -1 0\r\n") == b"OK\r\n"
    deadline = time.monotonic() + 10
    while stat(server, "slab_global_page_pool") != "1":
        assert time.monotonic() < deadline, "the page never reached the pool"
        time.sleep(0.05)
    kept = int(stat(server, "curr_items"))
    malloced = stat(server, "total_malloced", b"slabs")
    assert 0 < kept < 20
    status, _ = stop_with(server, signal.SIGUSR1)
    assert status == 0

    server = servers(args)
    assert stat(server, "slab_global_page_pool") == "1"
    assert stat(server, "total_malloced", b"slabs") == malloced
    assert stat(server, "curr_items") == str(kept)
    with server.connect() as sock:
        found = [exchange(sock, b"get pool%d\r\n" % i, until=b"END\r\n") for i in range(20)]
        assert sum(reply.startswith(b"VALUE") for reply in found) == kept
        assert all(reply.endswith(b"%s\r\nEND\r\n" % value) for reply in found if reply.startswith(b"VALUE"))
        assert exchange(sock, b"set small 0 0 5\r\nvalue\r\n") == b"STORED\r\n"
    assert stat(server, "slab_global_page_pool") == "0"
    assert stat(server, "total_malloced", b"slabs") == malloced
