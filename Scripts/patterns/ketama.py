"""The ketama continuum as libmemcached builds it with MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED (pylibmc's
`ketama_weighted`), which is last.fm's libketama: the same ring every ketama client builds, so keys
land where other clients and tools put them.

Each server (all weights equal) gets 160 points: 40 MD5 digests of "host:port-i" (or "host-i" on
memcached's default port, as libmemcached writes it), each cut into four 32-bit little-endian
numbers. A key hashes to the first 4 bytes of its MD5 (little-endian) and belongs to the first
point at or after that value, wrapping around. Tests/clients/test_patterns_client.py checks the
placement against pylibmc on real nodes.
"""
import bisect
import hashlib

POINTS_PER_DIGEST = 4
DIGESTS_PER_SERVER = 40
DEFAULT_PORT = 11211


def _point_name(host, port, index):
    if port == DEFAULT_PORT:
        return "%s-%d" % (host, index)
    return "%s:%d-%d" % (host, port, index)


def key_hash(key):
    """libmemcached's MD5 key hash: the digest's first 4 bytes, little-endian."""
    data = key if isinstance(key, bytes) else key.encode()
    return int.from_bytes(hashlib.md5(data).digest()[:4], "little")


class Ring:
    """An immutable continuum over (host, port) servers; `server_for(key)` picks one."""

    def __init__(self, servers):
        if not servers:
            raise ValueError("a ring needs at least one server")
        points = []
        for host, port in servers:
            for i in range(DIGESTS_PER_SERVER):
                digest = hashlib.md5(_point_name(host, port, i).encode()).digest()
                for part in range(POINTS_PER_DIGEST):
                    value = int.from_bytes(digest[part * 4:part * 4 + 4], "little")
                    points.append((value, (host, port)))
        # Equal values: libmemcached's qsort leaves their order unspecified; sorting by server too
        # makes this ring deterministic (collisions of 32-bit points are rare).
        points.sort()
        self._values = [value for value, _ in points]
        self._servers = [server for _, server in points]
        self.servers = tuple(servers)

    def server_for(self, key):
        index = bisect.bisect_left(self._values, key_hash(key))
        return self._servers[index % len(self._values)]
