"""Shared pieces of the side-by-side benchmarks (Scripts/bench.py, Scripts/bench_instructions.py):
finding the tools, starting and stopping a server (optionally pinned or under a wrapper such as
valgrind), running memtier_benchmark and reading its JSON, and measuring the machine's other load.

Standard library only, so the benchmarks run with the system python3.
"""
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SWIFTCACHED_DEFAULT = os.path.join(REPO, ".build", "release", "swiftcached")
MEMTIER_HINT = """memtier_benchmark is not on PATH. It is not a Debian package: build it outside this
repository from https://github.com/RedisLabs/memtier_benchmark (Debian packages build-essential autoconf
automake libtool libpcre3-dev libevent-dev pkg-config zlib1g-dev libssl-dev; `autoreconf -ivf &&
./configure && make`) and put its directory on PATH, or name the binary in $MEMTIER_BINARY or $MEMTIER:
    export PATH=<folder of memtier_benchmark>:$PATH"""
CLK_TCK = os.sysconf("SC_CLK_TCK")


def die(message, status=2):
    print(message, file=sys.stderr)
    sys.exit(status)


def require_tool(name, hint):
    path = shutil.which(name)
    if not path:
        die("%s: %s" % (os.path.basename(sys.argv[0]), hint))
    return path


def memtier_path():
    """$MEMTIER_BINARY, else $MEMTIER, when set (a path), else memtier_benchmark on PATH."""
    for variable in ("MEMTIER_BINARY", "MEMTIER"):
        given = os.environ.get(variable)
        if given:
            if not os.access(given, os.X_OK):
                die("%s=%s is not an executable memtier_benchmark" % (variable, given))
            return given
    return require_tool("memtier_benchmark", MEMTIER_HINT)


def server_binaries(swiftcached=None, memcached=None):
    """(swiftcached, memcached) paths; builds the release server when it is missing."""
    sw = swiftcached or os.environ.get("SWIFTCACHED_BINARY") or SWIFTCACHED_DEFAULT
    mc = memcached or os.environ.get("MEMCACHED_BINARY") or shutil.which("memcached")
    if not mc or not os.access(mc, os.X_OK):
        die("memcached not found: apt-get install memcached (or set MEMCACHED_BINARY)")
    if not os.access(sw, os.X_OK):
        print("%s missing: building it (swift build -c release)" % sw, flush=True)
        subprocess.run(["swift", "build", "-c", "release"], cwd=REPO, check=True)
    return sw, mc


def version(binary):
    out = subprocess.run([binary, "-V"], capture_output=True, text=True).stdout.strip()
    return out.splitlines()[0] if out else "?"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_fd_limit(needed):
    """The servers' -c and a 1,000-connection load need file descriptors in this process tree."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            die("ulimit -n is %d (hard %d); %d file descriptors needed" % (soft, hard, needed))
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def taskset(cpu):
    return [] if cpu is None else ["taskset", "-c", str(cpu)]


_USER_FLAG = {}


def accepts_user_flag(binary):
    """Whether `binary -h` lists -u (swiftcached builds from before it existed reject it, and run as
    root without it; comparisons with such a build still work)."""
    if binary not in _USER_FLAG:
        listing = subprocess.run([binary, "-h"], capture_output=True, text=True, timeout=30)
        _USER_FLAG[binary] = any(word.startswith("-u,") for word in (listing.stdout + listing.stderr).split())
    return _USER_FLAG[binary]


class Server:
    """One server process on a free 127.0.0.1 port: `-U 0 -l 127.0.0.1 -p PORT` plus `args`.
    `wrapper` goes in front of the command (taskset, valgrind)."""

    def __init__(self, label, binary, args, log_path, wrapper=(), start_timeout=15.0):
        self.label, self.binary, self.port = label, binary, free_port()
        argv = list(wrapper) + [binary, "-U", "0", "-l", "127.0.0.1", "-p", str(self.port)] + list(args)
        if os.geteuid() == 0 and accepts_user_flag(binary):
            argv += ["-u", "root"]  # both servers refuse to run as root without -u
        self.argv = argv
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        die("%s did not start (%s); log: %s" % (label, " ".join(argv), log_path), 1)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def cpu_seconds(self):
        """User + system CPU time of the server process (all its threads) so far."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def pause(self):
        """SIGSTOP: while the other server is measured, this one's background threads (LRU
        crawler, maintainer, rebalancer) must not take CPU from it — in the pinned mode both
        servers share one core."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)

    def stop(self, timeout=10.0):
        if self.proc.poll() is None:
            self.resume()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


class CpuMeter:
    """Share of all CPUs used during an interval by processes other than ours (the server and
    our children, e.g. memtier): the machine is shared, so every run records how busy it was."""

    def __init__(self, server):
        self.server = server
        self.total0, self.idle0 = self._proc_stat()
        self.server0 = server.cpu_seconds()
        self.children0 = self._children()

    @staticmethod
    def _proc_stat():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return sum(v), v[3] + v[4]

    @staticmethod
    def _children():
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    def finish(self):
        """(server CPU seconds, client CPU seconds, other load in % of all CPUs)."""
        total1, idle1 = self._proc_stat()
        server = self.server.cpu_seconds() - self.server0
        client = self._children() - self.children0
        total_s = (total1 - self.total0) / CLK_TCK
        busy_s = (total1 - self.total0 - (idle1 - self.idle0)) / CLK_TCK
        other = max(0.0, busy_s - server - client)
        return server, client, (100.0 * other / total_s if total_s else 0.0)


def uptime():
    with open("/proc/loadavg") as f:
        return "load average " + " ".join(f.read().split()[:3])


def memtier_args(port, protocol="memcache_text", data_size=100, key_min=100000, key_max=199999):
    return ["-s", "127.0.0.1", "-p", str(port), "-P", protocol, "-d", str(data_size),
            "--key-minimum=%d" % key_min, "--key-maximum=%d" % key_max, "--hide-histogram"]


def prefill_args():
    """Sets of every key once, in order, so that later gets hit."""
    return ["-c", "4", "-t", "1", "--ratio=1:0", "-n", "allkeys", "--key-pattern=P:P"]


def run_memtier(args, log_prefix, cpu=None, timeout=600):
    """Runs memtier_benchmark with `args` (plus a JSON output file); returns (totals dict from its
    JSON, error lines from its stderr, exit status)."""
    json_path = log_prefix + ".json"
    argv = taskset(cpu) + [memtier_path()] + list(args) + ["--json-out-file=" + json_path]
    with open(log_prefix + ".out", "w") as out, open(log_prefix + ".err", "w") as err:
        status = subprocess.run(argv, stdout=out, stderr=err, timeout=timeout).returncode
    with open(log_prefix + ".err") as f:
        # memtier's stderr carries a progress line per second; anything else is trouble.
        errors = [l.strip() for l in f.read().replace("\r", "\n").splitlines()
                  if l.strip() and ("error" in l.lower() or "failed" in l.lower()
                                    or "connection dropped" in l.lower())]
    totals = {}
    if os.path.exists(json_path):
        with open(json_path) as f:
            totals = json.load(f)["ALL STATS"]["Totals"]
    if totals.get("Connection Errors"):
        errors.append("%d connection errors" % totals["Connection Errors"])
    return totals, errors, status


def memtier_summary(totals):
    """ops/s, p50/p99/p99.9 in ms and hit ratio from memtier's Totals."""
    pl = totals.get("Percentile Latencies", {})
    hits, misses = totals.get("Hits/sec", 0.0), totals.get("Misses/sec", 0.0)
    return dict(ops=totals.get("Ops/sec", 0.0), p50=pl.get("p50.00", 0.0), p99=pl.get("p99.00", 0.0),
                p999=pl.get("p99.90", 0.0), hit=(hits / (hits + misses) if hits + misses else 1.0))
