"""A minimal memcached text-protocol client for the adversarial suite and the soak run: connecting
(optionally with a small receive buffer), storing, reading one reply, values derived from key and
version so that every read can be checked byte for byte, and a streaming checker of `get` replies.

Standard library only; every wait is bounded by a timeout.
"""
import hashlib
import socket
import time

HOST = "127.0.0.1"


def connect(port, timeout=5.0, rcvbuf=None):
    """A blocking TCP connection to 127.0.0.1:port. `rcvbuf` (bytes) is set before connecting, so
    the advertised window stays small: the way a slow reader looks to the server."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.settimeout(timeout)
        s.connect((HOST, port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s
    except OSError:
        s.close()
        raise


def value_for(key, version, size):
    """`size` bytes determined by key and version: a 32-byte digest repeated (printable hex)."""
    block = hashlib.sha256(("%s:%d" % (key, version)).encode()).hexdigest().encode()
    return (block * (size // len(block) + 1))[:size]


def read_until(sock, terminators, timeout=5.0, limit=64 << 20):
    """Bytes read until the buffer ends with one of `terminators` (bounded by time and size).
    Raises TimeoutError, ConnectionError when the peer closes first."""
    deadline = time.monotonic() + timeout
    data = bytearray()
    while not any(data.endswith(t) for t in terminators):
        left = deadline - time.monotonic()
        if left <= 0 or len(data) > limit:
            raise TimeoutError("no complete reply within %.1fs (%d bytes)" % (timeout, len(data)))
        sock.settimeout(left)
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("closed by the server after %d bytes" % len(data))
        data += chunk
    return bytes(data)


STORE_REPLIES = (b"STORED\r\n", b"NOT_STORED\r\n", b"EXISTS\r\n", b"NOT_FOUND\r\n")
ERROR_ENDINGS = (b"ERROR\r\n",)   # also ends CLIENT_ERROR … and SERVER_ERROR … lines


def line_reply(sock, timeout=5.0):
    """One reply line (for stores, deletes, admin commands)."""
    return read_until(sock, (b"\r\n",), timeout)


def store(sock, key, value, timeout=30.0, command=b"set"):
    """`set key 0 0 len` with `value`; returns the reply line."""
    sock.settimeout(timeout)
    sock.sendall(b"%s %s 0 0 %d\r\n" % (command, key.encode(), len(value)) + value + b"\r\n")
    return line_reply(sock, timeout)


def store_all(port, items, timeout=60.0, auth=None):
    """Stores every (key, value) on a fresh connection; raises unless each answer is STORED."""
    with connect(port, timeout) as s:
        if auth:
            authenticate(s, *auth)
        for key, value in items:
            reply = store(s, key, value, timeout)
            if reply != b"STORED\r\n":
                raise RuntimeError("set %s (%d bytes): %r" % (key, len(value), reply[:200]))


def authenticate(sock, user, password, timeout=5.0):
    """memcached's ASCII authentication (-Y): a set whose data is `user password`."""
    reply = store(sock, "auth", ("%s %s" % (user, password)).encode(), timeout)
    if reply != b"STORED\r\n":
        raise RuntimeError("authentication refused: %r" % reply)


def get_value(sock, key, timeout=5.0):
    """The value of `key`, or None on a miss. Raises on anything but a well-formed reply."""
    sock.settimeout(timeout)
    sock.sendall(b"get %s\r\n" % key.encode())
    reply = read_until(sock, (b"END\r\n",) + ERROR_ENDINGS, timeout)
    if reply == b"END\r\n":
        return None
    header, _, rest = reply.partition(b"\r\n")
    parts = header.split()
    if len(parts) != 4 or parts[0] != b"VALUE" or parts[1] != key.encode():
        raise RuntimeError("unexpected reply to get %s: %r" % (key, reply[:200]))
    length = int(parts[3])
    if len(rest) != length + 7 or rest[length:] != b"\r\nEND\r\n":
        raise RuntimeError("malformed value for %s: %d bytes for %d" % (key, len(rest), length))
    return rest[:length]


def get_many(sock, keys, timeout=5.0):
    """{key: value} for the keys found by one `get k1 k2 …`. Raises on a malformed reply."""
    sock.settimeout(timeout)
    sock.sendall(b"get " + " ".join(keys).encode() + b"\r\n")
    reply = read_until(sock, (b"END\r\n",) + ERROR_ENDINGS, timeout)
    found, at = {}, 0
    while reply[at:] != b"END\r\n":
        line_end = reply.find(b"\r\n", at)
        parts = reply[at:line_end].split()
        if line_end < 0 or len(parts) != 4 or parts[0] != b"VALUE" or parts[1].decode() not in keys:
            raise RuntimeError("unexpected reply to a multi-get: %r" % reply[at:at + 200])
        length, start = int(parts[3]), line_end + 2
        if reply[start + length:start + length + 2] != b"\r\n":
            raise RuntimeError("malformed value for %s" % parts[1])
        found[parts[1].decode()] = reply[start:start + length]
        at = start + length + 2
    return found


def stats(port, group=b"", timeout=5.0):
    """`stats [group]` as a dict of strings."""
    with connect(port, timeout) as s:
        s.sendall(b"stats %s\r\n" % group if group else b"stats\r\n")
        reply = read_until(s, (b"END\r\n",), timeout)
    out = {}
    for line in reply.split(b"\r\n"):
        parts = line.split(b" ", 2)
        if len(parts) == 3 and parts[0] == b"STAT":
            out[parts[1].decode()] = parts[2].decode()
    return out


class GetReplyChecker:
    """Follows a stream of `get` replies (VALUE key flags len / data / END) as it arrives, in
    pieces of any size, and compares every data byte with `expected(key)`. Counts values checked
    and mismatches; anything that is not a get reply is a protocol error."""

    def __init__(self, expected):
        self.expected = expected
        self.buffer = bytearray()
        self.current = None        # (key, expected value, bytes of it already compared)
        self.values = self.mismatches = self.protocol_errors = self.ends = 0

    def feed(self, data):
        self.buffer += data
        while self._step():
            pass

    def _step(self):
        if self.current is not None:
            return self._compare_data()
        line_end = self.buffer.find(b"\r\n")
        if line_end < 0:
            return False
        line = bytes(self.buffer[:line_end])
        del self.buffer[:line_end + 2]
        parts = line.split()
        if line == b"END":
            self.ends += 1
        elif len(parts) == 4 and parts[0] == b"VALUE":
            key = parts[1].decode()
            want = self.expected(key)
            if want is None or len(want) != int(parts[3]):
                self.mismatches += 1
                want = b"\0" * int(parts[3])  # still step over the data block
            self.current = [key, want, 0]
        else:
            self.protocol_errors += 1
        return True

    def _compare_data(self):
        key, want, done = self.current
        take = min(len(self.buffer), len(want) + 2 - done)
        if take == 0:
            return False
        piece = bytes(self.buffer[:take])
        del self.buffer[:take]
        expected_piece = (want + b"\r\n")[done:done + take]
        if piece != expected_piece:
            self.mismatches += 1
        self.current[2] = done + take
        if self.current[2] == len(want) + 2:
            self.current = None
            self.values += 1
        return True
