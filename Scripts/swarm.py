"""Many client connections driven from one thread, every loop bounded by a count and a deadline:
opening them, pushing a payload through all of them without blocking on any one, reading them
slowly, and telling which ones the server has closed."""
import errno
import selectors
import socket
import time

import memclient

HEAD_BYTES = 120
LINGER_RESET = b"\x01\x00\x00\x00\x00\x00\x00\x00"   # struct linger {on, 0 seconds}
CLOSED_ERRNOS = (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED, errno.ENOTCONN)


class Swarm:
    """`n` connections to one port. `closed[i]` says the server closed connection i (EOF or reset),
    `received[i]` counts its bytes read; `refused` counts connects that failed."""

    def __init__(self, port, n, deadline, rcvbuf=None):
        self.socks, self.refused, self.refusal = [], 0, None
        for _ in range(n):
            if time.monotonic() >= deadline:
                break
            try:
                s = memclient.connect(port, timeout=5.0, rcvbuf=rcvbuf)
                s.setblocking(False)
                self.socks.append(s)
            except OSError as error:
                self.refused += 1
                self.refusal = self.refusal or str(error)
        self.closed = [False] * len(self.socks)
        self.received = [0] * len(self.socks)
        self.sent = [0] * len(self.socks)
        self.heads = [b""] * len(self.socks)   # the first bytes each connection received

    def __len__(self):
        return len(self.socks)

    def open_indices(self):
        return [i for i in range(len(self.socks)) if not self.closed[i]]

    def send(self, payloads, deadline):
        """Sends payloads[i] on connection i, all interleaved, until everything went, the server
        closed the connection, or the deadline. Returns bytes sent in all."""
        views = [memoryview(p) for p in payloads]
        selector = selectors.DefaultSelector()
        for i in self.open_indices():
            if i < len(views) and len(views[i]):
                selector.register(self.socks[i], selectors.EVENT_WRITE, i)
        total = 0
        while selector.get_map() and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=min(0.2, max(0.0, deadline - time.monotonic()))):
                i = key.data
                total += self.send_one(i, views[i][self.sent[i]:self.sent[i] + (256 << 10)])
                if self.closed[i] or self.sent[i] >= len(views[i]):
                    selector.unregister(self.socks[i])
        selector.close()
        return total

    def _attempt(self, i, operation):
        """operation(socket) on connection i: None when it would block, b"" / 0 once closed."""
        if self.closed[i]:
            return None
        try:
            return operation(self.socks[i])
        except BlockingIOError:
            return None
        except OSError as error:
            if error.errno not in CLOSED_ERRNOS:
                raise
            self.closed[i] = True
            return None

    def send_one(self, i, data):
        """One non-blocking send on connection i; what the socket does not take is dropped (the
        callers send a byte or a short request). Returns bytes sent."""
        n = self._attempt(i, lambda s: s.send(data)) or 0
        self.sent[i] += n
        return n

    def send_each(self, payload, deadline):
        return self.send([payload] * len(self.socks), deadline)

    def read_some(self, i, limit, sink=None):
        """Reads at most `limit` bytes from connection i if any are waiting; marks it closed on EOF."""
        data = self._attempt(i, lambda s: s.recv(limit))
        if data is None:
            return 0
        if not data:
            self.closed[i] = True
            return 0
        self.received[i] += len(data)
        if len(self.heads[i]) < HEAD_BYTES:
            self.heads[i] += data[:HEAD_BYTES - len(self.heads[i])]
        if sink is not None:
            sink(i, data)
        return len(data)

    def read_slowly(self, bytes_per_second, seconds, sink=None, tick=0.25):
        """Every `tick`, reads up to bytes_per_second × tick from each open connection, for
        `seconds`: a client that reads, but far slower than the server could send."""
        end = time.monotonic() + seconds
        per_tick = max(1, int(bytes_per_second * tick))
        while time.monotonic() < end:
            began = time.monotonic()
            for i in self.open_indices():
                self.read_some(i, per_tick, sink)
            time.sleep(max(0.0, tick - (time.monotonic() - began)))

    def poll_closed(self):
        """Drains what is waiting (up to 64 KB per connection) and returns how many are closed."""
        for i in self.open_indices():
            self.read_some(i, 65536)
        return sum(self.closed)

    def first_replies(self):
        """'reply line ×count' for the distinct first lines the connections received (or 'none')."""
        counts = {}
        for head in self.heads:
            line = head.split(b"\r\n", 1)[0][:60].decode("latin-1") if head else "none"
            counts[line] = counts.get(line, 0) + 1
        return ", ".join("%r x%d" % item for item in sorted(counts.items(), key=lambda kv: -kv[1]))

    def close(self):
        """Closes with a reset rather than a FIN, so ten thousand closes leave no TIME_WAIT
        entries (and no exhausted ephemeral ports) behind for the next case."""
        for s in self.socks:
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
                s.close()
            except OSError:
                pass
        self.socks = []


def hold(seconds):
    """The case keeps its connections as they are while the samplers run."""
    time.sleep(seconds)

