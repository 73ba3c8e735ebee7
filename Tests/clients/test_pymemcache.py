"""swiftcached through a real client library: pymemcache (text protocol)."""
import time

import pytest
from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheServerError, MemcacheClientError

MAX_ITEM = 1024 * 1024


@pytest.fixture
def mc(swiftcached):
    c = Client(("127.0.0.1", swiftcached.port), connect_timeout=5, timeout=10, default_noreply=False)
    yield c
    c.close()


def test_set_get(mc):
    assert mc.set("a", b"hello") is True
    assert mc.get("a") == b"hello"
    assert mc.get("missing") is None
    assert mc.get("missing", default=b"dflt") == b"dflt"


def test_flags_round_trip(mc):
    assert mc.set("fl", b"x", flags=4294967295) is True
    assert mc.raw_command(b"get fl", b"END") == b"VALUE fl 4294967295 1\r\nx\r\n"


def test_get_many(mc):
    for i in range(20):
        assert mc.set("k%d" % i, b"v%d" % i)
    got = mc.get_many(["k%d" % i for i in range(25)])
    assert got == {"k%d" % i: b"v%d" % i for i in range(20)}


def test_gets_cas(mc):
    mc.set("c", b"1")
    value, cas = mc.gets("c")
    assert value == b"1" and cas is not None
    assert mc.cas("c", b"2", cas) is True
    assert mc.get("c") == b"2"
    assert mc.cas("c", b"3", cas) is False          # EXISTS: stale unique
    assert mc.get("c") == b"2"
    assert mc.cas("nope", b"x", cas) is None        # NOT_FOUND
    v2, cas2 = mc.gets("c")
    assert v2 == b"2" and cas2 != cas


def test_gets_many(mc):
    mc.set("g1", b"a")
    mc.set("g2", b"b")
    got = mc.gets_many(["g1", "g2", "g3"])
    assert set(got) == {"g1", "g2"}
    assert got["g1"][0] == b"a" and got["g2"][0] == b"b"
    assert got["g1"][1] != got["g2"][1]


def test_add_replace(mc):
    assert mc.add("ar", b"first") is True
    assert mc.add("ar", b"second") is False
    assert mc.get("ar") == b"first"
    assert mc.replace("ar", b"third") is True
    assert mc.replace("ar_missing", b"x") is False
    assert mc.get("ar") == b"third"
    assert mc.get("ar_missing") is None


def test_append_prepend(mc):
    assert mc.append("ap", b"x") is False
    assert mc.prepend("ap", b"x") is False
    mc.set("ap", b"mid")
    assert mc.append("ap", b"END") is True
    assert mc.prepend("ap", b"BEG") is True
    assert mc.get("ap") == b"BEGmidEND"


def test_delete(mc):
    mc.set("d", b"v")
    assert mc.delete("d") is True
    assert mc.delete("d") is False
    assert mc.get("d") is None


def test_incr_decr(mc):
    assert mc.incr("n", 1) is None                   # NOT_FOUND
    mc.set("n", b"10")
    assert mc.incr("n", 5) == 15
    assert mc.decr("n", 6) == 9
    assert mc.get("n") == b"9 "                      # decr keeps the length, pads with a space
    assert mc.decr("n", 100) == 0                    # never below 0
    mc.set("n", b"18446744073709551615")
    assert mc.incr("n", 1) == 0                      # wraps at 2**64
    mc.set("txt", b"abc")
    with pytest.raises(MemcacheClientError):
        mc.incr("txt", 1)


def test_touch_and_expiry(mc):
    mc.set("t", b"v", expire=100)
    assert mc.touch("t", expire=1) is True
    assert mc.touch("t_missing", expire=1) is False
    mc.set("keep", b"v", expire=0)
    deadline = time.monotonic() + 6
    while mc.get("t") is not None and time.monotonic() < deadline:
        time.sleep(0.25)
    assert mc.get("t") is None, "item with 1 s exptime still there after 6 s"
    assert mc.get("keep") == b"v"


def test_gat(mc):
    mc.set("gat", b"v", flags=3)
    assert mc.raw_command(b"gat 100 gat", b"END") == b"VALUE gat 3 1\r\nv\r\n"
    out = mc.raw_command(b"gats 100 gat", b"END")
    assert out.startswith(b"VALUE gat 3 1 ") and out.endswith(b"\r\nv\r\n")


def test_flush_all(mc):
    mc.set("f1", b"v")
    mc.set("f2", b"v")
    assert mc.flush_all() is True
    assert mc.get_many(["f1", "f2"]) == {}
    mc.set("f3", b"v")
    assert mc.get("f3") == b"v"                      # items set after the flush survive


def test_flush_all_delay(mc):
    mc.set("fd", b"v")
    assert mc.flush_all(delay=2) is True
    assert mc.get("fd") == b"v"
    deadline = time.monotonic() + 6
    while mc.get("fd") is not None and time.monotonic() < deadline:
        time.sleep(0.25)
    assert mc.get("fd") is None


def test_stats(mc):
    mc.set("s", b"v")
    mc.get("s")
    mc.get("s_missing")
    st = mc.stats()
    for name in (b"pid", b"uptime", b"curr_items", b"total_items", b"bytes", b"curr_connections",
                 b"get_hits", b"get_misses", b"cmd_get", b"cmd_set", b"limit_maxbytes", b"threads",
                 b"evictions"):
        assert name in st, name
    assert st[b"curr_items"] == 1
    assert st[b"get_hits"] == 1 and st[b"get_misses"] == 1
    assert st[b"cmd_set"] == 1 and st[b"cmd_get"] == 2
    assert st[b"limit_maxbytes"] == 64 * 1024 * 1024
    assert st[b"threads"] == 2


def test_version(mc):
    v = mc.version()
    assert isinstance(v, bytes) and len(v) > 0


def test_noreply_paths(swiftcached):
    c = Client(("127.0.0.1", swiftcached.port), connect_timeout=5, timeout=10, default_noreply=True)
    try:
        assert c.set("nr", b"1") is True
        assert c.add("nr2", b"2") is True
        assert c.replace("nr2", b"22") is True
        assert c.append("nr2", b"a") is True
        assert c.prepend("nr2", b"p") is True
        assert c.incr("nr", 4, noreply=True) is None
        assert c.decr("nr", 2, noreply=True) is None
        assert c.touch("nr", 100) is True
        c.set("gone", b"x")
        assert c.delete("gone") is True
        # pymemcache sends no reply to wait for; a normal request on the same connection syncs.
        assert c.get_many(["nr", "nr2", "gone"]) == {"nr": b"3", "nr2": b"p22a"}
        assert c.flush_all() is True
        assert c.get("nr") is None
    finally:
        c.close()


def test_binary_values_every_byte(mc):
    every = bytes(range(256))
    assert mc.set("bin", every) is True
    assert mc.get("bin") == every
    for b in range(256):                             # each byte alone, and framed by CR LF
        v = bytes([b]) + b"\r\n" + bytes([b])
        assert mc.set("b%d" % b, v) is True
    got = mc.get_many(["b%d" % b for b in range(256)])
    assert all(got["b%d" % b] == bytes([b]) + b"\r\n" + bytes([b]) for b in range(256))


@pytest.mark.parametrize("size", [MAX_ITEM // 2, MAX_ITEM - 4096, MAX_ITEM - 1024])
def test_large_values_near_limit(mc, size):
    v = bytes((i * 7 + size) % 251 for i in range(size))
    assert mc.set("big", v) is True
    assert mc.get("big") == v


@pytest.mark.parametrize("size", [MAX_ITEM, MAX_ITEM + 1, 2 * MAX_ITEM])
def test_values_over_limit_refused(mc, size):
    mc.set("big2", b"old")
    with pytest.raises(MemcacheServerError, match="too large"):
        mc.set("big2", b"x" * size)
    # memcached removes the old value when a set is refused as too large; the connection stays usable.
    assert mc.get("big2") is None
    assert mc.set("after", b"ok") is True
    assert mc.get("after") == b"ok"


def test_many_connections(swiftcached):
    clients = [Client(("127.0.0.1", swiftcached.port), connect_timeout=5, timeout=10, default_noreply=False)
               for _ in range(50)]
    try:
        for i, c in enumerate(clients):
            assert c.set("conn%d" % i, b"%d" % i)
        for i, c in enumerate(clients):
            assert c.get("conn%d" % ((i + 1) % 50)) == b"%d" % ((i + 1) % 50)
    finally:
        for c in clients:
            c.close()
