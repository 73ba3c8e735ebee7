"""A cluster-aware cache client: the node list from the configuration endpoint (`config get
cluster`), keys placed with ketama, the list re-read whenever its version changes.

`Discovery` is shared by all threads: a background thread asks the endpoint every `interval`
seconds (at once when a client saw a node fail) and publishes (version, ring) when the version
changes. `CacheClient` is per thread (pymemcache connections are not thread-safe): one connection
per node, rebuilt when the published version moves. A node that fails answers as a miss (reads)
or as "not stored" (writes) — the application falls back to the database, so a lost node never
fails a request — and the failure wakes discovery.
"""
import socket
import threading
import time

from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheServerError, MemcacheUnexpectedCloseError

from ketama import Ring

CONFIG_REQUEST = b"config get cluster\r\n"
ANSWER_END = b"END\r\n"
MAX_ANSWER = 1 << 20
# What a dead, dying or refusing node raises through pymemcache (timeouts are OSErrors).
NODE_ERRORS = (OSError, MemcacheUnexpectedCloseError, MemcacheServerError)


def parse_cluster_config(answer):
    """(version, [(host, ip, port)]) from a `config get cluster` answer; ValueError if malformed.
    The body is read by its byte count, as strict ElastiCache clients do."""
    header, sep, rest = answer.partition(b"\r\n")
    words = header.split(b" ")
    if not sep or len(words) != 4 or words[:3] != [b"CONFIG", b"cluster", b"0"]:
        raise ValueError("not a cluster configuration: %r" % header[:80])
    length = int(words[3])
    body = rest[:length]
    if len(body) != length or rest[length:] != b"\r\n" + ANSWER_END:
        raise ValueError("bad body length or trailer")
    version_line, node_line, tail = body.split(b"\n")
    if tail:
        raise ValueError("trailing bytes after the node list")
    nodes = []
    for entry in node_line.decode().split():
        host, ip, port = entry.split("|")
        nodes.append((host, ip, int(port)))
    return int(version_line), nodes


def fetch_cluster_config(endpoint, timeout=1.0):
    """Asks host:port for its configuration, reading at most MAX_ANSWER bytes within `timeout`."""
    deadline = time.monotonic() + timeout
    with socket.create_connection(endpoint, timeout=timeout) as sock:
        sock.sendall(CONFIG_REQUEST)
        data = b""
        while not data.endswith(ANSWER_END):
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(65536)
            if not chunk or len(data) > MAX_ANSWER:
                raise ValueError("endpoint closed or answered too much")
            data += chunk
    return parse_cluster_config(data)


class Discovery:
    """The endpoint's current (version, ring), refreshed in the background."""

    def __init__(self, endpoint, interval=0.5):
        self.endpoint = endpoint
        self.interval = interval
        self.version, self.ring = self._read()
        self.changes = []          # (monotonic time, version, node count) of every change seen
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="discovery", daemon=True)
        self._thread.start()

    def _read(self):
        version, nodes = fetch_cluster_config(self.endpoint)
        if not nodes:
            raise ValueError("the endpoint lists no node")
        return version, Ring([(ip or host, port) for host, ip, port in nodes])

    def _run(self):
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                version, ring = self._read()
            except (OSError, ValueError):
                continue    # the endpoint is briefly away: keep the last list
            if version > self.version:
                self.version, self.ring = version, ring
                self.changes.append((time.monotonic(), version, len(ring.servers)))
            time.sleep(0.1)   # at most ten reads a second, however many clients wake it

    def node_failed(self):
        self._wake.set()

    def stop(self):
        self._stop.set()
        self._wake.set()
        self._thread.join(5)


class CacheClient:
    """Text-protocol operations routed by the shared ring; one instance per thread."""

    def __init__(self, discovery, timeout=0.5):
        self.discovery = discovery
        self.timeout = timeout
        self.errors = 0
        self._version = None
        self._nodes = {}

    def _node(self, key):
        if self._version != self.discovery.version:
            self.close()
            self._version = self.discovery.version
        server = self.discovery.ring.server_for(key)
        node = self._nodes.get(server)
        if node is None:
            node = Client(server, connect_timeout=self.timeout, timeout=self.timeout, no_delay=True,
                          default_noreply=False)
            self._nodes[server] = node
        return node

    def _call(self, key, operation, failed):
        node = self._node(key)
        try:
            return operation(node)
        except NODE_ERRORS:
            self.errors += 1
            node.close()
            self.discovery.node_failed()
            return failed

    def get(self, key):
        return self._call(key, lambda n: n.get(key), None)

    def gets(self, key):
        return self._call(key, lambda n: n.gets(key), (None, None))

    def set(self, key, value, ttl=0):
        return self._call(key, lambda n: n.set(key, value, expire=ttl), False)

    def add(self, key, value, ttl=0):
        """True when stored, False when the key exists, None when the node failed."""
        return self._call(key, lambda n: n.add(key, value, expire=ttl), None)

    def cas(self, key, value, token, ttl=0):
        return self._call(key, lambda n: n.cas(key, value, token, expire=ttl), False)

    def delete(self, key):
        """True when the node confirmed (DELETED or NOT_FOUND): the key is gone."""
        return self._call(key, lambda n: n.delete(key, noreply=False) in (True, False), False)

    def gat(self, key, ttl):
        """The value, its lifetime reset to `ttl` in the same round trip; None on a miss."""
        def gat(node):
            reply = node.raw_command(b"gat %d %s" % (ttl, key.encode()), b"END\r\n")
            if not reply.startswith(b"VALUE "):
                return None
            header, _, rest = reply.partition(b"\r\n")
            return rest[:int(header.split()[3])]
        return self._call(key, gat, None)

    def close(self):
        for node in self._nodes.values():
            node.close()
        self._nodes = {}
