"""The hostile and buggy clients of the adversarial suite (Scripts/adversarial.py), one function
per case. A case gets a CaseContext (the server's port, its parameters for this mode) and returns
observations: numbers and short strings for the report. Every loop is bounded by a count and a
deadline; every connection a case opens is closed before it returns.

Each Case names its server flags, its parameters for the full, smoke and soak modes, and which
observations are judged against memcached's (`judged`: name → 'lower', 'higher', 'zero', 'same').
"""
import base64
import random
import selectors
import signal
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

import memclient
from swarm import Swarm, hold

MB = 1 << 20


class CaseContext:
    def __init__(self, server, params, probe, udp_port=None, auth=None):
        self.server, self.port, self.params = server, server.port, params
        self.probe, self.udp_port, self.auth = probe, udp_port, auth

    def deadline(self, seconds):
        return time.monotonic() + seconds

    def store(self, items, timeout=120.0):
        memclient.store_all(self.port, items, timeout, auth=self.auth)


@dataclass
class Case:
    letter: str
    title: str
    run: object
    full: dict
    smoke: dict
    soak: dict = None            # None: not run by Scripts/soak.py
    setup: object = None         # stores what the case reads, before the RSS baseline is taken
    flags: dict = field(default_factory=dict)   # overrides of the base flags (-m, -c, -I, -o)
    udp: bool = False
    auth: bool = False
    judged: dict = field(default_factory=dict)
    per_connection: str = None   # observation holding a connection count: report RSS growth per one
    expects_exit: bool = False   # the case ends the server itself (signals)


# a. One request that amplifies: a 1 MB item named many times in one line, never read.

def store_big_key(ctx):
    ctx.store([("k0", memclient.value_for("k0", 1, ctx.params.get("item_bytes", 1000000)))])


def amplifying_get(ctx):
    p = ctx.params
    line = b"get" + b" k0" * p["repeats"] + b"\r\n"
    swarm = Swarm(ctx.port, 1, ctx.deadline(5))
    try:
        sent = swarm.send_each(line, ctx.deadline(p["send_seconds"]))
        hold(p["hold"])
        return dict(line_bytes=len(line), sent_bytes=sent, closed=swarm.poll_closed())
    finally:
        swarm.close()


# c. Many slow readers of large multi-gets.

def store_hundred_kb_keys(ctx):
    p = ctx.params
    ctx.store([("c%d" % k, memclient.value_for("c%d" % k, 1, p["value_bytes"])) for k in range(p["keys"])])


def slow_multiget_readers(ctx):
    p = ctx.params
    line = b"get" + b"".join(b" c%d" % k for k in range(p["keys"])) + b"\r\n"
    swarm = Swarm(ctx.port, p["connections"], ctx.deadline(30), rcvbuf=p["rcvbuf"])
    try:
        swarm.send_each(line, ctx.deadline(10))
        swarm.read_slowly(p["read_rate"], p["hold"])
        return dict(connections=len(swarm), refused=swarm.refused, read_mb=sum(swarm.received) / MB,
                    closed=swarm.poll_closed())
    finally:
        swarm.close()


# d. Many idle connections.

def idle_connections(ctx):
    p = ctx.params
    swarm = Swarm(ctx.port, p["connections"], ctx.deadline(p["connect_seconds"]))
    try:
        hold(p["hold"])
        return dict(connections=len(swarm), refused=swarm.refused, refusal=swarm.refusal or "",
                    closed=swarm.poll_closed())
    finally:
        swarm.close()


# e. Connections trickling one byte a second: does idle_timeout still close them?

def trickling_connections(ctx):
    p = ctx.params
    line = b"get " + b"t" * 240    # never completes within the case
    swarm = Swarm(ctx.port, p["connections"], ctx.deadline(30))
    try:
        began = time.monotonic()
        for second in range(p["seconds"]):
            for i in swarm.open_indices():
                swarm.send_one(i, line[second:second + 1])
            swarm.poll_closed()
            time.sleep(max(0.0, began + second + 1 - time.monotonic()))
        return dict(connections=len(swarm), refused=swarm.refused,
                    closed_after_s=p["seconds"], closed=swarm.poll_closed())
    finally:
        swarm.close()


# f. Before authentication (-Y): a huge declared set and 1.9 MB of its data.

def unfinished_sets(ctx, payload, connect_seconds=30):
    """Every connection sends `payload` (a set line and only part of its data block), then holds."""
    p = ctx.params
    swarm = Swarm(ctx.port, p["connections"], ctx.deadline(connect_seconds))
    try:
        sent = swarm.send_each(payload, ctx.deadline(p["send_seconds"]))
        hold(p["hold"])
        closed = swarm.poll_closed()
        return dict(connections=len(swarm), refused=swarm.refused, sent_mb=sent / MB, closed=closed,
                    first_replies=swarm.first_replies())
    finally:
        swarm.close()


def unauthenticated_big_sets(ctx):
    return unfinished_sets(ctx, b"set x 0 0 1000000000\r\n" + b"a" * ctx.params["data_bytes"])


# g. Binary headers declaring bodies of 2^31 bytes or more.

BINARY_VARIANTS = (           # (label, opcode, key length, extras length, declared body length)
    ("set body 2^31", 0x01, 1, 8, 1 << 31),
    ("set body 2^32-1", 0x01, 1, 8, (1 << 32) - 1),
    ("get body 2^31", 0x00, 1, 0, 1 << 31),
    ("get keylen 65535 body 2^32-1", 0x00, 0xFFFF, 0, (1 << 32) - 1),
)


def binary_header(opcode, key_length, extras_length, body_length):
    return struct.pack(">BBHBBHIIQ", 0x80, opcode, key_length, extras_length, 0, 0, body_length, 0, 0)


def absurd_binary_bodies(ctx):
    p = ctx.params
    per = p["connections_per_variant"]
    payloads = [binary_header(*v[1:]) + b"\0" * p["body_bytes"] for v in BINARY_VARIANTS for _ in range(per)]
    swarm = Swarm(ctx.port, len(payloads), ctx.deadline(10))
    try:
        swarm.send(payloads, ctx.deadline(p["send_seconds"]))
        hold(p["wait"])
        swarm.poll_closed()
        obs, open_total = {}, 0
        for n, variant in enumerate(BINARY_VARIANTS):
            outcome = {"closed": 0, "answered": 0, "open": 0}
            for i in range(n * per, min((n + 1) * per, len(swarm))):
                kind = "closed" if swarm.closed[i] else "answered" if swarm.heads[i] else "open"
                outcome[kind] += 1
            open_total += outcome["open"]
            obs[variant[0]] = " ".join("%s %d" % kv for kv in outcome.items() if kv[1])
        obs["kept_open"] = open_total
        return obs
    finally:
        swarm.close()


# h. A slow reader of a 100 MB chunked value.

def store_huge_value(ctx):
    ctx.store([("big", memclient.value_for("big", 1, ctx.params["value_bytes"]))], timeout=300)


def slow_huge_reader(ctx):
    p = ctx.params
    swarm = Swarm(ctx.port, 1, ctx.deadline(5), rcvbuf=p["rcvbuf"])
    try:
        swarm.send_each(b"get big\r\n", ctx.deadline(5))
        swarm.read_slowly(p["read_rate"], p["hold"])
        return dict(read_kb=sum(swarm.received) / 1024, closed=swarm.poll_closed())
    finally:
        swarm.close()


# i. Many connections half-way through a 1 MB set.

def half_done_sets(ctx):
    return unfinished_sets(ctx, b"set half 0 0 1000000\r\n" + b"h" * ctx.params["data_bytes"],
                           ctx.params["connect_seconds"])


# j. A pipelined flood of meta sets with base64 keys and random flags.

GOOD_FLAGS = ("T0", "T60", "F7", "q", "I", "k", "O42", "c", "MS", "ME", "MA", "MP", "MR", "N30", "C1")
BAD_FLAGS = ("Z", "T-1", "Fx", "MX", "@", "O" + "9" * 40)


def meta_set(rng):
    """One `ms` request: base64 key (sometimes over-long or invalid), random flags, mostly right length.
    Seeded, so both servers get the same bytes."""
    key = base64.b64encode(rng.randbytes(rng.randint(1, 200))).decode()
    if rng.random() < 0.03:
        key = "!!not*base64"
    flags = ["b"] + rng.sample(GOOD_FLAGS, rng.randint(0, 4))
    if rng.random() < 0.05:
        flags.append(rng.choice(BAD_FLAGS))
    data = b"v" * rng.randint(0, 300)
    declared = len(data) if rng.random() > 0.01 else len(data) + 1
    return ("ms %s %d %s\r\n" % (key, declared, " ".join(flags))).encode() + data + b"\r\n"


class ReplyCounter:
    """Counts reply lines by their first word, from pieces of any size, on a reader thread."""

    def __init__(self, swarm):
        self.swarm, self.counts, self.partial = swarm, {}, {}
        self.last_reply = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sink(self, i, data):
        lines = (self.partial.get(i, b"") + data).split(b"\r\n")
        self.partial[i] = lines.pop()
        for line in lines:
            word = line.split(b" ", 1)[0][:20].decode("latin-1")
            self.counts[word] = self.counts.get(word, 0) + 1
        self.last_reply = time.monotonic()

    def _run(self):
        selector = selectors.DefaultSelector()
        for i, s in enumerate(self.swarm.socks):
            selector.register(s, selectors.EVENT_READ, i)
        while not self._stop.is_set():
            for key, _ in selector.select(timeout=0.1):
                if self.swarm.read_some(key.data, 1 << 20, self._sink) == 0 and self.swarm.closed[key.data]:
                    selector.unregister(key.fileobj)
        selector.close()

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(5)


def meta_flood(ctx):
    p = ctx.params
    rng = random.Random(p["seed"])
    payloads = [b"".join(meta_set(rng) for _ in range(p["commands"])) for _ in range(p["connections"])]
    swarm = Swarm(ctx.port, p["connections"], ctx.deadline(5))
    counter = ReplyCounter(swarm)
    counter.start()
    try:
        began = time.monotonic()
        sent = swarm.send(payloads, ctx.deadline(p["send_seconds"]))
        quiet_until = ctx.deadline(p["send_seconds"])
        while time.monotonic() < quiet_until and time.monotonic() - counter.last_reply < 1.0:
            time.sleep(0.1)
        counter.stop()
        return dict(commands=p["commands"] * p["connections"], sent_mb=sent / MB,
                    seconds=round(time.monotonic() - began, 1), closed=sum(swarm.closed),
                    replies=", ".join("%s %d" % kv for kv in sorted(counter.counts.items(), key=lambda kv: -kv[1])))
    finally:
        counter.stop()
        swarm.close()


# k. A UDP request storm (memcached's 8-byte frame header), never reading the answers.

def store_udp_value(ctx):
    ctx.store([("u100k", memclient.value_for("u100k", 1, 100000))])


def udp_storm(ctx):
    p = ctx.params
    rng = random.Random(p["seed"])
    requests = [b"get u100k\r\n", b"get probe:key\r\n", b"gets u100k u100k u100k\r\n", b"stats\r\n"]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    sent, dropped, end = 0, 0, ctx.deadline(p["seconds"])
    try:
        while sent < p["datagrams"] and time.monotonic() < end:
            if rng.random() < 0.05:
                body = rng.randbytes(rng.randint(1, 1400))    # garbage, framed or not
            else:
                body = struct.pack(">HHHH", sent & 0xFFFF, 0, 1, 0) + rng.choice(requests)
            try:
                sock.sendto(body, ("127.0.0.1", ctx.udp_port))
                sent += 1
            except (BlockingIOError, OSError):
                dropped += 1
                time.sleep(0.001)
        return dict(datagrams=sent, send_refusals=dropped)
    finally:
        sock.close()


# l. flush_all and slabs reassign while large gets are in flight (every byte read is checked).

def large_values(ctx):
    p = ctx.params
    return {"l%d" % k: memclient.value_for("l%d" % k, 1, p["value_bytes"]) for k in range(p["keys"])}


def store_large_values(ctx):
    ctx.store(sorted(large_values(ctx).items()))


def class_of_largest_items(port):
    classes = {}
    for name, value in memclient.stats(port, b"slabs").items():
        cls, _, field_name = name.partition(":")
        if field_name == "chunk_size" and cls.isdigit():
            classes[int(cls)] = int(value)
    return max(classes, key=classes.get) if classes else 1


def churn_admin(ctx, values, stop, replies):
    """flush_all, store everything again, slabs reassign (largest class → class 1), repeat."""
    try:
        with memclient.connect(ctx.port, 30) as s:
            while not stop.is_set():
                source = class_of_largest_items(ctx.port)
                for command in (b"flush_all\r\n", b"slabs reassign %d 1\r\n" % source):
                    s.sendall(command)
                    reply = memclient.line_reply(s, 10).strip().decode("latin-1")
                    replies[reply] = replies.get(reply, 0) + 1
                for key, value in sorted(values.items()):
                    memclient.store(s, key, value)
                stop.wait(ctx.params["admin_interval"])
    except (OSError, RuntimeError, ConnectionError) as error:
        replies["admin error: %s" % str(error)[:60]] = 1


def gets_during_churn(ctx):
    p = ctx.params
    values = large_values(ctx)
    line = b"get" + b"".join(b" " + k.encode() for k in sorted(values)) + b"\r\n"
    swarm = Swarm(ctx.port, p["connections"], ctx.deadline(10))
    checkers = [memclient.GetReplyChecker(values.get) for _ in range(len(swarm))]
    stop, replies = threading.Event(), {}
    admin = threading.Thread(target=churn_admin, args=(ctx, values, stop, replies), daemon=True)
    admin.start()
    try:
        requests = [0] * len(swarm)
        end, per_tick = ctx.deadline(p["seconds"]), p["read_rate"] // 10
        while time.monotonic() < end:
            for i in swarm.open_indices():
                if checkers[i].ends == requests[i]:          # previous get answered: ask again
                    swarm.send_one(i, line)
                    requests[i] += 1
                swarm.read_some(i, per_tick, lambda i, data: checkers[i].feed(data))
            time.sleep(0.1)
        return dict(values_checked=sum(c.values for c in checkers),
                    mismatches=sum(c.mismatches for c in checkers),
                    protocol_errors=sum(c.protocol_errors for c in checkers), closed=sum(swarm.closed),
                    admin_replies=", ".join("%s %d" % kv for kv in sorted(replies.items())))
    finally:
        stop.set()
        admin.join(30)
        swarm.close()


# m. Signals a service manager sends: SIGHUP (stay up, keep items), SIGUSR1 (graceful exit).

def store_signal_key(ctx):
    ctx.store([("m:key", memclient.value_for("m:key", 1, 100))])


def item_kept(ctx):
    try:
        with memclient.connect(ctx.port, 2) as s:
            return int(memclient.get_value(s, "m:key", 2) == memclient.value_for("m:key", 1, 100))
    except (OSError, RuntimeError, ConnectionError):
        return 0


def signals(ctx):
    proc = ctx.server.proc
    time.sleep(1)
    proc.send_signal(signal.SIGHUP)
    time.sleep(1)
    obs = dict(hup_alive=int(proc.poll() is None), hup_item_kept=item_kept(ctx))
    ctx.probe.stop()
    if proc.poll() is None:
        proc.send_signal(signal.SIGUSR1)
    try:
        code = proc.wait(ctx.params["exit_wait"])
        obs["usr1_exit_status"] = "exit %d" % code if code >= 0 else "killed by %s" % signal.Signals(-code).name
    except Exception:   # subprocess.TimeoutExpired: still running
        obs["usr1_exit_status"] = "still running after %ds" % ctx.params["exit_wait"]
    return obs


CASES = [
    Case("a", "get of one 1 MB item named 1,000 times in one line, never read", amplifying_get,
         full=dict(repeats=1000, send_seconds=10, hold=8), smoke=dict(repeats=1000, send_seconds=5, hold=2),
         soak=dict(repeats=200, send_seconds=5, hold=1), setup=store_big_key),
    Case("b", "the same line 1 MB long (350,000 repeats), never read", amplifying_get,
         full=dict(repeats=350000, send_seconds=20, hold=8), smoke=dict(repeats=350000, send_seconds=10, hold=2),
         setup=store_big_key),
    Case("c", "slow readers (SO_RCVBUF 4 KB, ~4 KB/s) of get of 100 keys of 100 KB", slow_multiget_readers,
         full=dict(connections=200, keys=100, value_bytes=100000, rcvbuf=4096, read_rate=4096, hold=15),
         smoke=dict(connections=50, keys=100, value_bytes=100000, rcvbuf=4096, read_rate=4096, hold=2),
         soak=dict(connections=10, keys=20, value_bytes=100000, rcvbuf=4096, read_rate=4096, hold=2),
         setup=store_hundred_kb_keys, judged=dict(refused="lower")),
    Case("d", "idle connections (-c 20000)", idle_connections,
         full=dict(connections=10000, connect_seconds=60, hold=3),
         smoke=dict(connections=2000, connect_seconds=20, hold=2),
         soak=dict(connections=200, connect_seconds=10, hold=1),
         flags={"-c": "20000"}, judged=dict(refused="lower"), per_connection="connections"),
    Case("e", "connections trickling one byte a second, -o idle_timeout=5", trickling_connections,
         full=dict(connections=500, seconds=10), smoke=dict(connections=100, seconds=8),
         flags={"-o": "idle_timeout=5"}, judged=dict(closed="higher", refused="lower")),
    Case("f", "-Y: unauthenticated `set x 0 0 1000000000` + 1.9 MB of data", unauthenticated_big_sets,
         full=dict(connections=500, data_bytes=1900000, send_seconds=20, hold=2),
         smoke=dict(connections=100, data_bytes=1900000, send_seconds=5, hold=1),
         auth=True, judged=dict(refused="lower")),
    Case("g", "binary headers declaring bodies of 2^31 bytes or more (+ some body)", absurd_binary_bodies,
         full=dict(connections_per_variant=10, body_bytes=1 << 20, send_seconds=5, wait=3),
         smoke=dict(connections_per_variant=3, body_bytes=64 << 10, send_seconds=3, wait=2),
         soak=dict(connections_per_variant=2, body_bytes=64 << 10, send_seconds=2, wait=1),
         judged=dict(kept_open="lower")),
    Case("h", "slow reader (SO_RCVBUF 4 KB, ~4 KB/s) of a 100 MB value (-I 128m -m 1024)", slow_huge_reader,
         full=dict(value_bytes=100000000, rcvbuf=4096, read_rate=4096, hold=10),
         smoke=dict(value_bytes=100000000, rcvbuf=4096, read_rate=4096, hold=2),
         setup=store_huge_value, flags={"-I": "128m", "-m": "1024"}),
    Case("i", "connections half-way through a 1 MB set (500,000 of 1,000,000 bytes sent)", half_done_sets,
         full=dict(connections=10000, data_bytes=500000, connect_seconds=60, send_seconds=60, hold=3),
         smoke=dict(connections=1000, data_bytes=500000, connect_seconds=20, send_seconds=15, hold=2),
         soak=dict(connections=50, data_bytes=500000, connect_seconds=10, send_seconds=5, hold=1),
         flags={"-c": "20000"}, judged=dict(refused="lower")),
    Case("j", "pipelined flood of ms, base64 keys, random flags (5% bad flags, 3% bad keys)", meta_flood,
         full=dict(connections=4, commands=100000, send_seconds=60, seed=7),
         smoke=dict(connections=2, commands=20000, send_seconds=20, seed=7),
         soak=dict(connections=1, commands=5000, send_seconds=10, seed=7)),
    Case("k", "UDP storm (-U): framed gets of a 100 KB value, stats, 5% garbage; answers never read",
         udp_storm, full=dict(datagrams=1000000, seconds=10, seed=11),
         smoke=dict(datagrams=400000, seconds=6, seed=11), soak=dict(datagrams=20000, seconds=1, seed=11),
         setup=store_udp_value, udp=True),
    Case("l", "flush_all + slabs reassign while gets of 40 x 500 KB are read (every byte checked)",
         gets_during_churn,
         full=dict(connections=20, keys=40, value_bytes=500000, read_rate=1 << 20, seconds=12, admin_interval=0.5),
         smoke=dict(connections=5, keys=40, value_bytes=500000, read_rate=1 << 20, seconds=4, admin_interval=0.5),
         soak=dict(connections=2, keys=10, value_bytes=500000, read_rate=1 << 20, seconds=2, admin_interval=0.5),
         setup=store_large_values, judged=dict(mismatches="zero", protocol_errors="zero")),
    Case("m", "SIGHUP (alive? items kept?) then SIGUSR1 (exit status)", signals,
         full=dict(exit_wait=5), smoke=dict(exit_wait=5), setup=store_signal_key,
         judged=dict(hup_alive="higher", hup_item_kept="higher", usr1_exit_status="same"), expects_exit=True),
]

BY_LETTER = {case.letter: case for case in CASES}
