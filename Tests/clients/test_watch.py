"""`watch` side by side with memcached 1.6.18: the same client traffic, watched by a `watch` connection
on each server, must give the same log lines once the parts that differ by nature are masked (ts=,
gid=, the client's descriptor cfd=). Also: `-W`'s refusal, unknown streams, the watcher limit, a full
watcher buffer reporting `skipped=N`, a watcher's disconnect, and lines from clients on other workers.

Every command family that looks a key up is watched the same way: text get/touch/incr/decr/delete,
the stores (which log their own lookup before `item_store`), the meta commands and the binary ones."""
import re
import socket
import struct
import time

import pytest

from conftest import MEMCACHED_BINARY, MEMCACHED_CLASS_TABLE, SWIFTCACHED_BINARY, TARGET_IS_MEMCACHED, exchange, is_memcached

BINARIES = {"memcached": MEMCACHED_BINARY, "swiftcached": SWIFTCACHED_BINARY}
STAMP = re.compile(r"^ts=\d+\.\d+ gid=(\d+) (.*)$")
QUIET = 0.3  # seconds without new lines that end a read


@pytest.fixture
def start(server_factory):
    """start(binary, flags) -> a started Server (-m 64 -t 2, memcached's class table: the lines name
    class ids, and `flags`); all stopped at teardown."""
    return lambda binary, flags=(): server_factory(["-m", "64", "-t", "2"] + MEMCACHED_CLASS_TABLE + list(flags), binary)


def open_watcher(server, streams):
    sock = server.connect()
    sock.sendall(b"watch " + streams + b"\r\n")
    # exactly the OK: log lines may follow at once (memcached can even pass on events from before)
    assert sock.recv(4, socket.MSG_WAITALL) == b"OK\r\n"
    return sock


def read_lines(sock, seconds=5.0, quiet=QUIET, until=None):
    """Log lines until none arrive for `quiet` seconds, or a line holds `until` (bounded by `seconds`)."""
    data, deadline = b"", time.monotonic() + seconds
    sock.settimeout(quiet)
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(1 << 20)
        except socket.timeout:
            if data.endswith(b"\n") or not data:
                break
            continue  # part of a line: the rest is coming
        if not chunk:
            break
        data += chunk
        if until is not None and until in data and data.endswith(b"\n"):
            break
    sock.settimeout(5.0)
    assert data == b"" or data.endswith(b"\n"), data[-200:]
    return data.decode().split("\n")[:-1]


def bodies(lines):
    """Lines in gid order without their ts= and gid= (checked for shape here)."""
    parsed = []
    for line in lines:
        match = STAMP.match(line)
        assert match, "not a memcached log line: %r" % line
        parsed.append((int(match.group(1)), match.group(2)))
    return [body for _gid, body in sorted(parsed)]


def masked(lines, client):
    """`bodies`, with the client's descriptor (one per client, checked) as CFD and its port as PORT."""
    out, descriptors = [], set()
    for body in bodies(lines):
        found = re.search(r" cfd=(\d+)", body)
        if found:
            descriptors.add(found.group(1))
            body = body.replace(found.group(0), " cfd=CFD")
        out.append(body.replace(" rport=%d " % client.getsockname()[1], " rport=PORT "))
    assert len(descriptors) <= 1, descriptors
    return out


def watched(binary, start, streams, traffic, flags=(), before=(), drop=None):
    """Runs `before` (unwatched), then `traffic` from a new client while a watcher listens; returns
    the watcher's lines, masked (those holding `drop` left out for memcached), and the client's replies."""
    server = start(binary, flags)
    setup = server.connect()
    for request in before:
        exchange(setup, request)
    setup.close()
    watcher = open_watcher(server, streams)
    client = server.connect()
    replies = [exchange(client, *request) if isinstance(request, tuple) else exchange(client, request)
               for request in traffic]
    lines = read_lines(watcher)
    if drop is not None and is_memcached(binary):
        lines = [line for line in lines if drop not in line]
    result = masked(lines, client)
    client.close()
    watcher.close()
    return result, replies


def both(start, streams, traffic, **options):
    (ref, ref_replies), (sut, sut_replies) = [watched(BINARIES[name], start, streams, traffic, **options)
                                              for name in ("memcached", "swiftcached")]
    assert sut_replies == ref_replies
    assert ref, "memcached logged nothing: the scenario checks nothing"
    assert sut[:len(ref)] == ref
    assert all(options.get("drop") in line for line in sut[len(ref):])
    return sut


def test_fetchers_lines_match_memcached(start):
    lines = both(start, b"fetchers",
                 [b"get a,b\r\n", b"get nope a,b gone\r\n", b"gets a,b\r\n", b"gat 100 a,b\r\n",
                  b"gats 100 nope\r\n", b"get " + b"k" * 250 + b"\r\n"],
                 before=[b"set a,b 5 0 3\r\nabc\r\n", b"set " + b"k" * 250 + b" 0 0 1000\r\n" + b"v" * 1000 + b"\r\n"])
    assert "type=item_get key=a%2Cb status=found clsid=1 cfd=CFD size=3" in lines


def test_fetchers_log_text_key_commands(start):
    """touch, incr, decr and delete log the lookup they make, hit or miss, as memcached does."""
    lines = both(start, b"fetchers",
                 [b"touch t 100\r\n", b"touch nope 100\r\n", b"incr n 5\r\n", b"decr n 2\r\n",
                  b"incr nope 1\r\n", b"decr nope 1\r\n", b"incr t 1\r\n", b"delete t\r\n", b"delete t\r\n",
                  b"touch n 0 noreply\r\ndelete nope noreply\r\nversion\r\n"],
                 before=[b"set t 0 0 3\r\nabc\r\n", b"set n 0 0 2\r\n10\r\n"])
    assert lines[:2] == ["type=item_get key=t status=found clsid=1 cfd=CFD size=3",
                         "type=item_get key=nope status=not_found clsid=0 cfd=CFD size=0"]
    assert len(lines) == 11, lines


def test_fetchers_log_the_lookup_of_every_store(start):
    """Each classic store looks its key up before storing: that lookup is an item_get line."""
    lines = both(start, b"fetchers",
                 [b"set s 0 0 1\r\nx\r\n", b"add s 0 0 1\r\ny\r\n", b"replace nope 0 0 1\r\ny\r\n",
                  b"append s 0 0 2\r\nzz\r\n", b"prepend s 0 0 1\r\nw\r\n", b"cas s 0 0 1 1\r\nv\r\n",
                  b"set s 0 0 1 noreply\r\nq\r\nversion\r\n"])
    assert lines[:2] == ["type=item_get key=s status=not_found clsid=0 cfd=CFD size=0",
                         "type=item_get key=s status=found clsid=1 cfd=CFD size=1"]
    assert len(lines) == 7, lines


def test_fetchers_and_mutations_log_meta_commands(start):
    """mg, ms, md and ma log their lookups (ma on a missing key with N: a second, the add's, then the
    add itself); mn looks nothing up."""
    both(start, b"fetchers mutations",
         [b"ms m 2\r\nab\r\n", b"mg m v\r\n", b"mg nope v\r\n", b"mg m s t\r\n", b"mg m q\r\nmn\r\n",
          b"ms m 2 MA\r\nxy\r\n", b"ms m 1 ME\r\nz\r\n", b"md m\r\n", b"md m\r\n", b"ma m\r\n",
          b"ma m N0 J5\r\n", b"ma m D\r\n", b"ma ttl N100 J3\r\n", b"mg viv N30 s v\r\n", b"mn\r\n"])


def binary_request(opcode, key=b"", extras=b"", value=b""):
    """One binary request followed by a noop, so the reply ends with the noop's answer."""
    body = extras + key + value
    request = struct.pack(">BBHBBHIIQ", 0x80, opcode, len(key), len(extras), 0, 0, len(body), 0, 0) + body
    return (request + struct.pack(">BBHBBHIIQ", 0x80, 0x0a, 0, 0, 0, 0, 0, 0, 0), NOOP_REPLY)


NOOP_REPLY = b"\x81\x0a" + b"\x00" * 22
FLAGS_EXPTIME = struct.pack(">II", 0, 0)
EXPTIME = struct.pack(">I", 100)


def test_fetchers_and_mutations_log_binary_commands(start):
    """The binary get family, touch/gat, incr/decr (one creating its item), delete and the stores."""
    both(start, b"fetchers mutations",
         [binary_request(0x01, b"b", FLAGS_EXPTIME, b"vv"), binary_request(0x00, b"b"), binary_request(0x00, b"nob"),
          binary_request(0x0c, b"b"), binary_request(0x09, b"nob"), binary_request(0x0d, b"b"),
          binary_request(0x1c, b"b", EXPTIME), binary_request(0x1c, b"nob", EXPTIME),
          binary_request(0x1d, b"b", EXPTIME), binary_request(0x1e, b"nob", EXPTIME),
          binary_request(0x05, b"cnt", struct.pack(">QQI", 1, 7, 0)),
          binary_request(0x05, b"cnt", struct.pack(">QQI", 1, 7, 0)),
          binary_request(0x06, b"nocnt", struct.pack(">QQI", 1, 7, 0xffffffff)),
          binary_request(0x04, b"b"), binary_request(0x04, b"b"), binary_request(0x0e, b"cnt", b"", b"9"),
          binary_request(0x02, b"cnt", FLAGS_EXPTIME, b"1"), binary_request(0x03, b"nob", FLAGS_EXPTIME, b"1")])


def test_fetchers_report_expired_items(start):
    """An item read after its expiry is `status=expired` (memcached's LRU crawler, which could reclaim it
    first, is off)."""
    server_lines = []
    for name in ("memcached", "swiftcached"):
        server = start(BINARIES[name], ["-o", "no_lru_crawler"])
        setup = server.connect()
        exchange(setup, b"set soon 0 1 1\r\nx\r\n")
        exchange(setup, b"set after 0 0 1\r\nz\r\n")
        time.sleep(2.2)
        watcher = open_watcher(server, b"fetchers")
        assert exchange(setup, b"get soon after\r\n") == b"VALUE after 0 1\r\nz\r\nEND\r\n"
        server_lines.append(masked(read_lines(watcher), setup))
        setup.close()
        watcher.close()
    # memcached's LRU maintainer often unlinks the expired item before the read: then not_found
    either = ("type=item_get key=soon status=expired clsid=0 cfd=CFD size=0",
              "type=item_get key=soon status=not_found clsid=0 cfd=CFD size=0")
    assert server_lines[0][0] in either
    assert server_lines[1][0] in (either if TARGET_IS_MEMCACHED else either[:1])
    assert server_lines[1][1:] == server_lines[0][1:]


def test_mutations_lines_match_memcached(start):
    lines = both(start, b"mutations",
                 [b"set a,b 5 0 3\r\nabc\r\n", b"add a,b 0 0 1\r\nx\r\n", b"replace nope 0 0 1\r\nx\r\n",
                  b"append a,b 0 0 2\r\nde\r\n", b"prepend zz 0 0 1\r\nx\r\n", b"cas a,b 0 0 1 999999\r\nx\r\n",
                  b"cas nope 0 0 1 1\r\nx\r\n", b"set ttl 0 100 2\r\nhi\r\n", b"set quiet 0 0 1 noreply\r\nq\r\nset after 0 0 1\r\nx\r\n",
                  b"set big 0 0 2000000\r\n" + b"v" * 2000000 + b"\r\n"],
                 drop=" status=too_large ")
    assert "type=item_store key=ttl status=stored cmd=set ttl=100 clsid=1 cfd=CFD size=2" in lines
    # memcached 1.6.18 passes one argument too few for this line: its clsid= shows the descriptor and
    # its cfd= garbage (0). Ours says clsid=0 and the real descriptor.
    if not TARGET_IS_MEMCACHED:
        assert lines[-1] == "type=item_store key=big status=too_large cmd=set ttl=0 clsid=0 cfd=CFD size=0"


def test_connevents_lines_match_memcached(start):
    results = []
    for name in ("memcached", "swiftcached"):
        server = start(BINARIES[name])
        watcher = open_watcher(server, b"connevents")
        client = server.connect()
        assert exchange(client, b"version\r\n").startswith(b"VERSION ")
        port = client.getsockname()[1]
        client.close()
        # memcached may also pass on events of connections from before the watch (the probe)
        lines = [line for line in bodies(read_lines(watcher)) if " rport=%d " % port in line]
        results.append([re.sub(r" cfd=\d+", " cfd=CFD", line).replace(" rport=%d " % port, " rport=PORT ")
                        for line in lines])
        watcher.close()
    assert results[0] == ["type=conn_new rip=127.0.0.1 rport=PORT transport=tcp cfd=CFD",
                          "type=conn_close rip=127.0.0.1 rport=PORT transport=tcp reason=normal cfd=CFD"]
    assert results[1] == results[0]


EVICTION = re.compile(r"^type=eviction key=(k\d+) fetch=(yes|no) ttl=(-?\d+) la=(\d+) clsid=(\d+) size=(\d+)$")


@pytest.mark.parametrize("name", ["memcached", "swiftcached"])
def test_evictions_lines_have_memcached_shape(start, name):
    """Which items go first differs by policy; each eviction line's shape and fields must not."""
    server = start(BINARIES[name], ["-m", "2"])
    watcher = open_watcher(server, b"evictions")
    client = server.connect()
    value = b"v" * 50000
    for i in range(200):
        assert exchange(client, b"set k%d 0 0 %d\r\n%s\r\n" % (i, len(value), value)) == b"STORED\r\n"
    lines = bodies(read_lines(watcher))
    assert lines, "no eviction was logged"
    for line in lines:
        match = EVICTION.match(line)
        assert match, line
        assert match.group(2) == "no" and match.group(3) == "-1" and match.group(6) == str(len(value)), line
    client.close()
    watcher.close()


@pytest.mark.parametrize("name", ["memcached", "swiftcached"])
def test_disabled_watch_is_refused(start, name):
    server = start(BINARIES[name], ["-W"])
    sock = server.connect()
    assert exchange(sock, b"watch\r\n") == b"CLIENT_ERROR watch commands not allowed\r\n"
    assert exchange(sock, b"version\r\n").startswith(b"VERSION ")


@pytest.mark.parametrize("name", ["memcached", "swiftcached"])
def test_bad_stream_and_plain_watch(start, name):
    server = start(BINARIES[name])
    sock = server.connect()
    assert exchange(sock, b"watch fetchers nonsense\r\n") == b"ERROR\r\n"
    assert exchange(sock, b"get x\r\n") == b"END\r\n"  # still a normal connection
    plain = open_watcher(server, b"")  # no stream named: fetchers
    assert exchange(sock, b"get x\r\n") == b"END\r\n"
    assert [re.sub(r"cfd=\d+", "cfd=C", b) for b in bodies(read_lines(plain))] == [
        "type=item_get key=x status=not_found clsid=0 cfd=C size=0"]


@pytest.mark.parametrize("name", ["memcached", "swiftcached"])
def test_watcher_limit_and_disconnect(start, name):
    server = start(BINARIES[name])
    watchers = [open_watcher(server, b"mutations") for _ in range(20)]
    extra = server.connect()
    assert exchange(extra, b"watch\r\n") == b"WATCHER_TOO_MANY log watcher limit reached\r\n"
    for sock in watchers:
        sock.close()
    # the closed watchers are let go (memcached notices on its logger thread: allow it a moment)
    deadline, answer = time.monotonic() + 5, b""
    while time.monotonic() < deadline:
        probe = server.connect()
        answer = exchange(probe, b"watch\r\n")
        probe.close()
        if answer == b"OK\r\n":
            break
        time.sleep(0.2)
    assert answer == b"OK\r\n"
    client = server.connect()
    assert exchange(client, b"set k 0 0 1\r\nx\r\n") == b"STORED\r\n"
    assert exchange(client, b"get k\r\n") == b"VALUE k 0 1\r\nx\r\nEND\r\n"


@pytest.mark.parametrize("name", ["memcached", "swiftcached"])
def test_full_buffer_reports_skipped_lines(start, name):
    """A watcher that does not read fills its buffer (64 KB here); lines that do not fit are
    dropped and the next line that fits is preceded by `skipped=N`."""
    server = start(BINARIES[name], ["-o", "watcher_logbuf_size=64"])
    # a small receive buffer, set before connecting (shrinking it later can stall the window for long)
    watcher = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    watcher.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    watcher.settimeout(5.0)
    watcher.connect(("127.0.0.1", server.port))
    assert exchange(watcher, b"watch fetchers\r\n") == b"OK\r\n"
    client = server.connect()
    # 30,000 lines of ~280 bytes: far more than buffer and sockets hold. Ten keys a request: memcached
    # drops lines silently (no skipped=) when its per-worker log buffer overflows, which bigger batches do.
    keys = b" ".join(b"%0200d" % i for i in range(10))
    for _ in range(3000):
        client.sendall(b"get " + keys + b"\r\n")
        assert exchange(client, b"", b"END\r\n") == b"END\r\n"
    received = read_lines(watcher, seconds=30, quiet=1.0)
    assert exchange(client, b"get last\r\n") == b"END\r\n"
    received += read_lines(watcher, seconds=30, until=b"key=last ")
    skipped = [line for line in received if line.startswith("skipped=")]
    assert skipped, "no skipped= line among %d lines" % len(received)
    assert all(re.match(r"^skipped=[1-9]\d*$", line) for line in skipped), skipped
    logged = [line for line in received if not line.startswith("skipped=")]
    assert len(logged) + sum(int(line[8:]) for line in skipped) <= 30001
    assert "key=last" in received[-1]
    assert exchange(client, b"version\r\n").startswith(b"VERSION ")


@pytest.mark.parametrize("name", ["memcached", "swiftcached"])
def test_watcher_sees_clients_of_every_worker(start, name):
    """With -t 2 the watcher sits on one worker; clients land on both (round robin)."""
    server = start(BINARIES[name])
    watcher = open_watcher(server, b"mutations")
    clients = [server.connect() for _ in range(6)]
    expected = []
    for round_ in range(20):
        for index, client in enumerate(clients):
            key = b"c%d-%d" % (index, round_)
            client.sendall(b"set %s 0 0 1\r\nx\r\n" % key)
            expected.append(key.decode())
    for client in clients:
        assert exchange(client, b"", b"STORED\r\n" * 20) == b"STORED\r\n" * 20
    lines = bodies(read_lines(watcher))
    keys = [re.search(r" key=(\S+) ", line).group(1) for line in lines]
    assert sorted(keys) == sorted(expected)
    descriptors = {re.search(r" cfd=(\d+)", line).group(1) for line in lines}
    assert len(descriptors) == len(clients)
    for client in clients:
        client.close()
