"""Zipf-distributed product ids: rank r is drawn with probability proportional to 1 / r**s. The
ranks are shuffled over the ids (seeded), so the hot products are spread over the catalogue."""
import numpy


class Zipf:
    def __init__(self, items, s, seed):
        weights = 1.0 / numpy.arange(1, items + 1) ** s
        self._cdf = numpy.cumsum(weights) / weights.sum()
        self._ids = numpy.random.default_rng(seed).permutation(items) + 1

    def sampler(self, seed):
        """A per-thread function returning one id per call (numpy's generator is not shared)."""
        rng = numpy.random.default_rng(seed)
        batch = []

        def draw():
            if not batch:
                ranks = numpy.searchsorted(self._cdf, rng.random(4096))
                batch.extend(int(i) for i in self._ids[numpy.minimum(ranks, len(self._ids) - 1)])
            return batch.pop()
        return draw

    def hot(self, count):
        """The `count` most popular ids."""
        return [int(i) for i in self._ids[:count]]
