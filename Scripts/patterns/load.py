"""The load: `threads` workers issue reads and writes of Zipf-chosen products at a fixed total
rate (open loop, so every pattern gets the same offered load), against one pattern. Each worker
owns its pattern handle (its own database connection and cache connections). A monitor samples the
counters once a second for the timeline. Failed requests (exceptions out of a handle) are counted,
never retried.
"""
import random
import threading
import time

import numpy


class WorkerStats:
    def __init__(self):
        self.reads = self.hits = self.writes = self.failures = 0
        self.read_latencies = []
        self.first_failure = None


class LoadResult:
    def __init__(self, stats, seconds, timeline, db_queries):
        self.seconds = seconds
        self.reads = sum(s.reads for s in stats)
        self.hits = sum(s.hits for s in stats)
        self.writes = sum(s.writes for s in stats)
        self.failures = sum(s.failures for s in stats)
        self.first_failure = next((s.first_failure for s in stats if s.first_failure), None)
        latencies = numpy.concatenate([numpy.array(s.read_latencies) for s in stats]) if self.reads else numpy.zeros(1)
        self.p50_ms, self.p99_ms = (float(v) * 1000 for v in numpy.percentile(latencies, [50, 99]))
        self.timeline = timeline          # [(second, reads, hits, db reads)] per second
        self.db_reads = db_queries["read"]
        self.db_writes = db_queries["write"]

    @property
    def hit_ratio(self):
        return self.hits / self.reads if self.reads else 0.0


def run_load(make_handle, product_ids, seconds, rate, threads, write_fraction, staleness, counter, events=()):
    """Runs the load for `seconds`; `events` are (second, callable) run by the monitor (a node
    kill, a writer kill). Returns a LoadResult."""
    stats = [WorkerStats() for _ in range(threads)]
    handles = [make_handle(i) for i in range(threads)]
    start = time.monotonic() + 0.2
    stop = start + seconds
    before = counter.snapshot()
    workers = [threading.Thread(target=_work, args=(handles[i], stats[i], product_ids(i), start, stop,
                                                    threads / rate, write_fraction, staleness, i))
               for i in range(threads)]
    for w in workers:
        w.start()
    timeline = _monitor(stats, counter, start, stop, list(events))
    for w in workers:
        w.join(seconds + 60)
    for h in handles:
        h.close()
    return LoadResult(stats, seconds, timeline, counter.snapshot() - before)


def _work(handle, stats, next_id, start, stop, interval, write_fraction, staleness, seed):
    rng = random.Random(seed)
    due = start
    while True:
        now = time.monotonic()
        if now >= stop:
            return
        if due > now:
            time.sleep(due - now)
        elif now - due > 1.0:
            due = now           # far behind: do not burst to catch up
        due += interval
        product_id = next_id()
        try:
            if rng.random() < write_fraction:
                handle.write(product_id, rng.randrange(100, 100000))
                stats.writes += 1
            else:
                began = staleness.read_started()
                row, hit = handle.read(product_id)
                stats.read_latencies.append(time.monotonic() - began)
                staleness.observed(product_id, row["version"], began)
                stats.reads += 1
                stats.hits += hit
        except Exception as error:          # a failed request: counted, and the load goes on
            stats.failures += 1
            stats.first_failure = stats.first_failure or repr(error)


def _monitor(stats, counter, start, stop, events):
    timeline = []
    last = (0, 0, counter.snapshot()["read"])
    second = 0
    while time.monotonic() < stop:
        second += 1
        time.sleep(max(0.0, start + second - time.monotonic()))
        while events and events[0][0] <= second:
            events.pop(0)[1]()
        now = (sum(s.reads for s in stats), sum(s.hits for s in stats), counter.snapshot()["read"])
        timeline.append((second, now[0] - last[0], now[1] - last[1], now[2] - last[2]))
        last = now
    return timeline
