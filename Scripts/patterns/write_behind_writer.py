"""The write-behind writer: applies the journal to PostgreSQL, batch by batch, each batch and the
new journal offset in one transaction, so it can be SIGKILLed at any moment and restarted without
losing or double-applying a write. Several writes of one product in a batch become one update
(the coalescing that makes write-behind cheaper for the database). SIGTERM stops it between
batches.

  python write_behind_writer.py DSN JOURNAL
"""
import signal
import sys
import time

import psycopg

BATCH_BYTES = 64 * 1024
IDLE_SLEEP = 0.02


def next_batch(journal, offset):
    """(entries, new offset): whole lines after `offset`, at most BATCH_BYTES of them."""
    journal.seek(offset)
    data = journal.read(BATCH_BYTES)
    end = data.rfind(b"\n") + 1
    coalesced = {}
    for line in data[:end].splitlines():
        product_id, price_cents, version = (int(word) for word in line.split())
        coalesced[product_id] = (price_cents, version)
    return coalesced, offset + end


def apply(connection, entries, new_offset):
    with connection.transaction():
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE products SET price_cents = %s, version = %s, updated_at = clock_timestamp()"
                " WHERE id = %s AND version < %s",
                [(price, version, product_id, version) for product_id, (price, version) in entries.items()])
            cursor.execute("UPDATE writer_progress SET journal_offset = %s WHERE id = 1", (new_offset,))


def main(dsn, journal_path):
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    with psycopg.connect(dsn) as connection, open(journal_path, "rb") as journal:
        connection.autocommit = True
        offset = connection.execute("SELECT journal_offset FROM writer_progress WHERE id = 1").fetchone()[0]
        while not stopping:
            entries, new_offset = next_batch(journal, offset)
            if not entries:
                time.sleep(IDLE_SLEEP)
                continue
            apply(connection, entries, new_offset)
            offset = new_offset


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
