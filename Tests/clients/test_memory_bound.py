"""Memory bound: far more data than -m 64 allows must evict, keep `bytes` within the limit, and
keep the process's resident memory near the limit."""
import os
import re
import socket
import threading
import time

import pytest

from conftest import MEASUREMENTS, MEMCACHED_BINARY, SWIFTCACHED_BINARY, Server, TARGET_IS_MEMCACHED

LIMIT_MB = 64
# Fixed allowance above -m for everything that is not item memory: code, thread stacks, the hash
# table, connection buffers, allocator slack. memcached 1.6.18 itself sits at about 70 MB under
# this load (see the measurement line this test prints).
RSS_OVERHEAD_MB = 24
N_SETS = 1_500_000
BATCH = 5_000
TIME_LIMIT = 240.0          # seconds for the whole load
VALUE = b"v" * 100


def key(i):
    return b"rsskey_%023d" % i          # 30 bytes, all the same length


def vm_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def stats(sock):
    sock.sendall(b"stats\r\n")
    buf = b""
    deadline = time.monotonic() + 10
    while not buf.endswith(b"END\r\n"):
        assert time.monotonic() < deadline, "no complete stats reply in 10 s: %r" % buf[-200:]
        chunk = sock.recv(65536)
        assert chunk, "connection closed during stats"
        buf += chunk
    out = {}
    for line in buf.split(b"\r\n"):
        parts = line.split(b" ")
        if len(parts) == 3 and parts[0] == b"STAT":
            out[parts[1].decode()] = parts[2].decode()
    return out


def load(port):
    """N_SETS noreply sets, pipelined in batches, then `version`; returns (seconds, all bytes the
    server sent), which should be the VERSION line alone."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    stray = bytearray()
    stop = threading.Event()

    def drain():                         # noreply sets send nothing; collect anything that comes
        sock2 = sock.dup()
        sock2.settimeout(0.2)
        while not stop.is_set():
            try:
                chunk = sock2.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not chunk:
                break
            stray.extend(chunk)
        sock2.close()

    t = threading.Thread(target=drain, daemon=True)
    t.start()
    start = time.monotonic()
    try:
        for base in range(0, N_SETS, BATCH):
            assert time.monotonic() - start < TIME_LIMIT, "load did not finish in %.0f s (at %d sets)" % (TIME_LIMIT, base)
            sock.sendall(b"".join(b"set %s 0 0 100 noreply\r\n%s\r\n" % (key(i), VALUE)
                                  for i in range(base, min(base + BATCH, N_SETS))))
        sock.sendall(b"version\r\n")     # every set before it has been processed once this answers
        deadline = start + TIME_LIMIT
        while b"VERSION" not in stray:
            assert time.monotonic() < deadline, "no VERSION reply after the load: %r" % bytes(stray[-200:])
            time.sleep(0.05)
        elapsed = time.monotonic() - start
    finally:
        stop.set()
        t.join(5)
        sock.close()
    return elapsed, bytes(stray)


def run_bound(binary, name):
    srv = Server(binary, ["-m", str(LIMIT_MB), "-t", "2"], name=name).start()
    try:
        rss_start = vm_rss_kb(srv.pid)
        elapsed, received = load(srv.port)
        assert srv.alive(), "%s died under the load" % name
        rss = vm_rss_kb(srv.pid)
        with srv.connect() as s:
            st = stats(s)
            s.sendall(b"get %s\r\n" % key(N_SETS - 1))   # the newest key must still be there
            time.sleep(0.2)
            newest = s.recv(4096)
        MEASUREMENTS.append(
            "memory bound, %s -m %d: %d noreply sets of 30-byte keys / 100-byte values in %.1f s; "
            "curr_items=%s evictions=%s bytes=%s limit_maxbytes=%s; VmRSS %.1f MB at start, %.1f MB after"
            % (name, LIMIT_MB, N_SETS, elapsed, st.get("curr_items"), st.get("evictions"),
               st.get("bytes"), st.get("limit_maxbytes"), rss_start / 1024, rss / 1024))
        return st, rss, received, newest
    finally:
        srv.stop()


def test_memory_bound():
    st, rss_kb, received, newest = run_bound(
        SWIFTCACHED_BINARY, "memcached (as target)" if TARGET_IS_MEMCACHED else "swiftcached")
    # Reference figure from memcached under the same load, for the report only (not asserted).
    if not TARGET_IS_MEMCACHED and os.path.exists(MEMCACHED_BINARY):
        run_bound(MEMCACHED_BINARY, "memcached (reference)")
    assert re.fullmatch(rb"VERSION [^\r\n]+\r\n", received), \
        "the server replied to noreply sets (it must evict, not refuse): %r" % received[:300]
    assert newest.startswith(b"VALUE " + key(N_SETS - 1)), "newest key missing: %r" % newest[:200]
    assert int(st["curr_items"]) > 0
    assert int(st["evictions"]) > 0
    assert int(st["limit_maxbytes"]) == LIMIT_MB * 1024 * 1024
    assert int(st["bytes"]) <= int(st["limit_maxbytes"])
    assert rss_kb <= (LIMIT_MB + RSS_OVERHEAD_MB) * 1024, \
        "VmRSS %.1f MB > %d MB + %d MB overhead" % (rss_kb / 1024, LIMIT_MB, RSS_OVERHEAD_MB)


# Found by Scripts/bench-memcslap.sh (2026-11-22): once every page of -m had gone to one slab class,
# sets of other sizes were refused (SERVER_ERROR out of memory storing object) where memcached 1.6.18
# stores them. Fixed with memcached's rule that a class with no page may take one beyond -m.
def test_full_cache_still_stores_other_sizes(swiftcached):
    with swiftcached.connect(timeout=30) as s:
        v = b"v" * 100
        for base in range(0, 800_000, BATCH):      # ~2x what -m 64 holds, all in one slab class
            s.sendall(b"".join(b"set fill%07d 0 0 100 noreply\r\n%s\r\n" % (i, v) for i in range(base, base + BATCH)))
        s.sendall(b"version\r\n")
        buf = b""
        deadline = time.monotonic() + TIME_LIMIT
        while b"VERSION" not in buf:
            assert time.monotonic() < deadline, "no VERSION reply after the fill"
            buf += s.recv(65536)
        replies = {}
        for size in (5_000, 50_000, 300_000, 900_000):
            s.sendall(b"set other%d 0 0 %d\r\n%s\r\nget other%d\r\n" % (size, size, b"x" * size, size))
            reply = b""
            while not reply.endswith(b"END\r\n"):
                assert time.monotonic() < deadline, "no reply to the set/get of %d bytes: %r" % (size, reply[:200])
                chunk = s.recv(1 << 20)
                assert chunk, "connection closed"
                reply += chunk
            replies[size] = reply
        st = stats(s)
    for size, reply in replies.items():
        assert reply.startswith(b"STORED\r\nVALUE other%d 0 %d\r\n" % (size, size)), \
            "set of %d bytes in a full cache: %r (store_no_memory=%s)" % (size, reply[:80], st.get("store_no_memory"))


# Tables sized from -m (the S3-FIFO ghost filter: 4 bytes per 256 bytes of -m) were allocated and
# zeroed at start, so an empty server at -m 1024 was 16 MB larger than at -m 64. They are zero pages
# now, resident only once used: an idle server's RSS must not follow -m.
IDLE_LARGE_MB = 4096
IDLE_GROWTH_ALLOWANCE_MB = 4


def idle_rss_kb(binary, megabytes):
    srv = Server(binary, ["-m", str(megabytes), "-t", "2"]).start()
    try:
        with srv.connect() as s:
            stats(s)                     # one request served: the workers are up
        return vm_rss_kb(srv.pid)
    finally:
        srv.stop()


def test_idle_rss_does_not_follow_memory_limit():
    small, large = idle_rss_kb(SWIFTCACHED_BINARY, LIMIT_MB), idle_rss_kb(SWIFTCACHED_BINARY, IDLE_LARGE_MB)
    MEASUREMENTS.append("idle VmRSS: %.1f MB at -m %d, %.1f MB at -m %d" % (
        small / 1024, LIMIT_MB, large / 1024, IDLE_LARGE_MB))
    assert large - small <= IDLE_GROWTH_ALLOWANCE_MB * 1024, \
        "idle VmRSS grows with -m: %.1f MB at -m %d, %.1f MB at -m %d" % (
            small / 1024, LIMIT_MB, large / 1024, IDLE_LARGE_MB)


# With the finer default class table (about 110 classes) memcached's rule above would let item
# memory pass -m by up to one page per class. The pages taken beyond -m are capped at 63 (memcached's
# worst case with its 63 classes); a class that finds them spent has its first store refused and is
# then given a page moved from the class with the most, so a retry is stored.
CAP_LIMIT_MB = 32  # the filled class must have a page to give each late class past the 63
PAGES_BEYOND_LIMIT = 63


def _store(sock, key, value):
    sock.sendall(b"set %s 0 0 %d\r\n%s\r\n" % (key, len(value), value))
    reply = b""
    while not reply.endswith(b"\r\n"):
        chunk = sock.recv(4096)
        assert chunk, "connection closed"
        reply += chunk
    return reply


def _stats_slabs(sock):
    """`stats slabs`: its general lines ({name: int}) and the classes holding a page."""
    sock.sendall(b"stats slabs\r\n")
    buf = b""
    while not buf.endswith(b"END\r\n"):
        buf += sock.recv(65536)
    general, classes = {}, set()
    for line in buf.split(b"\r\n")[:-2]:
        name, _, value = line[len(b"STAT "):].partition(b" ")
        if b":" not in name:
            general[name.decode()] = int(value)
        elif name.endswith(b":total_pages") and int(value) > 0:
            classes.add(int(name.split(b":")[0]))
    return general, classes


def test_pages_beyond_the_limit_are_capped_and_late_classes_still_store():
    if TARGET_IS_MEMCACHED:
        pytest.skip("memcached's 63 classes never reach the cap")
    srv = Server(SWIFTCACHED_BINARY, ["-m", str(CAP_LIMIT_MB), "-t", "2"]).start()
    try:
        with srv.connect(timeout=30) as s:
            index = 0
            while int(stats(s)["evictions"]) == 0:
                s.sendall(b"".join(b"set fill%07d 0 0 100 noreply\r\n%s\r\n" % (i, VALUE)
                                   for i in range(index, index + BATCH)))
                index += BATCH
            # 90 sizes, each 8.5% above the last: more new classes than the 63 pages allowed beyond -m.
            sizes = [int(150 * 1.085 ** n) for n in range(90)]
            refused = []
            for size in sizes:
                reply = _store(s, b"late%d" % size, b"x" * size)
                assert reply in (b"STORED\r\n", b"SERVER_ERROR out of memory storing object\r\n"), reply
                if reply != b"STORED\r\n":
                    refused.append(size)
                assert _stats_slabs(s)[0]["total_malloced"] <= (CAP_LIMIT_MB + PAGES_BEYOND_LIMIT) << 20
            assert len(_stats_slabs(s)[1]) > PAGES_BEYOND_LIMIT + 1, "the sizes should need more classes"
            assert refused, "past 63 late classes a first store is refused"
            for size in refused:
                deadline = time.monotonic() + 10
                while _store(s, b"late%d" % size, b"x" * size) != b"STORED\r\n":
                    assert time.monotonic() < deadline, "class of %d bytes never got a page" % size
                    time.sleep(0.05)
            malloced = _stats_slabs(s)[0]["total_malloced"]
            assert malloced == (CAP_LIMIT_MB + PAGES_BEYOND_LIMIT) << 20, "pages moved, none added"
            assert int(stats(s)["slabs_moved"]) >= len(refused)
            MEASUREMENTS.append("-m %d: %d late classes refused once, then stored after a page move; "
                                "total_malloced %d MB" % (CAP_LIMIT_MB, len(refused), malloced >> 20))
    finally:
        srv.stop()
