"""Starting a server under test inside a memory bound, so that a runaway (a server that copies a
gigabyte of output for one request) cannot push the shared machine into the OOM killer's hands.

A cgroup v1 memory group (`/sys/fs/cgroup/memory/<name>`, `memory.limit_in_bytes`) when this
process may create one (root); otherwise RLIMIT_AS on the child, a cruder bound that counts
virtual memory, so it gets `AS_HEADROOM` on top for thread stacks and the arena's reservation.
The child joins the group from `preexec_fn`, between fork and exec. The server itself is started
by the test suite's launcher (Tests/clients/conftest.py `Server`), which retries on a port race.
"""
import os
import resource
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "Tests", "clients"))
from conftest import MEMCACHED_BINARY, SWIFTCACHED_BINARY, Server  # noqa: E402,F401

CGROUP_ROOT = "/sys/fs/cgroup/memory"
AS_HEADROOM = 4 << 30
MB = 1 << 20


class Confinement:
    """One memory bound for one server process; `remove()` it after the process has exited."""

    def __init__(self, name, limit_bytes):
        self.limit = limit_bytes
        self.path = os.path.join(CGROUP_ROOT, name)
        self.kind = "cgroup v1 %d MB" % (limit_bytes // MB)
        try:
            os.mkdir(self.path)
            self._write("memory.limit_in_bytes", limit_bytes)
        except OSError as error:
            self._rmdir()
            self.path = None
            self.kind = "RLIMIT_AS %d MB (no cgroup: %s)" % ((limit_bytes + AS_HEADROOM) // MB, error.strerror)

    def _write(self, name, value):
        with open(os.path.join(self.path, name), "w") as f:
            f.write(str(value))

    def _read(self, name):
        with open(os.path.join(self.path, name)) as f:
            return f.read()

    def enter(self):
        """preexec_fn: runs in the child before exec, so the server starts confined."""
        if self.path:
            self._write("cgroup.procs", os.getpid())
        else:
            bound = self.limit + AS_HEADROOM
            resource.setrlimit(resource.RLIMIT_AS, (bound, bound))

    def usage(self):
        """What the cgroup saw: peak bytes charged, times the limit was hit, OOM kills."""
        if not self.path:
            return dict(max_usage_mb=None, failcnt=None, oom_kills=None)
        oom = dict(line.split() for line in self._read("memory.oom_control").splitlines() if line.strip())
        return dict(max_usage_mb=int(self._read("memory.max_usage_in_bytes")) / MB,
                    failcnt=int(self._read("memory.failcnt")), oom_kills=int(oom.get("oom_kill", 0)))

    def _rmdir(self):
        try:
            os.rmdir(self.path)
        except OSError:
            pass

    def remove(self):
        if self.path:
            self._rmdir()


def start_confined(binary, flags, name, limit_bytes):
    """(started Server, its Confinement). Stop the server, then remove the confinement."""
    confinement = Confinement("%s-%d" % (name, os.getpid()), limit_bytes)
    server = Server(binary, flags, name=name, preexec_fn=confinement.enter)
    try:
        server.start()
    except BaseException:
        confinement.remove()
        raise
    return server, confinement
