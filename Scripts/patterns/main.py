"""The caching patterns against a real PostgreSQL, on a discovered 3-node Swiftcached cluster.

  python Scripts/patterns/main.py --workdir DIR [--quick] [--doc docs/patterns.md --plot docs/images/patterns.png]

Starts PostgreSQL and the cluster in DIR, loads the catalogue, runs every scenario, prints the
table, checks the assertions (exit status 1 if any fails) and, with --doc/--plot, writes the
measured section of the doc and the plot. Scripts/patterns.sh is the way to run it.
"""
import argparse
import os
import signal
import sys
import time

from cache_cluster import endpoint_address, start_cache_cluster
from catalogue import QueryCounter, load
from checks import check_all
from discovery import Discovery
from postgres import TempPostgres
from report import print_table, write_doc, write_plot
import scenarios
from zipf import Zipf


class Settings:
    """Quick: the test mode (under two minutes). Full: 60 s of measured load per pattern."""

    def __init__(self, quick):
        self.quick = quick
        self.products = 100_000
        self.zipf_s = 1.3             # docs/patterns.md: what a flatter popularity gives
        self.rate = 1000               # requests per second offered to every pattern
        self.threads = 16
        self.write_fraction = 0.05
        self.warmup = 5 if quick else 20
        self.seconds = 8 if quick else 60
        self.ttl = 10 if quick else 60
        self.session_ttl = 2 if quick else 5
        self.session_seconds = 4 if quick else 60
        self.herd_threads = 32
        self.herd_seconds = 2 if quick else 20


def run(settings, workdir):
    started = time.monotonic()
    postgres = TempPostgres(os.path.join(workdir, "postgres"))
    os.makedirs(postgres.directory)
    cluster = discovery = None
    try:
        postgres.start()
        with postgres.connect() as connection:
            load(connection, settings.products)
        cluster = start_cache_cluster(os.path.join(workdir, "cluster"))
        discovery = Discovery(endpoint_address(cluster), interval=0.25)
        bench = scenarios.Bench(postgres, QueryCounter(), discovery, cluster, settings,
                                Zipf(settings.products, settings.zipf_s, seed=13), workdir)
        print("set-up: PostgreSQL on port %d, %d products, %d cache nodes (version %d) in %.1f s"
              % (postgres.port, settings.products, len(discovery.ring.servers), discovery.version,
                 time.monotonic() - started), flush=True)
        rows = {}
        for name, scenario in [("no_cache", scenarios.no_cache), ("cache_aside", scenarios.cache_aside),
                               ("control", scenarios.cache_aside_without_invalidation),
                               ("write_through", scenarios.write_through), ("write_behind", scenarios.write_behind),
                               ("sessions", scenarios.sessions),
                               ("herd_unprotected", lambda b: scenarios.herd(b, protected=False)),
                               ("herd_lease", lambda b: scenarios.herd(b, protected=True)),
                               ("node_killed", scenarios.node_killed)]:
            rows[name] = scenario(bench)
            print("  %s done (%.0f s)" % (name, time.monotonic() - started), flush=True)
        bench.admin.close()
        return rows
    finally:
        if discovery:
            discovery.stop()
        if cluster:
            cluster.stop()
        postgres.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--doc")
    parser.add_argument("--plot")
    args = parser.parse_args()
    # SIGTERM (Scripts/patterns.sh's clean-up) unwinds like ^C, so PostgreSQL and the nodes are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    settings = Settings(args.quick)
    rows = run(settings, args.workdir)
    print_table(rows, settings)
    failures, checked = check_all(rows, settings)
    if args.doc:
        write_doc(args.doc, rows, settings, failures)
    if args.plot:
        write_plot(args.plot, rows, settings)
    for line in failures:
        print("FAIL: " + line)
    print("patterns: %d of %d assertions failed" % (len(failures), checked) if failures
          else "patterns: all %d assertions hold" % checked)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
