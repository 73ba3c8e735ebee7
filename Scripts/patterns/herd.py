"""Protection against a thundering herd on a hot miss. When a popular, expensive entry (here a
category summary that scans the catalogue) disappears, every request that misses at once would run
the same query. With a lease, only the request whose `add lease:<key>` succeeds loads it; the
others poll the cache briefly until the value appears. The lease has its own short TTL, so a
holder that dies only delays the others by that long; a node that cannot be reached is no reason
to wait, so then the request loads the value itself.
"""
import time

from catalogue import decode, encode

POLL_INTERVAL = 0.005


def summary_key(category):
    return "category:%d" % category


class Unprotected:
    """Plain cache-aside: every request that misses queries PostgreSQL."""

    def __init__(self, db, cache, ttl):
        self.db = db
        self.cache = cache
        self.ttl = ttl

    def summary(self, category):
        cached = self.cache.get(summary_key(category))
        if cached is not None:
            return decode(cached)
        return self._load(category)

    def _load(self, category):
        value = self.db.category_summary(category)
        self.cache.set(summary_key(category), encode(value), self.ttl)
        return value

    def close(self):
        self.db.close()
        self.cache.close()


class LeaseProtected(Unprotected):
    def __init__(self, db, cache, ttl, lease_ttl=3):
        super().__init__(db, cache, ttl)
        self.lease_ttl = lease_ttl

    def summary(self, category):
        key = summary_key(category)
        deadline = time.monotonic() + 2 * self.lease_ttl
        while time.monotonic() < deadline:
            cached = self.cache.get(key)
            if cached is not None:
                return decode(cached)
            lease = self.cache.add("lease:" + key, b"1", self.lease_ttl)
            if lease is None:
                break                       # the node failed: no one to coordinate with
            if lease:
                return self._load_holding_lease(category)
            time.sleep(POLL_INTERVAL)
        return self._load(category)

    def _load_holding_lease(self, category):
        key = summary_key(category)
        try:
            cached = self.cache.get(key)    # filled between our miss and our lease?
            return decode(cached) if cached is not None else self._load(category)
        finally:
            self.cache.delete("lease:" + key)
