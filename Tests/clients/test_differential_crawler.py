"""Differential tests of the LRU crawler commands and `stats sizes`: the same raw bytes to memcached
1.6.18 and to swiftcached on a fresh pair of servers per case (the crawler is server-wide state).

Replies are compared byte for byte, except metadump lines, whose `la`, a non-(-1) `exp` and `cls`
depend on each server's start time and slab geometry: those are masked, `cas` is replaced by its
order of first appearance, and lines are sorted (the servers walk their queues in different
orders). Key encoding, `fetch`, `size`, `exp=-1`, the bare "\\n" line ends and END are compared as
sent.
"""
import concurrent.futures
import re

import pytest

from conftest import MEMCACHED_BINARY, MEMCACHED_CLASS_TABLE, SWIFTCACHED_BINARY, Server
from difftest import Sleep, run_both, show

WORKERS = 4
CASES = {}


def case(name, *steps, flags=()):
    CASES[name] = ([s.encode() if isinstance(s, str) else s for s in steps], list(flags))


def setcmd(key, value, flags=0, exptime=0):
    return b"set %s %d %d %d\r\n%s\r\n" % (key.encode(), flags, exptime, len(value), value.encode())


case("crawler_replies",
     "lru_crawler\r\n", "lru_crawler crawl\r\n", "lru_crawler crawl 0\r\n", "lru_crawler crawl 1,2\r\n",
     "lru_crawler crawl 64\r\n", "lru_crawler crawl 1,abc\r\n", "lru_crawler crawl ,\r\n",
     "lru_crawler crawl hash\r\n", "lru_crawler bogus 1\r\n", "lru_crawler sleep 1000001\r\n",
     "lru_crawler sleep x\r\n", "lru_crawler sleep 0\r\n", "lru_crawler tocrawl -1\r\n",
     "lru_crawler tocrawl 100\r\n", "lru_crawler enable\r\n", "lru_crawler disable\r\n",
     "lru_crawler disable\r\n", "lru_crawler crawl all\r\n", "lru_crawler metadump all\r\n",
     "lru_crawler enable\r\n", "lru_crawler crawl all\r\n", "lru_crawler metadump 64\r\n",
     "lru_crawler enable extra\r\n", "lru_crawler disable now\r\n", "lru_crawler metadump ,\r\n")
case("metadump_format",
     setcmd("plain", "v"), setcmd("with%pct", "v", flags=7), setcmd("ttl_key", "x" * 100, exptime=300),
     setcmd("a.b-c_d~e", "v"), setcmd("colon:slash/", "v"), "get plain\r\n",
     "lru_crawler metadump all\r\n", "lru_crawler metadump hash\r\n", "lru_crawler metadump 1,2,3,4,5\r\n")
# memcached refuses a metadump behind answers it has not sent yet; it sends them at once after a get or mn.
case("metadump_pipelined", setcmd("p", "v") + b"lru_crawler metadump all\r\n",
     "mn\r\nlru_crawler metadump all\r\n", "bogus\r\nlru_crawler metadump all\r\n",
     "get p\r\nset q 0 0 1\r\nx\r\nlru_crawler metadump all\r\n")
case("crawl_then_curr_items",
     setcmd("e1", "v", exptime=1), setcmd("e2", "v", exptime=1), setcmd("e3", "v" * 300, exptime=1),
     setcmd("stay", "v"), Sleep(2.5), "lru_crawler crawl all\r\n", Sleep(1.5), "stats\r\n")
case("stats_sizes",
     setcmd("before", "v"), "stats sizes\r\n", "stats sizes_enable\r\n",
     setcmd("b", "x" * 100), setcmd("c", "x", flags=5), setcmd("before", "vv"), "stats sizes\r\n",
     "delete b\r\n", "stats sizes\r\n", "stats sizes_enable\r\n", "stats sizes_disable\r\n", "stats sizes\r\n")
case("crawler_settings_default", "stats settings\r\n")
case("crawler_settings_options", "stats settings\r\n", "stats\r\n",
     flags=["-o", "no_lru_crawler,lru_crawler_sleep=50,lru_crawler_tocrawl=7"])
case("crawler_settings_enable_later", "lru_crawler crawl all\r\n", "lru_crawler enable\r\n",
     "stats settings\r\n", flags=["-o", "no_lru_crawler"])
case("track_sizes_option", setcmd("t", "v"), "stats sizes\r\n", "stats settings\r\n", flags=["-o", "track_sizes"])
case("sizes_without_cas", "stats sizes_enable\r\n", "stats sizes\r\n", flags=["-C"])
# stats cachedump: the checks and their replies (the listing itself differs: memcached shows only its
# COLD queue, where a new item is not yet; StatsTests covers swiftcached's listing).
case("cachedump_replies",
     "stats cachedump\r\n", "stats cachedump 1\r\n", "stats cachedump x 1\r\n", "stats cachedump 1 -1\r\n",
     "stats cachedump 64 1\r\n", "stats cachedump 4294967296 1\r\n", "stats cachedump 0 1\r\n",
     "stats cachedump 63 5\r\n", "stats settings\r\n")
case("dumping_disabled", setcmd("k", "v"), "stats cachedump 1 1\r\n", "lru_crawler metadump all\r\n",
     "stats settings\r\n", flags=["-X"])


_METADUMP_LINE = re.compile(rb"^key=(\S+) exp=(-?\d+) la=(\d+) cas=(\d+) fetch=(yes|no) cls=(\d+) size=(\d+)$")
_CRAWLER_SETTINGS = (b"lru_crawler", b"lru_crawler_sleep", b"lru_crawler_tocrawl", b"track_sizes", b"dump_enabled")


def normalise_crawler(results):
    """Masks metadump times and classes, replaces each cas by its rank among the reply's cas values
    (both servers number stores in the same order), sorts metadump lines; reduces `stats` and
    `stats settings` to the crawler's lines (the other lines are compared by test_differential)."""
    out = []
    for reply, closed in results:
        if isinstance(reply, str):
            out.append((reply, closed))
            continue
        if b"STAT pid " in reply or b"STAT maxbytes " in reply:
            out.append((_crawler_stats(reply), closed))
            continue
        matches, rest = [], []
        for line in reply.split(b"\n"):
            m = _METADUMP_LINE.match(line)
            (matches if m else rest).append(m.groups() if m else line)
        ranks = {cas: i + 1 for i, cas in enumerate(sorted({int(g[3]) for g in matches}))}
        dump = [b"key=%s exp=%s la=<t> cas=C%d fetch=%s cls=<c> size=%s" % (
            key, exp if exp == b"-1" else b"<t>", ranks[int(cas)], fetch, size)
            for key, exp, _la, cas, fetch, _cls, size in matches]
        out.append((b"\n".join(sorted(dump) + rest), closed))
    return out


def _crawler_stats(reply):
    keep = []
    for line in reply.split(b"\r\n"):
        parts = line.split(b" ")
        if len(parts) == 3 and parts[0] == b"STAT":
            if parts[1] in _CRAWLER_SETTINGS or parts[1] == b"curr_items":
                keep.append(line)
            elif parts[1] == b"lru_crawler_running":
                keep.append(b"STAT lru_crawler_running <v>")   # printed only while the crawler is on
    return b"\r\n".join(keep)


def _run(name):
    steps, flags = CASES[name]
    base = ["-m", "64", "-t", "2"] + MEMCACHED_CLASS_TABLE + flags  # memcached's class ids 1...63
    ref, sut = Server(MEMCACHED_BINARY, base, name="memcached"), Server(SWIFTCACHED_BINARY, base, name="swiftcached")
    try:
        ref.start()
        sut.start()
        return run_both(ref.port, sut.port, steps)
    finally:
        ref.stop()
        sut.stop()


@pytest.fixture(scope="module")
def results():
    out = {}
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        futures = {pool.submit(_run, name): name for name in CASES}
        for f in concurrent.futures.as_completed(futures, timeout=600):
            try:
                out[futures[f]] = f.result()
            except Exception as e:
                out[futures[f]] = e
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_crawler_differential(name, results):
    r = results[name]
    if isinstance(r, Exception):
        raise r
    # Compared as one stream: a reply that straddles a quiet window on a loaded machine is no difference.
    ref, sut = ([b"".join(reply for reply, _ in normalise_crawler(x))] for x in r)
    assert sut == ref, "replies differ (after masking)\nmemcached:\n%s\nswiftcached:\n%s" % (show(r[0]), show(r[1]))
