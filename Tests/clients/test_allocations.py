"""The request path allocates nothing: a malloc counter (malloc_counter.c, LD_PRELOAD) around a running
server counts heap allocations while it serves 20,000 pipelined requests of every common kind, after
a warm-up that lets per-connection buffers reach their working size.

Not run against the ThreadSanitizer build (TSan's runtime replaces malloc itself; Scripts/test.sh
deselects this file there, as it does the memory-bound test).
"""
import os
import shutil
import signal
import subprocess
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REQUESTS = 20_000
# Zero is what the code is built for; a handful is allowed for the server's own once-a-second timer
# work during the measurement. Per-request allocation would show up as thousands.
ALLOWED = 16


@pytest.fixture(scope="module")
def counter_library(tmp_path_factory):
    compiler = shutil.which("cc") or shutil.which("gcc")
    assert compiler, "a C compiler is needed to build the malloc counter"
    library = str(tmp_path_factory.mktemp("malloc") / "malloc_counter.so")
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", library, os.path.join(HERE, "malloc_counter.c"), "-ldl"],
                   check=True)
    return library


def count(server, path):
    """Asks the server's counter for its total (SIGUSR2) and waits for the file to change."""
    before = os.path.getmtime(path) if os.path.exists(path) else None
    os.kill(server.pid, signal.SIGUSR2)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if os.path.exists(path) and os.path.getmtime(path) != before:
            text = open(path).read()
            if text:
                return int(text)
        time.sleep(0.01)
    raise AssertionError("the malloc counter did not report")


def batch(index):
    """One pipelined batch of 20 requests over 1,000 keys of the same length (no hash growth)."""
    key = b"alloc%04d" % (index % 1000)
    value = b"v" * 100
    return (b"set %s 0 0 100\r\n%s\r\n" % (key, value) + b"get %s\r\n" % key + b"gets %s\r\n" % key
            + b"get %s alloc0001 alloc0002 alloc0003\r\n" % key + b"touch %s 0\r\n" % key
            + b"set n%s 0 0 1\r\n5\r\n" % key[5:] + b"incr n%s 3\r\n" % key[5:] + b"decr n%s 1\r\n" % key[5:]
            + b"append %s 0 0 1\r\nx\r\n" % key + b"prepend %s 0 0 1\r\ny\r\n" % key
            + b"cas %s 0 0 1 1\r\nz\r\n" % key + b"delete missing%04d\r\n" % (index % 1000)
            + b"add %s 0 0 1\r\nq\r\n" % key + b"replace %s 0 0 100\r\n%s\r\n" % (key, value)
            + b"get nosuchkey\r\n" + b"mg %s v f t\r\n" % key + b"ms %s 2 T0\r\nhi\r\n" % key
            + b"md missing\r\n" + b"mn\r\n" + b"version\r\n")


def last_line(reply):
    """The last complete line of a reply, or b"" while it is still incomplete."""
    if not reply.endswith(b"\r\n"):
        return b""
    return reply[reply.rfind(b"\r\n", 0, len(reply) - 2) + 2:]


def serve(connection, batches, first=0):
    for index in range(first, first + batches):
        connection.sendall(batch(index))
        reply = b""
        while not last_line(reply).startswith(b"VERSION "):   # each batch ends with `version`
            chunk = connection.recv(65536)
            assert chunk, "connection closed"
            reply += chunk
        assert b"ERROR" not in reply, reply[:400]


def test_requests_allocate_nothing(server_factory, counter_library, tmp_path, monkeypatch):
    report = str(tmp_path / "count")
    monkeypatch.setenv("LD_PRELOAD", counter_library)
    monkeypatch.setenv("MALLOC_COUNTER_FILE", report)
    server = server_factory(["-m", "64", "-t", "2"])
    monkeypatch.delenv("LD_PRELOAD")
    with server.connect(timeout=30) as connection:
        serve(connection, 200)                      # warm-up: buffers grow to their working size
        before = count(server, report)
        serve(connection, REQUESTS // 20, first=200)
        after = count(server, report)
    allocations = after - before
    print("\nheap allocations while serving %d requests: %d" % (REQUESTS, allocations))
    assert before > 0, "the counter saw no allocation at all: is it loaded?"
    assert allocations <= ALLOWED, "%d heap allocations for %d requests" % (allocations, REQUESTS)
