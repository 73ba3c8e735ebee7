"""Helpers for the admin listener's tests: a server with --metrics-port on a free port, plain HTTP
requests over a socket (so malformed ones can be sent too), and the sockets a process listens on."""
import json
import os
import socket
import time
import urllib.request

from conftest import free_port

HTTP_TIMEOUT = 5.0


def start_with_metrics(server_factory, args=("-m", "64", "-t", "2")):
    """A started server with its admin listener on a free port; returns (server, admin_port).
    A port taken between probe and bind makes the server exit: try another."""
    last = None
    for _attempt in range(3):
        port = free_port()
        try:
            server = server_factory(list(args) + ["--metrics-port", str(port)])
        except RuntimeError as error:
            last = error
            continue
        wait_until_listening(port)
        return server, port
    raise RuntimeError(last)


def wait_until_listening(port, seconds=10):
    """The admin listener binds just after the memcache port the factory waited for."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def get(port, path, method="GET"):
    """(status, headers dict lower-cased, body bytes) of one request."""
    request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method)
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def get_json(port, path="/stats.json"):
    status, _, body = get(port, path)
    assert status == 200
    return json.loads(body)


def raw_exchange(port, data, timeout=HTTP_TIMEOUT):
    """Sends raw bytes and reads until the server closes or `timeout`; returns what came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except OSError:
            pass  # the server may close before taking all of an over-long request
        chunks = []
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def status_of(response):
    """The status code of a raw HTTP response, or None for no response."""
    if not response.startswith(b"HTTP/1."):
        return None
    return int(response.split(b" ", 2)[1])


def listening_tcp_ports(pid):
    """The TCP ports process `pid` listens on (its socket inodes matched against /proc/net/tcp*)."""
    inodes = set()
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == "0A" and inode in inodes:  # 0A: LISTEN
                    ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


class StatsConnection:
    """One protocol connection that reads `stats [group]` answers as {name: value string}, exactly
    as printed (no client-side type conversion)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=HTTP_TIMEOUT)
        self.pending = b""

    def command(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        while b"END\r\n" not in self.pending and not self.pending.startswith(b"ERROR"):
            chunk = self.sock.recv(65536)
            assert chunk, "server closed the stats connection"
            self.pending += chunk
        answer, _, self.pending = self.pending.partition(b"END\r\n")
        return answer

    def stats(self, group=None):
        answer = self.command("stats " + group if group else "stats")
        result = {}
        for line in answer.decode().split("\r\n"):
            if line.startswith("STAT "):
                name, _, value = line[5:].partition(" ")
                result[name] = value
        return result

    def close(self):
        self.sock.close()
