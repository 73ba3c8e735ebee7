#!/usr/bin/env python3
"""Soak run: a mixed load against swiftcached for a long time, with every read checked.

    python3 Scripts/soak.py [--minutes 30] [--binary .build/release/swiftcached] [--out DIR]
        [--workers 3] [--adversarial-every 60] [--memory-mb 64] [--conn-limit 4096]

One server (`-m 64 -t 2 -c 4096 -U <port>`, 127.0.0.1, confined like the adversarial suite's) gets
at the same time, for --minutes:
  - --workers processes of verified load (Scripts/verified_load.py): sets, gets, multi-gets and
    deletes of keys each worker alone writes, values derived from key + version, 10 B … 20 KB and
    600 KB (chunked); a read of a key must miss or return exactly the last value written;
  - memcslap (Debian's libmemcached-tools) in a loop of bounded set/get runs, when on PATH;
  - memtier_benchmark for the whole run, when on PATH (it is not packaged; nothing here builds it);
  - every --adversarial-every seconds the next adversarial case that needs no flags of its own
    (Scripts/adversarial_cases.py: a c d g i j k l) at its small `soak` scale, each about twice;
  - the probe client of the adversarial suite (latency reported, not judged).
Checks, each a violation that makes the exit status 1:
  - peak RSS ≤ --memory-mb + RSS_OVERHEAD_MB (the runtime and thread stacks, about 20 MB; slab
    pages a class takes beyond -m when it starts late, a few MB; input and output buffers of the
    few hundred connections the load and the cases hold);
  - no connection refused while fewer than --conn-limit are open (the load holds at most a few
    hundred, so any refusal counts);
  - every verified read byte-exact (no mismatches, no malformed replies);
  - the server alive at the end.
A report goes to DIR/soak.md and DIR/soak.json.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import adversarial  # noqa: E402  (one library: the cases, the confinement, the samplers, the probe)
import benchlib  # noqa: E402
import verified_load  # noqa: E402
from probe_client import MP  # noqa: E402

RSS_OVERHEAD_MB = 64
MEMCSLAP_RUN = ["--concurrency=2", "--execute-number=2000"]
MB = 1 << 20


def soak_cases():
    """The cases Scripts/soak.py can run on its one server: no flags of their own but -c (the
    soak's -c covers their soak-scale connection counts), no -Y, no exit."""
    return [c for c in adversarial.CASES if c.soak is not None and not set(c.flags) - {"-c"}
            and not c.auth and not c.expects_exit]


class Background:
    """A loop on a thread (memcslap runs, adversarial cases) until `end`; keeps a log of lines."""

    def __init__(self, end, body):
        self.end, self.body, self.log, self.errors = end, body, [], 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while time.monotonic() < self.end:
            try:
                self.body(self)
            except Exception as error:     # recorded; the soak goes on
                self.errors += 1
                self.log.append("error: %s: %s" % (type(error).__name__, str(error)[:200]))
                time.sleep(1)

    def start(self):
        self.thread.start()
        return self

    def join(self):
        self.thread.join(max(60.0, self.end - time.monotonic() + 120))


def memcslap_body(port):
    tests = ["set", "get", "mget"]
    state = dict(i=0)

    def body(bg):
        test = tests[state["i"] % len(tests)]
        state["i"] += 1
        argv = [shutil.which("memcslap"), "--servers=127.0.0.1:%d" % port, "--test=%s" % test, "--quiet"] + MEMCSLAP_RUN
        status = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120).returncode
        bg.log.append("memcslap %s: exit %d" % (test, status))
        if status != 0:
            bg.errors += 1
        time.sleep(0.5)
    return body


def adversarial_body(server, udp_port, every, refused):
    cases = soak_cases()
    state = dict(i=0)

    def body(bg):
        time.sleep(min(every, max(0.0, bg.end - time.monotonic() - 10)))
        if time.monotonic() > bg.end - 10:
            time.sleep(max(0.0, bg.end - time.monotonic()))
            return
        case = cases[state["i"] % len(cases)]
        state["i"] += 1
        ctx = adversarial.CaseContext(server, case.soak, None, udp_port)
        began = time.monotonic()
        if case.setup:
            case.setup(ctx)
        obs = case.run(ctx)
        refused.append(obs.get("refused", 0))
        bg.log.append("%s (%.0f s): %s" % (case.letter, time.monotonic() - began,
                                           ", ".join("%s=%s" % (k, adversarial.fmt(v)) for k, v in obs.items())))
    return body


def start_memtier(port, seconds, out_dir):
    if not shutil.which("memtier_benchmark"):
        return None, "memtier_benchmark not on PATH: not run"
    args = benchlib.memtier_args(port) + ["-c", "4", "-t", "1", "--ratio=1:4", "--test-time=%d" % seconds,
                                          "--key-prefix=memtier-"]
    result = {}

    def run():
        result["totals"], result["errors"], result["status"] = benchlib.run_memtier(
            args, os.path.join(out_dir, "memtier"), timeout=seconds + 120)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return (thread, result), "memtier_benchmark %s" % " ".join(args)


def start_workers(port, n, seconds):
    results = MP.Queue()
    procs = [MP.Process(target=verified_load.run_worker, args=(port, i, seconds, results), daemon=True)
             for i in range(n)]
    for p in procs:
        p.start()
    return procs, results


def collect_workers(procs, results, seconds):
    totals, problems = {}, []
    for _ in procs:
        try:
            counts, worker_problems = results.get(timeout=seconds + 120)
        except Exception:
            problems.append("a worker did not report")
            continue
        for name, value in counts.items():
            totals[name] = totals.get(name, 0) + value
        problems += worker_problems
    for p in procs:
        p.join(10)
        if p.is_alive():
            p.kill()
    return totals, problems


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--binary", default=adversarial.SWIFTCACHED_BINARY)
    parser.add_argument("--out", default=os.path.join(benchlib.REPO, "bench-results", "soak"))
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--adversarial-every", type=float, default=None,
                        help="seconds between two cases (default: each case about twice per run, at least 10 s)")
    parser.add_argument("--memory-mb", type=int, default=64, help="the server's -m")
    parser.add_argument("--conn-limit", type=int, default=4096, help="the server's -c")
    parser.add_argument("--memory-limit-mb", type=int, default=1024, help="memory bound on top of -m")
    return parser.parse_args()


def main():
    args = parse_args()
    os.makedirs(args.out, exist_ok=True)
    adversarial.fd_limits()
    seconds = args.minutes * 60
    every = args.adversarial_every or max(10.0, seconds / (2 * len(soak_cases())))
    udp_port = adversarial.free_udp_port()
    flags = ["-m", str(args.memory_mb), "-t", "2", "-c", str(args.conn_limit), "-U", str(udp_port)]
    server, confinement = adversarial.start_confined(args.binary, flags, "soak",
                                                     (args.memory_mb + args.memory_limit_mb) * MB)
    print("soak: %s %s for %.1f min (%s)" % (args.binary, " ".join(flags), args.minutes, confinement.kind), flush=True)
    report = dict(flags=" ".join(flags), minutes=args.minutes, bound=confinement.kind, every=every)
    probe = adversarial.Probe(server.port)
    try:
        probe.store_key()
        sampler = adversarial.MemorySampler(server.pid, interval=0.25).start()
        probe.start()
        end = time.monotonic() + seconds
        procs, results = start_workers(server.port, args.workers, seconds)
        memtier, report["memtier"] = start_memtier(server.port, int(seconds), args.out)
        memcslap = Background(end, memcslap_body(server.port)).start() if shutil.which("memcslap") else None
        refused = []
        cases = Background(end, adversarial_body(server, udp_port, every, refused)).start()
        report["load"], report["problems"] = collect_workers(procs, results, seconds)
        for bg in filter(None, (memcslap, cases)):
            bg.join()
        if memtier:
            memtier[0].join(120)
            report["memtier_result"] = {k: v for k, v in memtier[1].items() if k != "totals"}
            report["memtier_result"]["summary"] = benchlib.memtier_summary(memtier[1].get("totals", {}))
        report["probe"] = probe.stop()
        report["memory"] = sampler.stop()
        report["alive"] = server.alive()
        report["memcslap"] = memcslap.log[-6:] + ["%d runs, %d failed" % (len(memcslap.log), memcslap.errors)] \
            if memcslap else ["memcslap not on PATH: not run"]
        report["adversarial"] = cases.log
        report["case_errors"], report["case_refused"] = cases.errors, sum(refused)
    finally:
        probe.close()
        server.stop()
        report["cgroup"] = confinement.usage()
        confinement.remove()
    violations = judge(report, args)
    write_report(report, violations, args.out)
    return 1 if violations else 0


def judge(report, args):
    violations = []
    allowed = args.memory_mb + RSS_OVERHEAD_MB
    if report["memory"]["rss_peak_mb"] > allowed:
        violations.append("peak RSS %.1f MB > %d MB (-m %d + %d)" % (
            report["memory"]["rss_peak_mb"], allowed, args.memory_mb, RSS_OVERHEAD_MB))
    refused = report["load"].get("refused", 0) + report["case_refused"]
    if refused:
        violations.append("%d connections refused below -c %d" % (refused, args.conn_limit))
    if report["load"].get("mismatches", 0):
        violations.append("%d reads not byte-exact" % report["load"]["mismatches"])
    if not report["alive"]:
        violations.append("server not alive at the end")
    if report["cgroup"].get("oom_kills"):
        violations.append("the cgroup's OOM killer fired %d times" % report["cgroup"]["oom_kills"])
    return violations


def write_report(report, violations, out_dir):
    load, mem, probe = report["load"], report["memory"], report["probe"]
    lines = ["# Soak (%.1f min): `%s`, %s" % (report["minutes"], report["flags"], report["bound"]), "",
             "| check | value |", "|---|---|",
             "| verified load | %s |" % ", ".join("%s %d" % kv for kv in sorted(load.items())),
             "| RSS before / peak / end MB | %.1f / %.1f / %.1f |" % (mem["rss_before_mb"], mem["rss_peak_mb"],
                                                                  mem["rss_end_mb"]),
             "| cgroup peak MB / OOM kills | %s / %s |" % (adversarial.fmt(report["cgroup"]["max_usage_mb"]),
                                                         adversarial.fmt(report["cgroup"]["oom_kills"])),
             "| probe p50 / p99 / max ms | %s |" % adversarial.probe_cell(probe),
             "| adversarial cases run (one every %.0f s) / failed to run / refused connections | %d / %d / %d |" % (
                 report["every"], len(report["adversarial"]), report["case_errors"], report["case_refused"]),
             "| memtier | %s |" % report["memtier"],
             "| alive at the end | %s |" % adversarial.fmt(report["alive"]), ""]
    lines += ["Adversarial cases:", ""] + ["- %s" % line for line in report["adversarial"]] + [""]
    lines += ["memcslap: " + "; ".join(report["memcslap"]), ""]
    if report["problems"]:
        lines += ["First problems seen by the workers:", ""] + ["- %s" % p for p in report["problems"]] + [""]
    lines += ["**%s**" % ("FAIL: " + "; ".join(violations) if violations else "PASS"), ""]
    text = "\n".join(lines)
    print(text, flush=True)
    with open(os.path.join(out_dir, "soak.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out_dir, "soak.json"), "w") as f:
        json.dump(dict(report, violations=violations), f, indent=1, default=str)


if __name__ == "__main__":
    sys.exit(main())
