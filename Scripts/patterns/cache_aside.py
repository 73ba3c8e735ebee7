"""Cache-aside (lazy loading): read the cache; on a miss read PostgreSQL and fill the cache with a
TTL. Writes go to PostgreSQL, then delete the cached copy, so the next read loads the new row.

The fill uses `add`, not `set`: it never replaces a value someone else stored meanwhile. One race
remains and is why the TTL matters: a reader loads version N, a writer commits N+1 and deletes the
key, then the reader's `add` stores N. That stale copy lives at most one TTL (plus the server's
one-second clock); the runs measure how often it happens and how old such reads are.
`invalidate=False` (no delete) is the broken variant the quick run uses to prove the stale-read
check can fail.
"""
from catalogue import decode, encode


def product_key(product_id):
    return "product:%d" % product_id


class CacheAside:
    def __init__(self, db, cache, staleness, ttl, invalidate=True):
        self.db = db
        self.cache = cache
        self.staleness = staleness
        self.ttl = ttl
        self.invalidate = invalidate

    def read(self, product_id):
        cached = self.cache.get(product_key(product_id))
        if cached is not None:
            return decode(cached), True
        row = self.db.read_product(product_id)
        self.cache.add(product_key(product_id), encode(row), self.ttl)
        return row, False

    def write(self, product_id, price_cents):
        row = self.db.update_price(product_id, price_cents)
        self.staleness.acknowledged(product_id, row["version"])
        if self.invalidate:
            self.cache.delete(product_key(product_id))
        return row["version"]

    def close(self):
        self.db.close()
        self.cache.close()
