"""Differential test of the per-class command counters: the same script of text, meta and binary
commands to a fresh memcached 1.6 and a fresh swiftcached, then the VALUES of `stats slabs`' per-class
counters (`N:get_hits`, `N:cmd_set`, `N:delete_hits`, `N:incr_hits`, `N:decr_hits`, `N:cas_hits`,
`N:cas_badval`, `N:touch_hits`), `stats items`' `hits_to_*` and the matching general `stats` lines
compared (test_differential.py compares their names only; values are masked there). memcached counts
each in the class of the item involved: a store's cmd_set in the new item's class (an append's: the
appended piece's), cas hits and bad values in the class of the item compared with, incr/decr in the
class of the item found; a gat or an mg with T counts touch_hits, not a get hit. swiftcached runs its
segmented LRU, memcached's, both switched to flat mode (`lru mode flat`) so that every item is in
COLD and the queue a hit lands in does not depend on the maintainer threads' timing."""
import struct

import pytest

import bindiff
from bindiff import APPEND, DECR, DELETE, GAT, GET, GETK, INCR, SET, TOUCH, arith, req, store, touch
from conftest import MEMCACHED_BINARY, MEMCACHED_CLASS_TABLE, SWIFTCACHED_BINARY, TARGET_IS_MEMCACHED, Server
from difftest import Dynamic, cas_of, normalise, run_both, show

SLAB_COUNTERS = ["get_hits", "cmd_set", "delete_hits", "incr_hits", "decr_hits", "cas_hits", "cas_badval",
                 "touch_hits"]
ITEM_HITS = ["hits_to_hot", "hits_to_warm", "hits_to_cold", "hits_to_temp"]
GENERAL = SLAB_COUNTERS + ["cmd_get", "cmd_touch", "get_misses", "touch_misses", "delete_misses", "incr_misses",
                           "decr_misses", "cas_misses"]
BIG = b"x" * 3000   # a class of its own, far from the one- and two-byte values'


def setcmd(cmd, key, value, extra=b""):
    return b"%s %s 0 0 %d%s\r\n%s\r\n" % (cmd, key, len(value), extra, value)


TEXT = [
    setcmd(b"set", b"a", b"5"), setcmd(b"set", b"big", BIG),
    b"get a big missing\r\n", b"gets a\r\n", b"gat 100 big\r\n", b"gats 100 a missing\r\n",
    b"touch big 200\r\n", b"touch missing 1\r\n",
    b"incr a 2\r\n", b"decr a 1\r\n", b"incr missing 1\r\n", b"decr missing 1\r\n",
    setcmd(b"set", b"n", b"9"), b"incr n 1\r\n",                          # grows: counted in the class found
    b"delete a\r\n", b"delete a\r\n",
    setcmd(b"cas", b"big", b"y", b" 1"),                                  # bad value, in big's class
    Dynamic(lambda r: b"gets big\r\n", "gets big"),
    Dynamic(lambda r: setcmd(b"cas", b"big", b"z", b" %d" % cas_of(r[-1])), "cas big with its cas"),
    setcmd(b"cas", b"missing", b"v", b" 5"),
    setcmd(b"set", b"app", BIG), setcmd(b"append", b"app", b"tail"),      # cmd_set in the piece's class
    setcmd(b"prepend", b"missing", b"p"), setcmd(b"add", b"app", b"q"), setcmd(b"replace", b"app", BIG),
    b"set bad 0 0 3\r\nabcd\r\n",                                         # counted before the data is checked
    b"set huge 0 0 2000000\r\n" + b"h" * 2000000 + b"\r\n",               # refused: no class, not counted
]
META = [
    b"ms m1 2\r\nhi\r\n", b"ms m1 2 C1\r\nho\r\n", b"mg m1 v\r\n", b"mg m1 v T30\r\n", b"mg m1 s k q\r\nmn\r\n",
    b"mg mmiss v\r\n", b"mg m1 v u\r\n",
    Dynamic(lambda r: b"mg m1 c\r\n", "mg c"),
    Dynamic(lambda r: b"ms m1 2 C%s\r\nhu\r\n" % r[-1].split(b" c")[1].split(b"\r\n")[0], "ms with its cas"),
    b"ma mn N0 J5\r\n", b"ma mn\r\n", b"ma mn MD D2\r\n", b"ma mmiss\r\n", b"ma mn C1\r\n",
    b"ms mb %d MA\r\n%s\r\n" % (len(BIG), BIG),                           # append to nothing: not stored
    b"md m1\r\n", b"md m1\r\n", b"ms m2 1\r\nx\r\n", b"md m2 I T30\r\n", b"md m2 q\r\nmn\r\n",
    b"mg mn v N30\r\n", b"mg mviv v N30\r\n",                             # the vivified miss counts as a hit
]
BINARY = [
    store(SET, "b1", "v"), store(SET, "bbig", BIG), req(GET, "b1"), req(GETK, "bbig"), req(GET, "bmiss"),
    touch(TOUCH, "bbig", 100), touch(GAT, "b1", 100), touch(GAT, "bmiss", 1),
    arith(INCR, "bn", 1, 10), arith(INCR, "bn", 5), arith(DECR, "bn", 2), arith(DECR, "bmiss", 1, 0, 0xFFFFFFFF),
    store(SET, "b1", "w", cas=1),                                          # bad value, in b1's class
    req(DELETE, "b1"), req(DELETE, "b1"), req(APPEND, "bbig", value="t"),
]


def _binary_cas_step():
    """A get of bbig, then a set with the cas it answered (a cas hit in bbig's class)."""
    return [req(GET, "bbig"),
            Dynamic(lambda r: store(SET, "bbig", "c", cas=struct.unpack(">Q", r[-1][16:24])[0]), "set with bbig's cas")]


def _stats(results):
    """{name: value} of every STAT line in a list of replies."""
    found = {}
    for reply, _ in results:
        for line in reply.split(b"\r\n"):
            if line.startswith(b"STAT "):
                _, name, value = line.split(b" ", 2)
                found[name.decode()] = value.decode()
    return found


def _class_figures(stats, fields, prefix=""):
    return {name: value for name, value in stats.items()
            if name.startswith(prefix) and name.rsplit(":", 1)[-1] in fields and ":" in name}


@pytest.fixture(scope="module")
def figures():
    """Both servers' replies to the scripts, and their stats afterwards, before and after a reset."""
    flags = ["-m", "64", "-t", "2"] + MEMCACHED_CLASS_TABLE  # counters are compared class id by class id
    ref = Server(MEMCACHED_BINARY, flags, name="memcached")
    sut = Server(SWIFTCACHED_BINARY, flags + ([] if TARGET_IS_MEMCACHED else ["-o", "eviction_policy=segmented"]),
                 name="swiftcached")
    try:
        ref.start()
        sut.start()
        # Flat mode, every item in COLD: the queue a hit lands in is then not up to when each
        # server's maintainer thread happens to move items out of HOT.
        flat = run_both(ref.port, sut.port, [b"lru mode flat\r\n"])
        assert flat[0] == flat[1] == [(b"OK\r\n", False)], flat
        replies = [run_both(ref.port, sut.port, script) for script in (TEXT, META, BINARY, _binary_cas_step())]
        stats = run_both(ref.port, sut.port, [b"stats slabs\r\n", b"stats items\r\n", b"stats\r\n"])
        after_reset = run_both(ref.port, sut.port, [b"stats reset\r\n", b"stats slabs\r\n", b"stats items\r\n",
                                                    b"stats\r\n"])
        yield replies, stats, after_reset
    finally:
        ref.stop()
        sut.stop()


def test_the_scripts_answer_alike(figures):
    replies, _, _ = figures
    for ref, sut in replies[:2]:
        assert normalise(sut) == normalise(ref), show(normalise(ref)) + "\n" + show(normalise(sut))
    for ref, sut in replies[2:]:
        assert bindiff.normalise(sut) == bindiff.normalise(ref), "%r\n%r" % (ref, sut)


def test_per_class_counters_equal_memcacheds(figures):
    _, (ref, sut), _ = figures
    a = _class_figures(_stats(ref[:1]), SLAB_COUNTERS)
    b = _class_figures(_stats(sut[:1]), SLAB_COUNTERS)
    assert a, show(ref)
    assert sum(int(v) for v in a.values()) > 30, "the script should have counted plenty: %s" % a
    assert b == a, "memcached %s\nswiftcached %s\ndiffer at %s" % (
        a, b, sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)))


def test_hits_per_queue_equal_memcacheds(figures):
    _, (ref, sut), _ = figures
    a = _class_figures(_stats(ref[1:2]), ITEM_HITS, "items:")
    b = _class_figures(_stats(sut[1:2]), ITEM_HITS, "items:")
    assert a and b == a, "memcached %s\nswiftcached %s" % (a, b)


def test_general_figures_are_the_sums(figures):
    _, (ref, sut), _ = figures
    a, b = _stats(ref[2:3]), _stats(sut[2:3])
    assert {n: b.get(n) for n in GENERAL} == {n: a.get(n) for n in GENERAL}
    slabs = _class_figures(_stats(sut[:1]), SLAB_COUNTERS)
    for name in SLAB_COUNTERS:
        assert int(b[name]) == sum(int(v) for k, v in slabs.items() if k.endswith(":" + name)), name


def test_stats_reset_zeroes_them_as_memcached_does(figures):
    _, _, (ref, sut) = figures
    for index, fields, prefix in ((1, SLAB_COUNTERS, ""), (2, ITEM_HITS, "items:")):
        a = _class_figures(_stats(ref[index:index + 1]), fields, prefix)
        b = _class_figures(_stats(sut[index:index + 1]), fields, prefix)
        assert a and b == a and set(a.values()) == {"0"}, "memcached %s\nswiftcached %s" % (a, b)
    a, b = _stats(ref[3:4]), _stats(sut[3:4])
    assert {n: b.get(n) for n in GENERAL} == {n: a.get(n) for n in GENERAL}
