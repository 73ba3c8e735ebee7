"""Write-through: a write commits to PostgreSQL and then puts the new row in the cache, so reads
after a write hit and see it. Reads miss only on first use, eviction, TTL expiry or a lost node,
and fill like cache-aside (with `add`).

Two writers of one key can reach the cache in the opposite order of their commits; a plain `set`
would then leave the older row cached. The cache update therefore compares versions: `gets`, and
`cas` only when the cached version is older (or `add` when nothing is cached), retried a few times.
If it cannot be done the key is deleted, which is always safe. The TTL stays as a backstop.
"""
from cache_aside import CacheAside, product_key
from catalogue import decode, encode

CAS_ATTEMPTS = 5


class WriteThrough(CacheAside):
    def write(self, product_id, price_cents):
        row = self.db.update_price(product_id, price_cents)
        self.staleness.acknowledged(product_id, row["version"])
        if not self._store_if_newer(product_key(product_id), row):
            self.cache.delete(product_key(product_id))
        return row["version"]

    def _store_if_newer(self, key, row):
        for _ in range(CAS_ATTEMPTS):
            cached, token = self.cache.gets(key)
            if cached is None:
                if self.cache.add(key, encode(row), self.ttl):
                    return True
                continue
            current = decode(cached)
            if current["version"] >= row["version"]:
                return True           # a newer write got there first
            if self.cache.cas(key, encode(row), token, self.ttl):
                return True
        return False
