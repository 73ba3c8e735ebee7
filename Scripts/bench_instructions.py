#!/usr/bin/env python3
"""Instructions per request: swiftcached and memcached, each run under
`valgrind --tool=callgrind`, serve a fixed number of requests from memtier_benchmark; the user-space
instructions the server executed (callgrind's Ir, all threads) divided by the request count.

Why callgrind: `perf stat -e instructions` reports <not supported> on this machine (a VM without
hardware counters). Callgrind counts every user-space instruction exactly, so one run per server
is enough (no noise from the shared machine); it does not see the kernel's work in the system
calls. Counting starts after a prefill of every key (`callgrind_control -z` zeroes the counters)
and ends with a dump (`callgrind_control -d`) after each phase. Idle background threads (clock,
LRU maintainer, ...) also count: an idle phase of the same length measures that and is printed.

Phases (default all): get = random gets at pipeline 1, get16 = the same at pipeline 16, set = sets
of 100-byte values at pipeline 1; 4 connections; 100,000 keys prefilled.

With --tls both servers run `-Z` with the same test certificate (made in the results folder by
Tests/clients/tls_certificates.py) and memtier connects with `--tls --tls-skip-verify`: the same
phases over TLS, to set against a run without it (what TLS adds per request in user space; the
kernel's share, the same system calls either way, is not counted). Two more phases then exist:
full and resumed, new connections from `openssl s_time -new` / `-reuse` (Scripts/openssl_clients.py)
for --handshake-seconds, counted per connection.

Usage:
  export PATH=<folder of memtier_benchmark>:$PATH
  python3 Scripts/bench_instructions.py [--requests 200000] [--phases get,get16,set]
Needs valgrind (apt-get install valgrind), objcopy (binutils) and memtier_benchmark. Results: bench-results/instructions-<date>/
(instructions.json, the callgrind dumps, <dump>.hot.txt: the hot functions of each phase).
"""
import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import openssl_clients  # noqa: E402

PHASES = {  # name: (memtier --ratio, --pipeline)
    "get": ("0:1", 1),
    "get16": ("0:1", 16),
    "set": ("1:0", 1),
}
# With --tls: new connections from `openssl s_time`, full handshakes or resumed ones.
HANDSHAKE_PHASES = {"full": False, "resumed": True}
CONNECTIONS = 4


def callgrind(command, pid):
    subprocess.run(["callgrind_control", command, str(pid)], check=True, capture_output=True, timeout=120)


def newest_dump(out, label, pid, before):
    """The dump file callgrind wrote for the last `callgrind_control -d` (cg.<label>.<pid>.<n>)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        dumps = [f for f in os.listdir(out) if f.startswith("cg.%s.%d." % (label, pid)) and f not in before]
        if dumps:
            path = os.path.join(out, max(dumps, key=lambda f: int(f.rsplit(".", 1)[1])))
            time.sleep(0.2)  # written by the time the command returns; be generous anyway
            return path
        time.sleep(0.2)
    benchlib.die("no callgrind dump appeared for %s" % label, 1)


def ir_of(dump):
    with open(dump) as f:
        for line in f:
            if line.startswith("summary:"):
                return int(line.split()[1])
    benchlib.die("no summary line in " + dump, 1)


def measure(server, out, phase_fn):
    """Zeroes the counters, runs phase_fn(), dumps; returns (instructions, dump path, seconds)."""
    before = set(os.listdir(out))
    callgrind("-z", server.pid)
    t0 = time.monotonic()
    phase_fn()
    seconds = time.monotonic() - t0
    callgrind("-d", server.pid)
    dump = newest_dump(out, server.label, server.pid, before)
    return ir_of(dump), dump, seconds


def self_costs(dump):
    """Exclusive instructions per function from a callgrind dump written with
    --compress-strings=no (a cost line right after `calls=` is the callee's inclusive cost and is
    not the caller's own)."""
    costs, fn, after_call = {}, "?", False
    with open(dump) as f:
        for line in f:
            if line.startswith("fn="):
                fn = line[3:].strip()
            elif line.startswith("calls="):
                after_call = True
                continue
            elif line[:1].isdigit() or line[:1] in "+-*":
                if not after_call:
                    parts = line.split()
                    if len(parts) >= 2:
                        costs[fn] = costs.get(fn, 0) + int(parts[1])
            after_call = False
    return costs


def demangle(names):
    tool = benchlib.shutil.which("swift-demangle")
    if not tool or not names:
        return names
    done = subprocess.run([tool, "--simplified", "--compact"], input="\n".join(names), capture_output=True,
                          text=True)
    lines = done.stdout.splitlines()
    return lines if done.returncode == 0 and len(lines) == len(names) else names


def hot_functions(dump, count=12):
    """The `count` functions with the most exclusive instructions, as 'share% Ir name' lines."""
    costs = self_costs(dump)
    total = sum(costs.values()) or 1
    top = sorted(costs.items(), key=lambda kv: -kv[1])[:count]
    names = demangle([name for name, _ in top])
    lines = ["%5.1f%% %12d  %s" % (100.0 * ir / total, ir, name) for (_, ir), name in zip(top, names)]
    with open(dump + ".hot.txt", "w") as f:
        f.write("\n".join(lines) + "\n")
    return lines


def without_debug_info(binary, out, label):
    """A copy of the binary without DWARF (symbols stay, so callgrind still names functions):
    valgrind 3.19 gives up on the DWARF 5 that Swift's toolchain writes."""
    copy = os.path.join(out, label)
    subprocess.run(["objcopy", "--strip-debug", binary, copy], check=True)
    return copy


def tls_server_flags(out):
    """-Z with a test certificate made in `out`/certs."""
    sys.path.insert(0, os.path.join(benchlib.REPO, "Tests", "clients"))
    from tls_certificates import make_certificates  # noqa: E402 (the tests' helper)
    certs = os.path.join(out, "certs")
    os.makedirs(certs)
    make_certificates(certs)
    return ["-Z", "-o", "ssl_chain_cert=%s,ssl_key=%s" % (os.path.join(certs, "server.pem"), os.path.join(certs, "server.key"))]


def memtier_phase(args, server, out, load, phase, prefix):
    """One memtier phase: (requests, instructions, dump, seconds, hit ratio)."""
    ratio, pipeline = PHASES[phase]
    per_conn = args.requests // CONNECTIONS
    outcome = {}

    def run():
        outcome["memtier"] = benchlib.run_memtier(
            load + ["-c", str(CONNECTIONS), "-t", "1", "-n", str(per_conn), "--ratio=" + ratio,
                    "--pipeline=%d" % pipeline, "--key-pattern=R:R"], prefix, timeout=3600)
    ir, dump, seconds = measure(server, out, run)
    totals, errors, status = outcome["memtier"]
    if status or errors:
        benchlib.die("memtier failed against %s in %s: %s" % (server.label, phase, errors[:1] or status), 1)
    return int(totals.get("Count", per_conn * CONNECTIONS)), ir, dump, seconds, benchlib.memtier_summary(totals)["hit"]


def handshake_phase(args, server, out, phase):
    """New TLS connections from `openssl s_time` for --handshake-seconds (each a "request"):
    (connections, instructions, dump, seconds, share resumed)."""
    outcome = {}

    def run():
        outcome["s_time"] = openssl_clients.s_time(server.port, HANDSHAKE_PHASES[phase], args.handshake_seconds)
    ir, dump, seconds = measure(server, out, run)
    connections, _, _, resumed, _ = outcome["s_time"]
    if not connections:
        benchlib.die("s_time made no connection to %s" % server.label, 1)
    return connections, ir, dump, seconds, resumed / connections


def run_server(args, label, binary, out, fd_limit):
    # memcached sets RLIMIT_NOFILE to exactly -c; under valgrind that only succeeds for valgrind's
    # own limit (the hard limit minus the 12 descriptors it keeps), so both servers get that -c.
    flags = ["-t", str(args.threads), "-m", "1024", "-c", str(fd_limit - 12)] + args.tls_flags
    server = benchlib.Server(label, without_debug_info(binary, out, label), flags, os.path.join(out, "server-%s.log" % label),
                             wrapper=["valgrind", "--tool=callgrind",
                                      # names in full in every dump, so each dump annotates alone
                                      "--compress-strings=no", "--compress-pos=no",
                                      "--callgrind-out-file=%s/cg.%s.%%p" % (out, label)],
                             start_timeout=120)
    result = {"label": label, "binary": binary, "server_flags": flags, "phases": {}}
    try:
        load = benchlib.memtier_args(server.port) + (["--tls", "--tls-skip-verify"] if args.tls else [])
        _, errors, status = benchlib.run_memtier(load + benchlib.prefill_args(), os.path.join(out, "prefill-" + label))
        if status or errors:
            benchlib.die("prefill of %s failed: %s" % (label, errors[:1] or status), 1)
        # Background threads keep working for a while after the prefill (memcached's LRU
        # maintainer sorts the new items): let that settle, then measure the idle rate.
        time.sleep(args.settle_seconds)
        idle_ir, idle_dump, idle_s = measure(server, out, lambda: time.sleep(args.idle_seconds))
        result["idle_ir_per_s"] = idle_ir / idle_s
        result["idle_hot"] = hot_functions(idle_dump)
        for phase in args.phases:
            if phase in HANDSHAKE_PHASES:
                requests, ir, dump, seconds, hit = handshake_phase(args, server, out, phase)
            else:
                requests, ir, dump, seconds, hit = memtier_phase(args, server, out, load, phase,
                                                                 os.path.join(out, "%s-%s" % (phase, label)))
            result["phases"][phase] = dict(
                requests=requests, instructions=ir, seconds=round(seconds, 1),
                per_request=ir / requests,
                per_request_less_idle=(ir - result["idle_ir_per_s"] * seconds) / requests,
                hit=hit, hot=hot_functions(dump), dump=dump)
            print("  %s %s: %d requests, %d instructions in %.0f s: %.0f per request" % (
                label, phase, requests, ir, seconds, ir / requests), flush=True)
    finally:
        server.stop(timeout=60)
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=200000, help="requests per phase (default 200000)")
    p.add_argument("--phases", default=",".join(PHASES), help="comma-separated: " + ", ".join(PHASES))
    p.add_argument("--threads", type=int, default=1, help="server -t for both (default 1)")
    p.add_argument("--idle-seconds", type=float, default=10.0, help="length of the idle phase (default 10)")
    p.add_argument("--settle-seconds", type=float, default=10.0, help="pause after the prefill (default 10)")
    p.add_argument("--tls", action="store_true", help="both servers with -Z, memtier over TLS; allows the "
                   "phases full and resumed (new connections from openssl s_time)")
    p.add_argument("--handshake-seconds", type=int, default=10, help="length of a full or resumed phase (default 10)")
    p.add_argument("--swiftcached")
    p.add_argument("--memcached")
    args = p.parse_args()
    args.phases = args.phases.split(",")
    for phase in args.phases:
        if phase not in PHASES and not (args.tls and phase in HANDSHAKE_PHASES):
            benchlib.die("unknown phase %r (full and resumed need --tls)" % phase)
    benchlib.require_tool("valgrind", "valgrind is missing: apt-get install valgrind")
    benchlib.memtier_path()
    sw, mc = benchlib.server_binaries(args.swiftcached, args.memcached)
    fd_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    fd_limit = benchlib.raise_fd_limit(min(fd_limit, 65536) if fd_limit != resource.RLIM_INFINITY else 65536)
    out = os.path.join(benchlib.REPO, "bench-results",
                       "instructions-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out)
    args.tls_flags = tls_server_flags(out) if args.tls else []
    print("instructions per request under callgrind%s; %d requests per phase, %d connections, server -t %d; %s"
          % (" over TLS" if args.tls else "", args.requests, CONNECTIONS, args.threads, benchlib.uptime()), flush=True)
    results = [run_server(args, "swiftcached", sw, out, fd_limit), run_server(args, "memcached", mc, out, fd_limit)]
    sw_r, mc_r = results
    print("\n%-8s %10s %14s %14s %8s   (less idle: %s)" % ("phase", "requests", "swiftcached", "memcached",
                                                           "ratio", "swiftcached / memcached / ratio"))
    for phase in args.phases:
        a, b = sw_r["phases"][phase], mc_r["phases"][phase]
        print("%-8s %10d %14.0f %14.0f %8.3f   (%.0f / %.0f / %.3f)" % (
            phase, a["requests"], a["per_request"], b["per_request"], a["per_request"] / b["per_request"],
            a["per_request_less_idle"], b["per_request_less_idle"],
            a["per_request_less_idle"] / b["per_request_less_idle"]))
    print("idle instructions per second: swiftcached %.0f, memcached %.0f" % (
        sw_r["idle_ir_per_s"], mc_r["idle_ir_per_s"]))
    for r in results:
        print("\nhot functions, %s idle:" % r["label"])
        for line in r["idle_hot"][:5]:
            print("  " + line[:150])
        for phase in args.phases:
            print("\nhot functions, %s %s (exclusive instructions):" % (r["label"], phase))
            for line in r["phases"][phase]["hot"][:8]:
                print("  " + line[:150])
    with open(os.path.join(out, "instructions.json"), "w") as f:
        json.dump(dict(requests=args.requests, connections=CONNECTIONS, tls=args.tls, load=benchlib.uptime(),
                       swiftcached_version=benchlib.version(sw), memcached_version=benchlib.version(mc),
                       results=results), f, indent=1)
    print("results: " + out)


if __name__ == "__main__":
    main()
