"""Servers started on ephemeral ports (memcached's `-p -1` / `-U -1`) that report the ports they got
through MEMCACHED_PORT_FILENAME, for memcached and swiftcached alike."""
import os
import re
import socket
import subprocess
import tempfile
import time

from conftest import stop_process, with_user

LINE = re.compile(r"^(TCP|UDP) (INET6?): ([0-9]+)$")


class PortFileServer:
    """`binary args` with MEMCACHED_PORT_FILENAME set; `start()` waits (bounded) for the file. Use
    as a context manager so the process is always stopped."""

    def __init__(self, binary, args, wait=10.0):
        self.binary, self.args, self.wait = binary, list(args), wait
        self.directory = tempfile.mkdtemp(prefix="portfile-")
        self.path = os.path.join(self.directory, "ports")
        self.proc = None
        self.output = b""

    def __enter__(self):
        env = dict(os.environ, MEMCACHED_PORT_FILENAME=self.path)
        self.proc = subprocess.Popen(with_user([self.binary] + self.args), env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.wait
        while not os.path.exists(self.path) and time.monotonic() < deadline and self.proc.poll() is None:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        stop_process(self.proc)
        self.output = self.proc.stdout.read() or b""
        self.proc.stdout.close()
        for name in os.listdir(self.directory):
            os.unlink(os.path.join(self.directory, name))
        os.rmdir(self.directory)

    def text(self):
        with open(self.path) as f:
            return f.read()

    def ports(self):
        """[(kind, family, port)] in the file's order; every line must have memcached's format."""
        result = []
        for line in self.text().splitlines():
            match = LINE.match(line)
            assert match, "not memcached's port file format: %r" % line
            result.append((match.group(1), match.group(2), int(match.group(3))))
        return result

    def port(self, kind="TCP", family="INET"):
        return next(p for k, f, p in self.ports() if (k, f) == (kind, family))

    def connect(self, timeout=5.0):
        return socket.create_connection(("127.0.0.1", self.port()), timeout=timeout)
