"""`stats detail` per-prefix counts side by side with memcached 1.6.18: which commands count as get,
hit, set and del (text, binary and meta), the `-D` delimiter, on/off, and that a dump after `off`
still shows what was counted. memcached dumps in its hash table's order, so lines are compared as a
set. Swiftcached's bound on prefixes (memcached has none) is checked on its own."""
import time

import pytest

import bindiff
from conftest import MEMCACHED_BINARY, SWIFTCACHED_BINARY, TARGET_IS_MEMCACHED, Server, exchange

BINARIES = {"memcached": MEMCACHED_BINARY, "swiftcached": SWIFTCACHED_BINARY}
PREFIX_LIMIT = 10_000


def dump(sock):
    lines = exchange(sock, b"stats detail dump\r\n", b"END\r\n").split(b"\r\n")
    assert lines[-2:] == [b"END", b""], lines[-3:]
    for line in lines[:-2]:
        assert line.startswith(b"PREFIX ") and len(line.split(b" ")) >= 10, line
    return sorted(lines[:-2])


# Each request ends with a no-op whose answer marks the end of everything before it.
TEXT_SCRIPT = (
    b"set a:1 0 0 1\r\nx\r\nset nodelim 0 0 1\r\nx\r\nget a:1 a:2 nodelim\r\ngets a:1\r\n"
    b"delete a:1\r\ndelete b:1\r\ntouch a:2 0\r\nincr a:1 1\r\ndecr n:1 1\r\n"
    b"add c:1 0 0 1\r\n1\r\nadd c:1 0 0 1\r\n1\r\nreplace c:1 0 0 1\r\n2\r\nreplace z:1 0 0 1\r\n2\r\n"
    b"append c:1 0 0 1\r\n3\r\nprepend c:1 0 0 1\r\n4\r\ncas c:1 0 0 1 1\r\n5\r\n"
    b"gat 0 c:1 c:2\r\ngats 0 c:1\r\nmg c:1 v\r\nms m:1 1\r\nx\r\nmd m:1\r\nma c:1\r\n"
    b"get :1 ab:c:d\r\nset big:1 0 0 2000000 noreply\r\n" + b"v" * 2000000 + b"\r\nmn\r\n"
)


def after_script(args, script):
    """{binary name: dump} after `script` on a fresh server started with `args`."""
    dumps = {}
    for name, binary in BINARIES.items():
        server = Server(binary, ["-t", "2"] + args, name=name).start()
        try:
            with server.connect() as s:
                exchange(s, b"stats detail on\r\n", b"OK\r\n")
                exchange(s, script, b"MN\r\n")
                dumps[name] = dump(s)
        finally:
            server.stop()
    return dumps


def test_text_commands_counted_like_memcached():
    dumps = after_script([], TEXT_SCRIPT)
    assert dumps["swiftcached"] == dumps["memcached"]
    assert b"PREFIX a get 3 hit 2 set 1 del 1" in dumps["memcached"]   # the script means something


def test_delimiter_flag_like_memcached():
    script = b"set a#1 0 0 1\r\nx\r\nget a#1 a:1 b#c#d\r\ndelete q#1\r\nmn\r\n"
    dumps = after_script(["-D", "#"], script)
    assert dumps["swiftcached"] == dumps["memcached"] and len(dumps["memcached"]) == 3


def test_binary_commands_counted_like_memcached():
    script = b"".join([
        bindiff.req(bindiff.STAT, "detail on"), bindiff.store(bindiff.SET, "b:1", "v"), bindiff.store(bindiff.ADD, "b:2", "v"),
        bindiff.store(bindiff.REPLACE, "b:3", "v"), bindiff.req(bindiff.APPEND, "b:1", value="w"),
        bindiff.req(bindiff.GET, "b:1"), bindiff.req(bindiff.GETK, "b:9"), bindiff.req(bindiff.GETQ, "b:8"),
        bindiff.touch(bindiff.TOUCH, "b:1", 0), bindiff.touch(bindiff.GAT, "b:1", 0),
        bindiff.req(bindiff.DELETE, "b:2"), bindiff.req(bindiff.DELETE, "b:7"),
        bindiff.arith(bindiff.INCR, "n:1", 1), bindiff.req(bindiff.NOOP),
    ])
    dumps = {}
    for name, binary in BINARIES.items():
        server = Server(binary, ["-t", "2"], name=name).start()
        try:
            with server.connect() as s:
                s.sendall(script)
                data, deadline = b"", time.monotonic() + 10
                while not answered_noop(data) and time.monotonic() < deadline:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                assert answered_noop(data), (name, bindiff.packets(data))
                dumps[name] = binary_dump(s)
            with server.connect() as s:
                assert dump(s) == dumps[name], name
        finally:
            server.stop()
    assert dumps["swiftcached"] == dumps["memcached"]
    assert dumps["memcached"], "the binary commands should have counted"


def binary_dump(sock):
    """The binary `detail dump`: one statistic, "detailed", whose value is the text dump."""
    sock.sendall(bindiff.req(bindiff.STAT, "detail dump"))
    data, deadline = b"", time.monotonic() + 10
    while time.monotonic() < deadline:
        replies = [p for p in bindiff.packets(data) if not isinstance(p[0], str)]
        if replies and replies[-1][2] == b"":   # the empty packet ends the list
            break
        data += sock.recv(65536)
    (fields, _, key, value), end = replies
    assert key == b"detailed" and value.endswith(b"END\r\n"), replies
    return sorted(value.split(b"\r\n")[:-2])


def answered_noop(data):
    return any(not isinstance(fields, str) and fields[1] == bindiff.NOOP for fields, *_ in bindiff.packets(data))


def test_nothing_counted_while_off_and_dump_keeps_counts():
    script = (b"stats detail on\r\nset k:1 0 0 1\r\nx\r\nget k:1\r\nstats detail off\r\n"
              b"get k:1 k:2\r\nset j:1 0 0 1\r\nx\r\ndelete k:1\r\nmn\r\n")
    dumps = after_script([], script)
    assert dumps["swiftcached"] == dumps["memcached"] == [b"PREFIX k get 1 hit 1 set 1 del 0"]


@pytest.mark.skipif(TARGET_IS_MEMCACHED, reason="checking the harness against memcached, which has no bound")
def test_prefixes_are_bounded_and_drops_counted():
    """memcached keeps every prefix; swiftcached keeps PREFIX_LIMIT and counts the records it drops."""
    extra = 5
    server = Server(SWIFTCACHED_BINARY, ["-t", "2", "-D", ":"]).start()
    try:
        with server.connect() as s:
            stats = exchange(s, b"stats\r\n", b"END\r\n")
            assert b"detail_records_dropped" not in stats
            requests = b"".join(b"delete p%d:x noreply\r\n" % i for i in range(PREFIX_LIMIT + extra))
            exchange(s, requests + b"delete p0:y\r\n", b"NOT_FOUND\r\n")
            lines = dump(s)
            assert len(lines) == PREFIX_LIMIT
            assert b"PREFIX p0 get 0 hit 0 set 0 del 2" in lines   # a known prefix still counts
            stats = exchange(s, b"stats\r\n", b"END\r\n")
            assert b"STAT detail_records_dropped %d\r\n" % extra in stats, stats
    finally:
        server.stop()
