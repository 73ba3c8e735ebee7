"""Write-behind (write-back): a write is acknowledged once it is in a durable local journal (appended
and fdatasync'ed) and in the cache; a separate writer process (write_behind_writer.py) applies the
journal to PostgreSQL in batches. Reads hit the cache; a miss reads PostgreSQL and lays the newest
acknowledged write over it, because PostgreSQL may not have it yet.

Why nothing is lost: the journal is on disk before the write is acknowledged, and the writer
commits each batch together with its journal offset (one transaction), so a writer killed at any
point restarts from the last committed offset; re-applying is harmless because an update only
lands when its version is newer than the row's.

Versions are assigned here (the highest version in PostgreSQL at start, plus the journal sequence),
so they keep rising across patterns. Ordering between writers and fills is kept by one lock in this
process: a write updates the cached row only when one is cached, and a miss fills the cache under
the same lock after consulting the newest acknowledged writes (`latest`, one entry per product
written: bounded by the catalogue). Several application processes would need a shared sequence
and cas-guarded cache updates instead.
"""
import os
import threading

from cache_aside import product_key
from catalogue import decode, encode


class Journal:
    """The shared, durable write queue and the newest acknowledged write of every product."""

    def __init__(self, path, base_version):
        self.path = path
        self.base_version = base_version
        self.lock = threading.Lock()
        self.latest = {}                  # product id -> (version, price_cents)
        self._sequence = 0
        self._file = open(path, "ab")

    def append(self, product_id, price_cents):
        """Writes one entry durably; call with `lock` held. Returns its version."""
        self._sequence += 1
        version = self.base_version + self._sequence
        self._file.write(b"%d %d %d\n" % (product_id, price_cents, version))
        self._file.flush()
        os.fdatasync(self._file.fileno())
        self.latest[product_id] = (version, price_cents)
        return version

    def overlay(self, row):
        """`row` from PostgreSQL with the newest acknowledged write laid over it."""
        newest = self.latest.get(row["id"])
        if newest and newest[0] > row["version"]:
            return dict(row, version=newest[0], price_cents=newest[1])
        return row

    def size(self):
        return os.path.getsize(self.path)

    def close(self):
        self._file.close()


class WriteBehind:
    def __init__(self, db, cache, staleness, ttl, journal):
        self.db = db
        self.cache = cache
        self.staleness = staleness
        self.ttl = ttl
        self.journal = journal

    def read(self, product_id):
        key = product_key(product_id)
        cached = self.cache.get(key)
        if cached is not None:
            return decode(cached), True
        row = self.db.read_product(product_id)
        with self.journal.lock:
            row = self.journal.overlay(row)
            self.cache.add(key, encode(row), self.ttl)
        return row, False

    def write(self, product_id, price_cents):
        key = product_key(product_id)
        with self.journal.lock:
            version = self.journal.append(product_id, price_cents)
            cached = self.cache.get(key)
            if cached is not None and not self.cache.set(
                    key, encode(dict(decode(cached), version=version, price_cents=price_cents)), self.ttl):
                self.cache.delete(key)
        self.staleness.acknowledged(product_id, version)
        return version

    def close(self):
        self.db.close()
        self.cache.close()
