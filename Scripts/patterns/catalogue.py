"""The database the caches sit in front of: a product catalogue (100,000 rows by default), users
for the session store, and the write-behind writer's progress. `Database` is one connection (one
per thread) whose queries are counted in a shared `QueryCounter`, so every pattern's database load
is measured where it is issued; runs also read PostgreSQL's own index-scan counters to confirm it.
"""
import collections
import json
import threading

SCHEMA = """
CREATE TABLE products (
    id          integer PRIMARY KEY,
    name        text    NOT NULL,
    category    integer NOT NULL,
    price_cents integer NOT NULL,
    version     bigint  NOT NULL DEFAULT 1,   -- raised by every write; the cache's values carry it
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE writer_progress (id integer PRIMARY KEY, journal_offset bigint NOT NULL);
INSERT INTO writer_progress VALUES (1, 0);
"""
CATEGORIES = 100


def load(connection, products, users=1000):
    connection.execute(SCHEMA)
    connection.execute(
        "INSERT INTO products (id, name, category, price_cents)"
        " SELECT g, 'product ' || g, g %% %s, 100 + (g * 7919) %% 100000 FROM generate_series(1, %s) g",
        (CATEGORIES, products))
    connection.execute("INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, %s) g", (users,))
    connection.execute("ANALYZE")


PRODUCT_COLUMNS = "id, name, category, price_cents, version"


def _product(row):
    return dict(zip(PRODUCT_COLUMNS.split(", "), row))


def encode(row):
    return json.dumps(row, separators=(",", ":")).encode()


def decode(data):
    return json.loads(data)


class QueryCounter:
    """Queries by kind, and by key for the herd test; safe to share between threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self.by_kind = collections.Counter()
        self.by_key = collections.Counter()

    def count(self, kind, key=None):
        with self._lock:
            self.by_kind[kind] += 1
            if key is not None:
                self.by_key[key] += 1

    def snapshot(self):
        with self._lock:
            return collections.Counter(self.by_kind)

    def keys_snapshot(self):
        with self._lock:
            return collections.Counter(self.by_key)


class Database:
    """The queries the patterns issue, counted; autocommit, so a write has committed on return."""

    def __init__(self, postgres, counter):
        self.connection = postgres.connect()
        self.counter = counter

    def read_product(self, product_id):
        self.counter.count("read")
        return _product(self.connection.execute(
            "SELECT " + PRODUCT_COLUMNS + " FROM products WHERE id = %s", (product_id,)).fetchone())

    def update_price(self, product_id, price_cents):
        """Commits the new price; returns the row as committed (with its new version)."""
        self.counter.count("write")
        return _product(self.connection.execute(
            "UPDATE products SET price_cents = %s, version = version + 1, updated_at = clock_timestamp()"
            " WHERE id = %s RETURNING " + PRODUCT_COLUMNS, (price_cents, product_id)).fetchone())

    def category_summary(self, category):
        """An expensive query (a scan of the whole table): what a herd on a hot miss hurts most."""
        self.counter.count("summary", "category:%d" % category)
        count, low, high, mean = self.connection.execute(
            "SELECT count(*), min(price_cents), max(price_cents), avg(price_cents)::float FROM products"
            " WHERE category = %s", (category,)).fetchone()
        return {"category": category, "count": count, "min": low, "max": high, "mean": mean}

    def read_user(self, user_id):
        self.counter.count("user")
        row = self.connection.execute("SELECT id, name FROM users WHERE id = %s", (user_id,)).fetchone()
        return {"id": row[0], "name": row[1]}

    def close(self):
        self.connection.close()


def product_index_scans(connection):
    """PostgreSQL's own count of index scans on products (its primary key lookups)."""
    connection.execute("SELECT pg_stat_clear_snapshot()")
    return connection.execute(
        "SELECT idx_scan FROM pg_stat_user_tables WHERE relname = 'products'").fetchone()[0]
