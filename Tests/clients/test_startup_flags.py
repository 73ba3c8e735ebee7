"""memcached 1.6.18's process and admin flags, one test each, side by side with memcached: accepted or
refused alike (with memcached's message), the settings `stats settings` shows, and what the flag does
to the process (-d, -P, -u, -k, -r, -A) or to commands (-F, -W, -D)."""
import os
import signal
import socket
import subprocess
import time

import pytest

from conftest import MEMCACHED_BINARY, SWIFTCACHED_BINARY, Server, exchange, free_port
from startup import assert_refused_like_memcached

BINARIES = {"memcached": MEMCACHED_BINARY, "swiftcached": SWIFTCACHED_BINARY}


def ask(server, line, until=b"\r\n"):
    with server.connect() as s:
        return exchange(s, line, until)


def settings_of(server):
    lines = ask(server, b"stats settings\r\n", until=b"END\r\n").decode().split("\r\n")
    return dict(line.split(" ", 2)[1:] for line in lines if line.startswith("STAT "))


def both(flags):
    """Starts memcached and swiftcached with `flags`; yields (memcached, swiftcached)."""
    return [Server(BINARIES[name], flags, name=name).start() for name in ("memcached", "swiftcached")]


def stop_all(servers):
    for server in servers:
        server.stop()


def pid_in(pid_file, seconds=10):
    """The pid a server wrote to `pid_file`. Both servers write it just after they start listening,
    so a client can connect a moment before the file appears (a wide moment under TSan)."""
    deadline = time.monotonic() + seconds
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return int(pid_file.read_text())


def process_status(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return line.split()[1:]
    raise AssertionError("no %s in /proc/%d/status" % (field, pid))


# Accepted by both, with the same stats settings lines (the no-ops and the switches alike).
SETTINGS_CASES = {
    "-A": (["-A"], ["shutdown_command"]),
    "-F": (["-F"], ["flush_enabled"]),
    "-D": (["-D", "#"], ["stat_key_prefix", "detail_enabled"]),
    "-L": (["-L"], ["maxbytes"]),
    "-W": (["-W"], []),
    "-o no_modern": (["-o", "no_modern"], ["maxconns_fast", "slab_reassign", "slab_automove", "slab_chunk_max",
                                             "lru_crawler", "hash_algorithm", "lru_maintainer_thread"]),
    "-o tail_repair_time": (["-o", "tail_repair_time=20"], ["tail_repair_time"]),
    "-o hash_algorithm": (["-o", "hash_algorithm=xxh3"], ["hash_algorithm"]),
    "-o watcher_logbuf_size": (["-o", "watcher_logbuf_size=8"], ["watcher_logbuf_size"]),
    "-o worker_logbuf_size": (["-o", "worker_logbuf_size=64"], ["worker_logbuf_size"]),
    "-o slab_automove_freeratio": (["-o", "slab_automove_freeratio=0.5"], ["slab_automove_freeratio"]),
    "-o sock_cookie_id": (["-o", "sock_cookie_id=7"], []),
    "-o no_maxconns_fast": (["-o", "no_maxconns_fast"], ["maxconns_fast"]),
    "-o no_slab_reassign": (["-o", "no_slab_reassign"], ["slab_reassign"]),
    "-o read_buf_mem_limit": (["-o", "read_buf_mem_limit=16"], ["read_buf_mem_limit"]),
}
DEFAULT_KEYS = ["tail_repair_time", "hash_algorithm", "watcher_logbuf_size", "worker_logbuf_size",
                "inline_ascii_response", "slab_automove_freeratio", "num_napi_ids", "memory_file",
                "shutdown_command", "flush_enabled", "stat_key_prefix", "detail_enabled"]


@pytest.mark.parametrize("name", sorted(SETTINGS_CASES))
def test_flag_accepted_with_memcacheds_settings(name):
    flags, keys = SETTINGS_CASES[name]
    servers = both(flags)
    try:
        ref, sut = (settings_of(s) for s in servers)
        for key in keys + DEFAULT_KEYS:
            assert sut.get(key) == ref.get(key), (name, key, ref.get(key), sut.get(key))
    finally:
        stop_all(servers)


# Bad values: refused like memcached (its first line of explanation), or accepted like it.
@pytest.mark.parametrize("args", [
    ["-N", "0"], ["-N", "x"], ["-N", "3"], ["-D", ""],
    ["-o", "tail_repair_time"], ["-o", "tail_repair_time=5"], ["-o", "tail_repair_time=x"],
    ["-o", "hash_algorithm"], ["-o", "hash_algorithm=md5"],
    ["-o", "watcher_logbuf_size"], ["-o", "watcher_logbuf_size=x"], ["-o", "watcher_logbuf_size=-1"],
    ["-o", "worker_logbuf_size"], ["-o", "worker_logbuf_size=x"], ["-o", "worker_logbuf_size=16"],
    ["-o", "worker_logbuf_size=63"], ["-o", "worker_logbuf_size=4194304"],
    ["-o", "slab_automove_freeratio"], ["-o", "slab_automove_freeratio=x"],
    ["-o", "no_hashexpand"], ["-o", "modern"], ["-o", "drop_privileges"], ["-o", "no_drop_privileges"],
])
def test_bad_values_like_memcached(args):
    assert_refused_like_memcached(args)


@pytest.mark.parametrize("option", ["ext_path=/tmp/x:64m", "ext_page_size=4", "proxy_config=x"])
def test_missing_features_refused_by_name(option):
    status, out = run_until_exit([SWIFTCACHED_BINARY, "-p", str(free_port()), "-l", "127.0.0.1", "-o", option])
    feature = {"ext": "extstore", "pro": "proxy"}[option[:3]]
    assert status == 64 and feature in out and "not supported" in out, out


def run_until_exit(argv, timeout=10):
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    return done.returncode, (done.stdout + done.stderr).decode(errors="replace")


def test_root_needs_user_flag():
    """As root without -u: memcached's refusal, status 64 (EX_USAGE)."""
    assert os.geteuid() == 0, "this check needs root (the test machines run as root)"
    for binary in BINARIES.values():
        status, out = run_until_exit([binary, "-p", str(free_port()), "-l", "127.0.0.1"])
        assert status == 64 and "can't run as root without the -u switch" in out, (binary, out)


def test_napi_ids_shown():
    """-N: accepted (test_bad_values_like_memcached); memcached 1.6.18 crashes on `stats settings`
    with it, swiftcached shows the number."""
    server = Server(SWIFTCACHED_BINARY, ["-N", "3"]).start()
    try:
        assert settings_of(server)["num_napi_ids"] == "3"
    finally:
        server.stop()


def test_unknown_user_refused():
    for binary in BINARIES.values():
        status, out = run_until_exit([binary, "-p", str(free_port()), "-l", "127.0.0.1", "-u", "no-such-user-here"])
        assert status == 67 and "can't find the user no-such-user-here to switch to" in out, (binary, out)


def test_user_flag_drops_privileges():
    nobody = 65534
    servers = [Server(BINARIES[name], ["-u", "nobody"], name=name).start() for name in ("memcached", "swiftcached")]
    try:
        for server in servers:
            assert process_status(server.pid, "Uid") == [str(nobody)] * 4, server.name
            assert ask(server, b"version\r\n").startswith(b"VERSION ")
    finally:
        stop_all(servers)


def test_daemon_and_pid_file(tmp_path):
    """-d -P: the command returns at once, the daemon serves, its pid is in the file, which it
    removes when stopped."""
    pid_file = tmp_path / "swiftcached.pid"
    port = free_port()
    status, out = run_until_exit([SWIFTCACHED_BINARY, "-d", "-P", str(pid_file), "-u", "root",
                                  "-p", str(port), "-U", "0", "-l", "127.0.0.1"])
    assert status == 0, out
    pid = pid_in(pid_file)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"version\r\n")
            assert s.recv(100).startswith(b"VERSION ")
        assert os.getsid(pid) == pid  # a session leader of its own, detached from ours
    finally:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_file.exists()


def test_pid_file_without_daemon(tmp_path):
    for name, binary in BINARIES.items():
        pid_file = tmp_path / (name + ".pid")
        server = Server(binary, ["-P", str(pid_file)], name=name).start()
        try:
            assert pid_in(pid_file) == server.pid, name
        finally:
            server.stop()


def test_lock_memory():
    """-k: mlockall; the server's memory is locked (VmLck) as memcached's is."""
    servers = both(["-k", "-m", "16"])
    try:
        for server in servers:
            assert int(process_status(server.pid, "VmLck")[0]) > 1024, server.name
    finally:
        stop_all(servers)


def test_core_limit_raised():
    servers = both(["-r"])
    try:
        for server in servers:
            with open("/proc/%d/limits" % server.pid) as f:
                line = next(l for l in f if l.startswith("Max core file size"))
            assert line.split()[4] != "0", (server.name, line)
    finally:
        stop_all(servers)


@pytest.mark.parametrize("mode", [b"shutdown", b"shutdown graceful"])
def test_shutdown_command_stops_the_server(mode):
    servers = both(["-A"])
    try:
        for server in servers:
            assert ask(server, mode + b" x\r\n") == b"CLIENT_ERROR invalid shutdown mode\r\n"
            with server.connect() as s:
                s.sendall(mode + b"\r\n")
                assert s.recv(100) == b"", server.name   # closed without an answer
            assert server.proc.wait(10) == 0, server.name
    finally:
        stop_all(servers)


def test_shutdown_refused_without_flag():
    servers = both([])
    try:
        for server in servers:
            assert ask(server, b"shutdown\r\n") == b"ERROR: shutdown not enabled\r\n"
            assert server.alive()
    finally:
        stop_all(servers)


def test_disable_flush_all():
    servers = both(["-F"])
    try:
        answers = [ask(s, b"set a 0 0 1\r\nA\r\nflush_all\r\nflush_all noreply\r\nget a\r\n", until=b"END\r\n")
                   for s in servers]
        assert answers[0] == answers[1] == \
            b"STORED\r\nCLIENT_ERROR flush_all not allowed\r\nVALUE a 0 1\r\nA\r\nEND\r\n"
    finally:
        stop_all(servers)


def test_disable_watch():
    servers = both(["-W"])
    try:
        for server in servers:
            assert ask(server, b"watch fetchers\r\n") == b"CLIENT_ERROR watch commands not allowed\r\n"
    finally:
        stop_all(servers)


def test_cache_memlimit_like_memcached():
    servers = both(["-m", "64"])
    try:
        script = (b"cache_memlimit 100\r\ncache_memlimit 7\r\ncache_memlimit 1000000001\r\ncache_memlimit x\r\n"
                  b"cache_memlimit 9 noreply\r\ncache_memlimit 128 x\r\nstats\r\n")
        answers = []
        for server in servers:
            answer = ask(server, script, until=b"END\r\n")
            head, stats = answer.split(b"STAT pid", 1)
            limit = stats.split(b"STAT limit_maxbytes ")[1].split(b"\r\n")[0]
            answers.append((head, limit))
        assert answers[0] == answers[1] == (
            b"OK\r\nMEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n"
            b"MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes\r\nERROR\r\nOK\r\n", b"134217728")
    finally:
        stop_all(servers)


def test_verbosity_like_memcached():
    servers = both([])
    try:
        script = b"verbosity 5\r\nverbosity x\r\nverbosity\r\nverbosity 1 2 3\r\nverbosity 0 noreply\r\nversion\r\n"
        answers = [ask(s, script, until=b"VERSION 1.6.18\r\n") for s in servers]
        assert answers[0] == answers[1], answers
    finally:
        stop_all(servers)


def test_memory_file_accepted_and_shown(tmp_path):
    """-e: accepted and shown as memcached shows it (warm restart itself: test_warm_restart.py)."""
    path = str(tmp_path / "memory")
    server = Server(SWIFTCACHED_BINARY, ["-e", path]).start()
    try:
        assert settings_of(server)["memory_file"] == path
    finally:
        server.stop()


def test_license_flag():
    status, out = run_until_exit([SWIFTCACHED_BINARY, "-i"])
    assert status == 0 and "MIT" in out and "libevent" in out, out


# ------------------------------------------------------------------ -f: the slab class table

def _class_of_single_item(server):
    """The class id whose used_chunks is 1 in `stats slabs` (one item stored)."""
    lines = ask(server, b"stats slabs\r\n", until=b"END\r\n").decode().split("\r\n")
    used = [line.split()[1].split(":")[0] for line in lines if line.endswith(":used_chunks 1")]
    assert len(used) == 1, lines
    return int(used[0])


def test_default_class_table_is_finer_and_names_classes_past_63():
    """Without -f swiftcached builds its finer table (docs/architecture.md, "Slab classes"):
    growth_factor 1.08, and a 20 KB value lands in a class id memcached's table cannot have, which
    the crawler, metadump and cachedump all accept; ids past the largest class stay refused."""
    if os.path.basename(SWIFTCACHED_BINARY).startswith("memcached"):
        pytest.skip("swiftcached's own default")
    server = Server(SWIFTCACHED_BINARY, ["-m", "64"]).start()
    try:
        assert settings_of(server)["growth_factor"] == "1.08"
        value = b"v" * 20000
        assert ask(server, b"set big 0 0 %d\r\n%s\r\n" % (len(value), value)) == b"STORED\r\n"
        cls = _class_of_single_item(server)
        assert cls > 63
        assert ask(server, b"lru_crawler crawl %d\r\n" % cls) == b"OK\r\n"
        time.sleep(0.5)  # the crawl runs on the crawler's thread; metadump waits for none
        dump = ask(server, b"lru_crawler metadump %d\r\n" % cls, until=b"END\r\n")
        assert b"key=big " in dump and b" cls=%d " % cls in dump, dump
        assert ask(server, b"stats cachedump %d 1\r\n" % cls, until=b"END\r\n") == b"ITEM big [20000 b; 0 s]\r\nEND\r\n"
        assert ask(server, b"lru_crawler crawl 127\r\n") == b"BADCLASS invalid class id\r\n"
        assert ask(server, b"stats cachedump 127 1\r\n") == b"CLIENT_ERROR Illegal slab id\r\n"
    finally:
        server.stop()


def test_explicit_factor_reports_and_names_classes_as_memcached():
    servers = both(["-f", "1.25"])
    try:
        ref, sut = (settings_of(s) for s in servers)
        assert sut["growth_factor"] == ref["growth_factor"] == "1.25"
        for line in (b"lru_crawler crawl 64\r\n", b"stats cachedump 64 1\r\n", b"lru_crawler crawl 63\r\n"):
            assert ask(servers[1], line) == ask(servers[0], line), line
    finally:
        stop_all(servers)
