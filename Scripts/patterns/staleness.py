"""Stale-read detection. A read is stale when it returns a version older than one whose write had
already been acknowledged (committed to PostgreSQL, or for write-behind made durable in the
journal) before the read began; its age is how long before the read the first newer version was
acknowledged. The versions are PostgreSQL's (RETURNING version) except under write-behind.
"""
import bisect
import threading
import time


class StalenessLog:
    def __init__(self):
        self._lock = threading.Lock()
        self._acked = {}          # key -> sorted [(version, acknowledged at)]
        self.stale_ages = []      # seconds, one per stale read

    def acknowledged(self, key, version):
        now = time.monotonic()
        with self._lock:
            history = self._acked.setdefault(key, [])
            bisect.insort(history, (version, now))

    def read_started(self):
        return time.monotonic()

    def observed(self, key, version, started):
        """Checks one read that began at `started` (monotonic) and returned `version`."""
        with self._lock:
            history = self._acked.get(key)
            if not history:
                return
            newer = history[bisect.bisect_right(history, (version, float("inf"))):]
            first_ack = min((at for _, at in newer), default=None)
        if first_ack is not None and first_ack < started:
            with self._lock:
                self.stale_ages.append(started - first_ack)

    def beyond(self, seconds):
        return sum(1 for age in self.stale_ages if age > seconds)
