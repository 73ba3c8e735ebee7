"""Shared fixtures for the client tests: start servers on free loopback ports, stop them always.

SWIFTCACHED_BINARY  path of the server under test (default .build/release/swiftcached).
                    Pointing it at /usr/bin/memcached runs every test against memcached itself,
                    which checks the harness (expected-difference tests then expect no difference).
MEMCACHED_BINARY    the reference server for differential tests (default: memcached on PATH).
"""
import os
import shutil
import socket
import subprocess
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SWIFTCACHED_BINARY = os.environ.get(
    "SWIFTCACHED_BINARY", os.path.join(REPO, ".build", "release", "swiftcached"))
MEMCACHED_BINARY = os.environ.get("MEMCACHED_BINARY") or shutil.which("memcached") or "/usr/bin/memcached"

START_TIMEOUT = 10.0   # seconds a server gets to accept connections
STOP_TIMEOUT = 5.0     # seconds between SIGTERM and SIGKILL


def is_memcached(binary):
    return os.path.basename(binary).startswith("memcached")


def with_user(argv):
    """argv plus `-u root` when running as root: memcached and swiftcached both refuse to run as root
    without -u (and with it, switch to that user)."""
    if os.geteuid() == 0 and "-u" not in argv:
        return argv + ["-u", "root"]
    return argv


TARGET_IS_MEMCACHED = is_memcached(SWIFTCACHED_BINARY)

# memcached's default growth factor, given to both servers where a test compares class ids or chunk
# sizes with memcached: swiftcached's default table is finer (-f 1.08, docs/architecture.md, "Slab
# classes"), and `-f 1.25` gives memcached's table exactly.
MEMCACHED_CLASS_TABLE = ["-f", "1.25"]


def exchange(sock, request, until=b"\r\n", seconds=5.0):
    """Sends `request`, reads until the reply ends with `until`, the peer closes or `seconds` pass."""
    sock.sendall(request)
    data, deadline = b"", time.monotonic() + seconds
    while not data.endswith(until) and time.monotonic() < deadline:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    return data


def stop_process(proc):
    """SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One server process on 127.0.0.1:port. Always call stop() (the fixtures do).
    `preexec_fn` runs in the child before exec (Scripts/adversarial.py puts it in a memory cgroup)."""

    def __init__(self, binary, args=(), name=None, preexec_fn=None):
        self.binary = binary
        self.preexec_fn = preexec_fn
        self.extra = list(args)
        self.name = name or os.path.basename(binary)
        self.proc = None
        self.port = None
        self.log = b""

    def start(self):
        last_error = None
        for _attempt in range(3):      # a free port can be taken between probe and bind: retry
            self.port = free_port()
            argv = with_user([self.binary, "-U", "0", "-l", "127.0.0.1", "-p", str(self.port)] + self.extra)
            self.argv = argv
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, preexec_fn=self.preexec_fn)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                    return self
                except OSError as e:
                    last_error = e
                    time.sleep(0.05)
            out = self._reap()
            last_error = "%s exited or did not listen within %.0fs: %r; output: %r" % (
                argv, START_TIMEOUT, last_error, out[-2000:])
        raise RuntimeError(last_error)

    def _reap(self):
        if self.proc is None:
            return b""
        stop_process(self.proc)
        try:
            out = self.proc.stdout.read() or b""
        except Exception:
            out = b""
        self.proc.stdout.close()
        self.proc = None
        self.log += out
        return out

    def stop(self):
        self._reap()

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def connect(self, timeout=5.0):
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)


class ArgvServer(Server):
    """A server started with exactly `argv` (`{port}` replaced by a free port, `-u root` added when
    root): Server adds its own -l, which would be a second -l next to a config file's."""

    def __init__(self, argv):
        super().__init__(argv[0], name=os.path.basename(argv[0]))
        self.template = argv

    def start(self):
        for _attempt in range(3):
            self.port = free_port()
            argv = with_user([word.replace("{port}", str(self.port)) for word in self.template])
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                    return self
                except OSError:
                    time.sleep(0.05)
            out = self._reap()
        raise RuntimeError("%s did not start: %r" % (self.template, out[-2000:]))


@pytest.fixture
def server_factory():
    """start(args=[...], binary=None) -> started Server; every server is stopped at teardown."""
    started = []

    def start(args=("-m", "64"), binary=None):
        s = Server(binary or SWIFTCACHED_BINARY, args)
        started.append(s)
        return s.start()

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def swiftcached(server_factory):
    """The server under test with -m 64 -t 2 on a free port."""
    return server_factory(["-m", "64", "-t", "2"])


@pytest.fixture(scope="module")
def module_pair():
    """(memcached, swiftcached), started with the same flags (memcached's class table, so class ids
    compare), shared by one test module."""
    flags = ["-m", "64", "-t", "2"] + MEMCACHED_CLASS_TABLE
    ref = Server(MEMCACHED_BINARY, flags, name="memcached")
    sut = Server(SWIFTCACHED_BINARY, flags, name="swiftcached")
    try:
        ref.start()
        sut.start()
        yield ref, sut
    finally:
        ref.stop()
        sut.stop()


# Measurements that tests report (printed at the end of the pytest run, pass or fail).
MEASUREMENTS = []


def pytest_terminal_summary(terminalreporter):
    if MEASUREMENTS:
        terminalreporter.section("measurements")
        for line in MEASUREMENTS:
            terminalreporter.write_line(line)
