"""One function per measured scenario. Each returns a dict of measurements (a row of the table in
docs/patterns.md); main.py turns them into assertions and the report."""
import os
import random
import signal
import subprocess
import sys
import threading
import time
import zlib

from pymemcache.client.base import Client

from cache_aside import CacheAside
from catalogue import Database, product_index_scans
from discovery import CacheClient
from herd import LeaseProtected, Unprotected, summary_key
from load import run_load
from no_cache import NoCache
from sessions import SessionStore
from staleness import StalenessLog
from write_behind import Journal, WriteBehind
from write_through import WriteThrough

HERE = os.path.dirname(os.path.abspath(__file__))


class Bench:
    """What every scenario needs: the database, the cache cluster and the run's settings."""

    def __init__(self, postgres, counter, discovery, cluster, settings, zipf, workdir):
        self.postgres = postgres
        self.counter = counter
        self.discovery = discovery
        self.cluster = cluster
        self.settings = settings
        self.zipf = zipf
        self.workdir = workdir
        self.admin = postgres.connect()

    def db(self):
        return Database(self.postgres, self.counter)

    def cache(self):
        return CacheClient(self.discovery)

    def flush_cache(self):
        for server in self.discovery.ring.servers:
            node = Client(server, connect_timeout=1, timeout=1)
            node.flush_all(noreply=False)
            node.close()

    def product_writes(self):
        """Rows PostgreSQL updated in products (its own counter)."""
        self.admin.execute("SELECT pg_stat_clear_snapshot()")
        return self.admin.execute("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'products'").fetchone()[0]


def measure_pattern(bench, name, make_pattern, events=(), write_fraction=None, warmup=None, seconds=None):
    """Warm-up, then the measured load; PostgreSQL's counters are read around the measured part."""
    s = bench.settings
    write_fraction = s.write_fraction if write_fraction is None else write_fraction
    warmup = s.warmup if warmup is None else warmup
    seconds = s.seconds if seconds is None else seconds
    bench.flush_cache()
    staleness = StalenessLog()
    def handle(_index):
        return make_pattern(bench.db(), bench.cache(), staleness)
    ids = lambda i: bench.zipf.sampler(seed=zlib.crc32(("%s/%d" % (name, i)).encode()))
    run_load(handle, ids, warmup, s.rate, s.threads, write_fraction, staleness, bench.counter)
    staleness.stale_ages.clear()
    time.sleep(0.3)   # closed connections' statistics reach PostgreSQL
    scans, updates = product_index_scans(bench.admin), bench.product_writes()
    result = run_load(handle, ids, seconds, s.rate, s.threads, write_fraction, staleness, bench.counter, events)
    time.sleep(0.5)
    scans, updates = product_index_scans(bench.admin) - scans, bench.product_writes() - updates
    return {
        "pattern": name, "seconds": seconds, "reads": result.reads, "writes": result.writes,
        "reads_per_s": result.reads / seconds, "db_reads": result.db_reads,
        "db_reads_per_s": result.db_reads / seconds, "pg_index_scans": scans, "pg_row_updates": updates,
        "db_writes_per_s": updates / seconds, "hit_ratio": result.hit_ratio,
        "read_reduction": result.reads / max(1, result.db_reads),
        "p50_ms": result.p50_ms, "p99_ms": result.p99_ms, "stale_reads": len(staleness.stale_ages),
        "stale_max_s": max(staleness.stale_ages, default=0.0),
        "stale_beyond_ttl": staleness.beyond(s.ttl + 1.0), "failures": result.failures,
        "first_failure": result.first_failure, "timeline": result.timeline,
    }


def no_cache(bench):
    return measure_pattern(bench, "no cache (PostgreSQL only)", lambda db, cache, st: NoCache(db, st), warmup=1)


def cache_aside(bench):
    ttl = bench.settings.ttl
    return measure_pattern(bench, "cache-aside", lambda db, cache, st: CacheAside(db, cache, st, ttl))


def cache_aside_without_invalidation(bench):
    """The broken variant (no delete on write, no TTL) on the hottest products: the stale-read
    check must find reads older than the TTL here, or it could not fail at all."""
    saved = bench.zipf
    bench.zipf = _HotOnly(saved.hot(20))
    try:
        return measure_pattern(bench, "cache-aside without invalidation or TTL (control)",
                               lambda db, cache, st: CacheAside(db, cache, st, 0, invalidate=False),
                               write_fraction=0.2, warmup=1, seconds=bench.settings.ttl + 3)
    finally:
        bench.zipf = saved


class _HotOnly:
    def __init__(self, ids):
        self.ids = ids

    def sampler(self, seed):
        rng = random.Random(seed)
        return lambda: rng.choice(self.ids)


def write_through(bench):
    ttl = bench.settings.ttl
    return measure_pattern(bench, "write-through", lambda db, cache, st: WriteThrough(db, cache, st, ttl))


def _start_writer(bench, journal_path):
    return subprocess.Popen([sys.executable, os.path.join(HERE, "write_behind_writer.py"), bench.postgres.dsn(),
                             journal_path], stdin=subprocess.DEVNULL)


def _unapplied(bench, journal):
    """Acknowledged writes PostgreSQL does not have (yet): the loss check, usable at any moment."""
    with journal.lock:
        latest = dict(journal.latest)
    if not latest:
        return 0
    rows = bench.admin.execute("SELECT id, version, price_cents FROM products WHERE id = ANY(%s)",
                               (list(latest),)).fetchall()
    return sum(1 for product_id, version, price in rows if latest[product_id] != (version, price))


def _drain(bench, journal, timeout=60.0):
    """Seconds until the writer has applied the whole journal (or the timeout passed)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        offset = bench.admin.execute("SELECT journal_offset FROM writer_progress WHERE id = 1").fetchone()[0]
        if offset == journal.size():
            break
        time.sleep(0.05)
    return time.monotonic() - started


def write_behind(bench):
    """The writer is SIGKILLed a third of the way in and restarted two seconds later (writes pile up
    in the journal meanwhile), then killed again 0.1 s into its catch-up and restarted."""
    s = bench.settings
    path = os.path.join(bench.workdir, "write-behind-%d.journal" % time.monotonic_ns())
    bench.admin.execute("UPDATE writer_progress SET journal_offset = 0 WHERE id = 1")
    journal = Journal(path, bench.admin.execute("SELECT max(version) FROM products").fetchone()[0])
    writer = [_start_writer(bench, path)]
    facts = {"writer_kills": 0, "backlog_at_restart": 0}

    def kill():
        writer[0].send_signal(signal.SIGKILL)
        writer[0].wait(10)
        facts["writer_kills"] += 1

    def restart():
        facts["backlog_at_restart"] = _unapplied(bench, journal)
        writer[0] = _start_writer(bench, path)
        time.sleep(0.1)
        kill()
        writer[0] = _start_writer(bench, path)

    kill_at = max(1, s.seconds // 3)
    try:
        row = measure_pattern(bench, "write-behind", lambda db, cache, st: WriteBehind(db, cache, st, s.ttl, journal),
                              events=[(kill_at, kill), (kill_at + 2, restart)])
        row["drain_s"] = _drain(bench, journal)
        row["lost_writes"] = _unapplied(bench, journal)
        row["acknowledged_products"] = len(journal.latest)
    finally:
        writer[0].terminate()
        writer[0].wait(10)
        journal.close()
    row.update(facts)
    return row


def sessions(bench):
    """Users log in, make requests (each a `gat`), log out; after every logout the session must be
    gone from every node. Meanwhile one session is kept active for three TTLs (it must survive) and
    one is left idle (it must expire)."""
    s = bench.settings
    deadline = time.monotonic() + s.session_seconds
    results = [dict(checks=0, lost=0, logins=0, survived=0, unconfirmed=0, latencies=[]) for _ in range(s.threads)]
    workers = [threading.Thread(target=_session_user, args=(bench, r, deadline, i)) for i, r in enumerate(results)]
    expiry = {}
    watcher = threading.Thread(target=_sliding_and_idle, args=(bench, expiry))
    for t in workers + [watcher]:
        t.start()
    for t in workers + [watcher]:
        t.join(s.session_seconds + 6 * s.session_ttl + 30)
    latencies = sorted(l for r in results for l in r["latencies"])
    checks = sum(r["checks"] for r in results)
    return dict(pattern="session store", seconds=s.session_seconds, logins=sum(r["logins"] for r in results),
                checks=checks, checks_per_s=checks / s.session_seconds, p50_ms=_percentile(latencies, 0.5), p99_ms=_percentile(latencies, 0.99),
                lost_active=sum(r["lost"] for r in results), survived_logout=sum(r["survived"] for r in results),
                unconfirmed_logouts=sum(r["unconfirmed"] for r in results), **expiry)


def _percentile(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))] * 1000 if sorted_values else 0.0


def _session_user(bench, result, deadline, seed):
    rng = random.Random(seed)
    store = SessionStore(bench.db(), bench.cache(), bench.settings.session_ttl)
    try:
        while time.monotonic() < deadline:
            session_id = store.login(rng.randrange(1, 1001))
            result["logins"] += 1
            for _ in range(rng.randrange(5, 30)):
                began = time.monotonic()
                found = store.check(session_id)
                result["latencies"].append(time.monotonic() - began)
                result["checks"] += 1
                result["lost"] += found is None
                time.sleep(rng.uniform(0, 0.02))
            result["unconfirmed"] += not store.logout(session_id)
            result["survived"] += _present_anywhere(bench, "session:" + session_id)
    finally:
        store.close()


def _present_anywhere(bench, key):
    """Asks every node directly, not through the ring: a session must be on none of them."""
    found = False
    for server in bench.discovery.ring.servers:
        node = Client(server, connect_timeout=1, timeout=1)
        found |= node.get(key) is not None
        node.close()
    return found


def _sliding_and_idle(bench, facts):
    ttl = bench.settings.session_ttl
    store = SessionStore(bench.db(), bench.cache(), ttl)
    try:
        active, idle = store.login(1), store.login(2)
        started = time.monotonic()
        alive = True
        while time.monotonic() - started < 3 * ttl:
            alive &= store.check(active) is not None
            time.sleep(ttl / 3)
        facts["active_session_alive_after_3_ttl"] = alive and store.check(active) is not None
        # The idle one was never touched after login; the server's clock has one-second steps.
        facts["idle_session_expired"] = not _present_anywhere(bench, "session:" + idle)
    finally:
        store.close()


def herd(bench, protected):
    """Rounds of: the hot summaries disappear, then `herd_threads` requests ask for all of them at
    once. Counts the database queries per key per round."""
    s = bench.settings
    hot = list(range(1, 6))
    barrier = threading.Barrier(s.herd_threads + 1)
    kind = LeaseProtected if protected else Unprotected
    loaders = [kind(bench.db(), bench.cache(), s.ttl) for _ in range(s.herd_threads)]
    latencies, per_miss = [], []
    stop = []

    def requester(loader, seed):
        rng = random.Random(seed)
        while True:
            barrier.wait(60)
            if stop:
                return
            for category in rng.sample(hot, len(hot)):
                began = time.monotonic()
                loader.summary(category)
                latencies.append(time.monotonic() - began)
            barrier.wait(60)

    threads = [threading.Thread(target=requester, args=(l, i)) for i, l in enumerate(loaders)]
    for t in threads:
        t.start()
    admin_cache = bench.cache()
    deadline = time.monotonic() + s.herd_seconds
    try:
        while time.monotonic() < deadline:
            for category in hot:
                admin_cache.delete(summary_key(category))
            before = bench.counter.keys_snapshot()
            barrier.wait(60)      # go
            barrier.wait(60)      # round done
            after = bench.counter.keys_snapshot()
            per_miss += [after["category:%d" % c] - before["category:%d" % c] for c in hot]
    finally:
        stop.append(True)
        barrier.wait(60)
        for t in threads:
            t.join(30)
        for l in loaders:
            l.close()
        admin_cache.close()
    latencies.sort()
    return dict(pattern="hot miss, %s" % ("lease (add)" if protected else "no protection"), misses=len(per_miss),
                requests=len(latencies), max_queries_per_miss=max(per_miss), mean_queries_per_miss=sum(per_miss) / len(per_miss),
                min_queries_per_miss=min(per_miss), p50_ms=_percentile(latencies, 0.5), p99_ms=_percentile(latencies, 0.99),
                threads=s.herd_threads)


def node_killed(bench):
    """Cache-aside while node2 is SIGKILLed a third of the way in: the misses its keys turn into,
    the rediscovery, and no failed request."""
    s = bench.settings
    victim = bench.cluster.nodes["node2"]
    facts = {}

    def kill():
        facts["killed_at"] = time.monotonic()
        facts["killed_second"] = kill_at
        victim.kill()

    kill_at = max(1, s.seconds // 3)
    seen = len(bench.discovery.changes)
    row = measure_pattern(bench, "cache-aside, node2 killed at %d s" % kill_at,
                          lambda db, cache, st: CacheAside(db, cache, st, s.ttl), events=[(kill_at, kill)])
    changes = bench.discovery.changes[seen:]
    row["rediscovered_after_s"] = (changes[0][0] - facts["killed_at"]) if changes else None
    row["nodes_after"] = changes[-1][2] if changes else len(bench.discovery.ring.servers)
    row["killed_second"] = kill_at
    return row
