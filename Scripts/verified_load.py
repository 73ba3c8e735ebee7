"""The soak run's own load (Scripts/soak.py): one worker process doing sets, gets, multi-gets and
deletes of keys it alone writes, each value derived from key + version (memclient.value_for), so
every read is checked byte for byte against what this worker last wrote.

A key's state is the set of versions a read may return: after a STORED set exactly that version;
after a delete none; after a refused set (SERVER_ERROR) what it was; after a set whose answer was
lost (connection error) the old versions and the new one. A miss is always allowed (eviction).
"""
import random
import time
import zlib

import memclient

KEYS_PER_WORKER = 2000
OPERATIONS = (("get", 40), ("multiget", 10), ("set", 35), ("delete", 10), ("reconnect", 5))


def value_size(key, version):
    """Mostly 10 B … 20 KB; one key in a hundred 600 KB (stored as a chunked item)."""
    h = zlib.crc32(("%s:%d" % (key, version)).encode())
    return 600000 + h % 1000 if zlib.crc32(key.encode()) % 100 == 0 else 10 + h % 20000


def expected(key, version):
    return memclient.value_for(key, version, value_size(key, version))


class Worker:
    def __init__(self, port, worker_id, seed):
        self.port, self.rng = port, random.Random(seed)
        self.keys = ["soak:%d:%d" % (worker_id, i) for i in range(KEYS_PER_WORKER)]
        self.acceptable = {}          # key -> set of versions a read may return
        self.version = {}             # key -> last version written
        self.sock = None
        self.counts = dict(ops=0, hits=0, misses=0, sets=0, set_refused=0, deletes=0, mismatches=0,
                           refused=0, connection_errors=0, reconnects=0)
        self.problems = []

    def note(self, problem):
        if len(self.problems) < 10:
            self.problems.append(problem)

    def connection(self):
        if self.sock is None:
            try:
                self.sock = memclient.connect(self.port, timeout=10)
            except ConnectionRefusedError:
                self.counts["refused"] += 1
                raise
        return self.sock

    def drop(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def check(self, key, value):
        if value is None:
            self.counts["misses"] += 1
            return
        self.counts["hits"] += 1
        if not any(value == expected(key, v) for v in self.acceptable.get(key, ())):
            self.counts["mismatches"] += 1
            self.note("%s: %d bytes not among versions %s" % (key, len(value), sorted(self.acceptable.get(key, ()))))

    def do_get(self):
        key = self.rng.choice(self.keys)
        self.check(key, memclient.get_value(self.connection(), key, 10))

    def do_multiget(self):
        keys = self.rng.sample(self.keys, 10)
        found = memclient.get_many(self.connection(), keys, 10)
        for key in keys:
            self.check(key, found.get(key))

    def do_set(self):
        key = self.rng.choice(self.keys)
        version = self.version.get(key, 0) + 1
        self.version[key] = version
        before = self.acceptable.get(key, set())
        self.acceptable[key] = before | {version}       # until the answer says otherwise
        reply = memclient.store(self.connection(), key, expected(key, version), 10)
        if reply == b"STORED\r\n":
            self.acceptable[key] = {version}
            self.counts["sets"] += 1
        elif reply.startswith(b"SERVER_ERROR"):
            self.acceptable[key] = before
            self.counts["set_refused"] += 1
        else:
            self.counts["mismatches"] += 1
            self.note("set %s: %r" % (key, reply[:100]))

    def do_delete(self):
        key = self.rng.choice(self.keys)
        self.acceptable[key] = set()
        sock = self.connection()
        sock.sendall(b"delete %s\r\n" % key.encode())
        reply = memclient.line_reply(sock, 10)
        if reply not in (b"DELETED\r\n", b"NOT_FOUND\r\n"):
            self.counts["mismatches"] += 1
            self.note("delete %s: %r" % (key, reply[:100]))
        self.counts["deletes"] += 1

    def do_reconnect(self):
        self.drop()
        self.connection()
        self.counts["reconnects"] += 1

    def step(self):
        name = self.rng.choices([n for n, _ in OPERATIONS], [w for _, w in OPERATIONS])[0]
        try:
            getattr(self, "do_" + name)()
        except RuntimeError as error:           # a malformed reply: not byte-exact either
            self.counts["mismatches"] += 1
            self.note("%s: %s" % (name, str(error)[:100]))
            self.drop()
        except OSError as error:                # ConnectionError and timeouts included
            if not isinstance(error, ConnectionRefusedError):
                self.counts["connection_errors"] += 1
                self.note("%s: %s" % (name, str(error)[:100]))
            self.drop()
            time.sleep(0.05)
        self.counts["ops"] += 1


def run_worker(port, worker_id, seconds, results):
    """Process entry: runs for `seconds`, then puts (counts, problems) on `results`."""
    worker = Worker(port, worker_id, seed=1000 + worker_id)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        worker.step()
    worker.drop()
    results.put((worker.counts, worker.problems))
