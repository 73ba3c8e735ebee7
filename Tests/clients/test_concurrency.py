"""Many connections at once against one server: no lost increments, no torn values, cas races
resolved exactly once. Bounded in count and time; meant to run against the TSan build too."""
import threading

from pymemcache.client.base import Client

THREADS = 8
ROUNDS = 300


def run_threads(target):
    errors = []

    def wrap(i):
        try:
            target(i)
        except Exception as e:            # re-raised in the test thread below
            errors.append(e)

    ts = [threading.Thread(target=wrap, args=(i,)) for i in range(THREADS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    assert not any(t.is_alive() for t in ts), "threads still running after 120 s"
    if errors:
        raise errors[0]


def client(server):
    return Client(("127.0.0.1", server.port), connect_timeout=5, timeout=30, default_noreply=False)


def test_concurrent_incr_never_lost(swiftcached):
    c = client(swiftcached)
    c.set("ctr", b"0")

    def work(i):
        mc = client(swiftcached)
        for _ in range(ROUNDS):
            assert mc.incr("ctr", 1) is not None
            mc.decr("ctr2", 1)            # NOT_FOUND path, interleaved
        mc.close()

    run_threads(work)
    assert int(c.get("ctr")) == THREADS * ROUNDS
    c.close()


def test_concurrent_set_get_values_never_torn(swiftcached):
    values = [bytes([65 + i]) * (1000 + 7919 * i) for i in range(THREADS)]   # distinct lengths and bytes

    def work(i):
        mc = client(swiftcached)
        for r in range(ROUNDS):
            key = "shared%d" % (r % 4)
            mc.set(key, values[i])
            got = mc.get(key)
            assert got in values, "torn or foreign value: %d bytes starting %r" % (len(got or b""), (got or b"")[:8])
        mc.close()

    run_threads(work)


def test_concurrent_cas_exactly_one_winner(swiftcached):
    c = client(swiftcached)
    for r in range(50):
        key = "casrace%d" % r
        c.set(key, b"start")
        _, unique = c.gets(key)
        wins = []

        def work(i):
            mc = client(swiftcached)
            if mc.cas(key, b"winner%d" % i, unique):
                wins.append(i)
            mc.close()

        run_threads(work)
        assert len(wins) == 1, "cas with one unique succeeded %d times" % len(wins)
        assert c.get(key) == b"winner%d" % wins[0]
    c.close()
