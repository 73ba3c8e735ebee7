"""--config-file (Debian's /etc/memcached.conf format) and live reloads: SIGHUP and the `config reload`
command re-read the file; dynamic settings change at once (seen in `stats settings` and in behaviour),
static ones are reported in `pending_restart`, and a broken file changes nothing."""
import os
import re
import select
import signal
import socket
import subprocess
import time

import pytest

from cluster_harness import CONFIG_BINARY
from conftest import MEMCACHED_BINARY, SWIFTCACHED_BINARY, ArgvServer, exchange, free_port, with_user

DEBIAN_CONF = "/etc/memcached.conf"
RELOAD_BOUND = 20.0  # seconds a reload may take to show in `stats settings` (a TSan build on a busy machine; loops end as soon as it shows)
METHODS = ["sighup", "command"]


@pytest.fixture
def started():
    servers = []

    def start(argv):
        server = ArgvServer(argv)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


def command(server, line):
    with server.connect() as sock:
        return exchange(sock, line.encode() + b"\r\n")


def stats(server, group=""):
    with server.connect() as sock:
        return stats_on(sock, group)


def stats_on(sock, group=""):
    reply = exchange(sock, ("stats %s\r\n" % group).encode(), until=b"END\r\n")
    return dict(line.split(" ", 2)[1:] for line in reply.decode().split("\r\n") if line.startswith("STAT "))


def debian_wrapper_arguments(path):
    """What Debian's systemd-memcached-wrapper passes memcached for this file: comments stripped,
    -d/-h lines and non-flag directives (`logfile`) dropped, the rest split at blanks."""
    words = []
    for line in open(path):
        line = re.sub(r"(?<!\\)#[^#]*", "", line).strip()
        if not line or re.match(r"-[dh]", line) or not line.startswith("-"):
            continue
        words += line.split()
    return words


def write(path, text):
    with open(path + ".new", "w") as f:
        f.write(text)
    os.replace(path + ".new", path)   # as an editor saving the file: the reload sees all or nothing


def reload(server, method):
    """Re-reads the file; returns the `config reload` answer (None for SIGHUP)."""
    if method == "sighup":
        os.kill(server.pid, signal.SIGHUP)
        return None
    return command(server, "config reload")


def wait_log(server, text, count):
    """Reads the server's output (bounded) until `text` appeared `count` times; returns that count."""
    deadline = time.monotonic() + RELOAD_BOUND
    fd = server.proc.stdout.fileno()
    while server.log.count(text) < count and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            server.log += chunk
    return server.log.count(text)


def wait_settings(server, expected, sock=None):
    """`stats settings` (on `sock` when given) once it shows every expected value (bounded); the last
    one read otherwise."""
    deadline = time.monotonic() + RELOAD_BOUND
    while True:
        current = stats_on(sock, "settings") if sock else stats(server, "settings")
        if all(current.get(k) == v for k, v in expected.items()) or time.monotonic() > deadline:
            return current
        time.sleep(0.05)


@pytest.fixture
def conf(tmp_path):
    return str(tmp_path / "swiftcached.conf")


BASE = "-m 64\n-c 200\n-t 2\n-l 127.0.0.1\n-U 0\n"


def start_with(started, conf, text, *extra):
    write(conf, text)
    return started([SWIFTCACHED_BINARY, "--config-file", conf, "-p", "{port}"] + list(extra))


# ------------------------------------------------------------------ the Debian file, unchanged

def test_debian_conf_starts_with_the_settings_memcached_reads_from_it(started, tmp_path):
    # Overrides on the command line only: a free port, a pid file of our own (the system's memcached
    # may own the file's), and -u root when root (with_user), as every test here.
    overrides = ["-p", "{port}", "-U", "0", "-P", str(tmp_path / "pid")]
    ours = started([SWIFTCACHED_BINARY, "--config-file", DEBIAN_CONF] + overrides)
    theirs = started([MEMCACHED_BINARY] + debian_wrapper_arguments(DEBIAN_CONF) + overrides)
    keys = ["maxbytes", "maxconns", "udpport", "inter", "verbosity", "evictions",
            "chunk_size", "num_threads", "item_size_max", "cas_enabled", "reqs_per_event", "tcp_backlog",
            "binding_protocol", "lru_crawler", "slab_automove", "idle_timeout", "flush_enabled"]
    mine, reference = stats(ours, "settings"), stats(theirs, "settings")
    assert {k: mine.get(k) for k in keys} == {k: reference.get(k) for k in keys}
    # The file has no -f: each server's default (swiftcached's finer class table, docs/architecture.md).
    assert (mine["growth_factor"], reference["growth_factor"]) == ("1.08", "1.25")
    assert mine["inter"] == "127.0.0.1"           # the file's -l, not all interfaces
    assert mine["pending_restart"] == "none"
    assert os.path.exists(str(tmp_path / "pid"))


def test_command_line_overrides_the_file(started, conf):
    server = start_with(started, conf, BASE + "-o idle_timeout=30\n", "-m", "48", "-o", "idle_timeout=40")
    settings = stats(server, "settings")
    assert settings["maxbytes"] == str(48 << 20)
    assert settings["idle_timeout"] == "40"
    assert settings["maxconns"] == "200"          # from the file


@pytest.mark.parametrize("text,where", [
    ("-m 64\n-x 1\n", ":2: Unknown option '-x'"),
    ("-m 64\n\nlisten 1\n", ":3: expected a flag"),
    ("-m 8\n# half of -m at most\n-I 8m\n", ":3: Cannot set item size limit higher than 1/2 of memory max."),
    ("-c 0\n", ":1: Maximum connections must be greater than 0"),
])
def test_a_bad_file_stops_the_start_naming_file_and_line(conf, text, where):
    write(conf, text)
    proc = subprocess.run(with_user([SWIFTCACHED_BINARY, "--config-file", conf, "-p", str(free_port())]),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
    assert proc.returncode == 64
    assert (conf + where).encode() in proc.stdout


def test_missing_file_stops_the_start(tmp_path):
    missing = str(tmp_path / "none.conf")
    proc = subprocess.run(with_user([SWIFTCACHED_BINARY, "--config-file", missing]),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
    assert proc.returncode == 64
    assert (missing + ": No such file or directory").encode() in proc.stdout


# ------------------------------------------------------------------ reloads

DYNAMIC_CHANGES = (
    "-m 32\n-c 150\n-t 2\n-l 127.0.0.1\n-U 0\n-R 7\n-vv\n-F\n"
    "-o idle_timeout=90,slab_automove=2,slab_automove_ratio=0.5\n"
    "-o no_lru_crawler,lru_crawler_sleep=250,lru_crawler_tocrawl=77\n"
    "-o hot_lru_pct=10,warm_lru_pct=30,hot_max_factor=0.5,warm_max_factor=3.5\n"
)
DYNAMIC_EXPECTED = {
    "maxbytes": str(32 << 20), "maxconns": "150", "reqs_per_event": "7", "verbosity": "2",
    "flush_enabled": "no", "idle_timeout": "90", "slab_automove": "2", "slab_automove_ratio": "0.50",
    "lru_crawler": "no", "lru_crawler_sleep": "250", "lru_crawler_tocrawl": "77", "hot_lru_pct": "10",
    "warm_lru_pct": "30", "hot_max_factor": "0.50", "warm_max_factor": "3.50", "pending_restart": "none",
}


@pytest.mark.parametrize("method", METHODS)
def test_every_dynamic_setting_changes_at_once(started, conf, method):
    server = start_with(started, conf, BASE)
    before = stats(server, "settings")
    assert {k: before[k] for k in DYNAMIC_EXPECTED} != DYNAMIC_EXPECTED
    write(conf, DYNAMIC_CHANGES)
    assert reload(server, method) in (None, b"OK\r\n")
    after = wait_settings(server, DYNAMIC_EXPECTED)
    assert {k: after[k] for k in DYNAMIC_EXPECTED} == DYNAMIC_EXPECTED
    assert stats(server)["limit_maxbytes"] == str(32 << 20)
    assert command(server, "flush_all") == b"CLIENT_ERROR flush_all not allowed\r\n"   # -F in behaviour
    server.stop()
    assert b"config reload: applied maxbytes,maxconns,verbosity" in server.log


@pytest.mark.parametrize("method", METHODS)
def test_new_idle_timeout_closes_idle_clients(started, conf, method):
    server = start_with(started, conf, BASE)
    write(conf, BASE + "-o idle_timeout=1\n")
    assert reload(server, method) in (None, b"OK\r\n")
    assert wait_settings(server, {"idle_timeout": "1"})["idle_timeout"] == "1"
    with server.connect(timeout=10) as idle:
        started_at = time.monotonic()
        assert idle.recv(1) == b""                  # closed by the server, not by our timeout
        assert time.monotonic() - started_at < 5
    assert int(stats(server)["idle_kicks"]) >= 1


@pytest.mark.parametrize("method", METHODS)
def test_lower_connection_limit_refuses(started, conf, method):
    server = start_with(started, conf, BASE)
    held = [server.connect() for _ in range(8)]
    try:
        for sock in held:
            assert exchange(sock, b"version\r\n").startswith(b"VERSION ")
        write(conf, BASE.replace("-c 200", "-c 5"))
        if method == "sighup":
            reload(server, method)
        else:                                       # a new connection would be the 9th: use an open one
            assert exchange(held[1], b"config reload\r\n") == b"OK\r\n"
        assert wait_settings(server, {"maxconns": "5"}, sock=held[0])["maxconns"] == "5"
        with server.connect() as extra:            # 8 open (plus this one) >= 5: refused at accept
            extra.settimeout(5)
            assert extra.recv(100) == b"ERROR Too many open connections\r\n"
            assert extra.recv(100) == b""
        for sock in held:                           # the open ones stay served
            assert exchange(sock, b"version\r\n").startswith(b"VERSION ")
        assert int(stats_on(held[0])["rejected_connections"]) >= 1
    finally:
        for sock in held:
            sock.close()


@pytest.mark.parametrize("method", METHODS)
def test_lower_memory_limit_evicts_instead_of_growing(started, conf, method):
    server = start_with(started, conf, BASE.replace("-m 64", "-m 64") + "-o slab_automove=0\n")
    value = b"x" * 100_000
    with server.connect() as sock:
        for i in range(100):                        # ~10 MB in one slab class
            assert exchange(sock, b"set a%d 0 0 %d\r\n%s\r\n" % (i, len(value), value)) == b"STORED\r\n"
        held = int(stats_on(sock, "slabs")["total_malloced"])
        write(conf, BASE.replace("-m 64", "-m 8") + "-o slab_automove=0\n")
        assert reload(server, method) in (None, b"OK\r\n")
        assert wait_settings(server, {"maxbytes": str(8 << 20)})["maxbytes"] == str(8 << 20)
        for i in range(400):                        # 40 MB more: under -m 64 this would take new pages
            assert exchange(sock, b"set b%d 0 0 %d\r\n%s\r\n" % (i, len(value), value)) == b"STORED\r\n"
        figures, slabs = stats_on(sock), stats_on(sock, "slabs")
    assert int(figures["limit_maxbytes"]) == 8 << 20
    assert int(slabs["total_malloced"]) <= held     # no page taken beyond the new limit
    assert int(figures["evictions"]) >= 300         # room made by evicting


@pytest.mark.parametrize("method", METHODS)
def test_static_change_is_pending_until_restart(started, conf, method):
    server = start_with(started, conf, BASE)
    write(conf, BASE.replace("-t 2", "-t 4") + "-I 2m\n-c 300\n")
    assert reload(server, method) in (None, b"OK\r\n")
    settings = wait_settings(server, {"maxconns": "300"})
    assert settings["maxconns"] == "300"                      # the dynamic one in the same file applied
    assert settings["pending_restart"] == "num_threads,num_threads_per_udp,item_size_max"
    assert settings["num_threads"] == "2" and settings["item_size_max"] == str(1 << 20)
    write(conf, BASE)                                         # put back: nothing pending any more
    assert reload(server, method) in (None, b"OK\r\n")
    assert wait_settings(server, {"pending_restart": "none"})["pending_restart"] == "none"
    server.stop()
    assert b"pending restart: num_threads,num_threads_per_udp,item_size_max" in server.log


@pytest.mark.parametrize("text,reason", [
    ("-m 32\n-c abc\n", b":2: "),
    ("-m 32\nnonsense\n", b":2: expected a flag"),
    ("-m 8\n-I 8m\n", b":2: Cannot set item size limit"),
    ("-m 100000\n", b"reserved at start-up"),
    ("-m 4\n", b"less than 8m"),
])
def test_broken_file_changes_nothing(started, conf, text, reason):
    server = start_with(started, conf, BASE)
    before = stats(server, "settings")
    write(conf, text)
    answer = command(server, "config reload")
    assert answer.startswith(b"SERVER_ERROR config reload refused: ") and reason in answer
    assert answer.endswith(b"\r\n") and answer.count(b"\r\n") == 1
    os.kill(server.pid, signal.SIGHUP)
    assert wait_log(server, b"config reload refused, nothing changed", 2) == 2
    assert server.alive()
    assert stats(server, "settings") == before


def test_allowlist_reloaded_with_the_file(started, conf, tmp_path):
    allow = str(tmp_path / "allow")
    write(allow, "127.0.0.1/32\n")
    server = start_with(started, conf, BASE + "--allow-file %s\n" % allow)
    assert command(server, "version").startswith(b"VERSION ")
    write(allow, "10.0.0.0/8\n")
    os.kill(server.pid, signal.SIGHUP)
    deadline = time.monotonic() + RELOAD_BOUND
    refused = False
    while not refused and time.monotonic() < deadline:
        with server.connect() as sock:
            sock.settimeout(2)
            try:
                refused = exchange(sock, b"version\r\n") == b""
            except (ConnectionError, OSError):
                refused = True
        time.sleep(0.05)
    assert refused


def test_config_reload_without_a_file(started):
    server = started([SWIFTCACHED_BINARY, "-p", "{port}", "-U", "0", "-l", "127.0.0.1"])
    assert command(server, "config reload") == \
        b"SERVER_ERROR no configuration file to reload (start with --config-file)\r\n"
    assert "pending_restart" not in stats(server, "settings")


# ------------------------------------------------------------------ swiftcached-config

def test_config_endpoint_reads_its_own_flags_from_the_file(conf, tmp_path):
    state = str(tmp_path / "endpoint.state")
    port = free_port()
    # The port is only in the file: the endpoint answering on it shows the file was read.
    write(conf, "# endpoint\n-p %d\n-l 127.0.0.1\n-t 1\n--state-file %s\n" % (port, state))
    proc = subprocess.Popen([CONFIG_BINARY, "--config-file", conf, "--probe-interval", "0.2"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        answer = None
        while answer is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                    answer = exchange(sock, b"config get cluster\r\n", until=b"END\r\n")
            except OSError:
                time.sleep(0.05)
        assert answer is not None and answer.startswith(b"CONFIG cluster 0 "), answer
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


def test_config_endpoint_refuses_a_bad_line(conf):
    write(conf, "-p 11212\n--probe-interval 0\n")
    proc = subprocess.run([CONFIG_BINARY, "--config-file", conf], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=10)
    assert proc.returncode == 64
    assert (conf + ":2: probe interval must be").encode() in proc.stdout
