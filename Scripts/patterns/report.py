"""The measured table (console and docs/patterns.md) and the plot (PNG)."""
import os
import platform
import time

LOAD_ROWS = ("no_cache", "cache_aside", "write_through", "write_behind", "node_killed")
BEGIN = "<!-- measured: written by Scripts/patterns.sh, do not edit by hand -->"
END = "<!-- end of measured -->"


def load_table(rows):
    lines = ["| pattern | reads/s | DB reads/s | PostgreSQL index scans/s | DB row writes/s | reads per DB read | hit ratio "
             "| p50 read ms | p99 read ms | stale reads (oldest s) | failed requests |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in LOAD_ROWS + ("control",):
        r = rows[name]
        lines.append("| %s | %.0f | %.1f | %.1f | %.1f | %.1f | %.3f | %.2f | %.2f | %d (%.2f) | %d |" % (
            r["pattern"], r["reads_per_s"], r["db_reads_per_s"], r["pg_index_scans"] / r["seconds"], r["db_writes_per_s"], r["read_reduction"],
            r["hit_ratio"], r["p50_ms"], r["p99_ms"], r["stale_reads"], r["stale_max_s"], r["failures"]))
    return lines


def facts(rows):
    b, s, k = rows["write_behind"], rows["sessions"], rows["node_killed"]
    lines = [
        "- write-behind: writer SIGKILLed %d times; %d acknowledged writes were not yet in PostgreSQL when it "
        "restarted; journal drained %.1f s after the load; **lost writes: %d** (of %d products written; "
        "PostgreSQL row updates %d for %d writes: batches coalesce)"
        % (b["writer_kills"], b["backlog_at_restart"], b["drain_s"], b["lost_writes"], b["acknowledged_products"],
           b["pg_row_updates"], b["writes"]),
        "- session store: %d logins, %d checks (%.0f/s, `gat`, p50 %.2f ms, p99 %.2f ms), database queries only "
        "at login; sessions present after logout: **%d**; unconfirmed logouts %d; active sessions lost %d; "
        "kept alive 3 TTLs by sliding expiry: %s; idle session expired: %s"
        % (s["logins"], s["checks"], s["checks_per_s"], s["p50_ms"], s["p99_ms"], s["survived_logout"],
           s["unconfirmed_logouts"], s["lost_active"], s["active_session_alive_after_3_ttl"], s["idle_session_expired"]),
    ]
    for name in ("herd_unprotected", "herd_lease"):
        h = rows[name]
        lines.append("- %s: %d hot misses, %d requests from %d threads at once: database queries per miss "
                     "min %d, mean %.1f, max **%d**; request p50 %.2f ms, p99 %.2f ms"
                     % (h["pattern"], h["misses"], h["requests"], h["threads"], h["min_queries_per_miss"],
                        h["mean_queries_per_miss"], h["max_queries_per_miss"], h["p50_ms"], h["p99_ms"]))
    lines.append("- node killed: node2 SIGKILLed at second %d; the client saw the new cluster version (%d nodes) "
                 "%.2f s later; failed requests: **%d**" % (k["killed_second"], k["nodes_after"],
                                                            k["rediscovered_after_s"] or -1, k["failures"]))
    return lines


def print_table(rows, settings):
    print()
    for line in load_table(rows) + [""] + facts(rows):
        print(line)


def write_doc(path, rows, settings, failures):
    with open(path) as f:
        text = f.read()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    s = settings
    body = [BEGIN, "",
            "Measured %s on %s (%d CPUs, shared), PostgreSQL and three Swiftcached nodes on loopback; "
            "%d s of load per pattern after %d s of warm-up; %d requests/s offered by %d threads, %.0f%% writes, "
            "Zipf s = %.1f over %d products; TTL %d s (sessions %d s). Assertions: %s." % (
                time.strftime("%Y-%m-%d"), platform.machine(), os.cpu_count(), s.seconds, s.warmup, s.rate,
                s.threads, s.write_fraction * 100, s.zipf_s, s.products, s.ttl, s.session_ttl,
                "all hold" if not failures else "; ".join(failures)),
            ""] + load_table(rows) + [""] + facts(rows) + ["", "![patterns](images/patterns.png)", "", END]
    with open(path, "w") as f:
        f.write(head + "\n".join(body) + tail)


def write_plot(path, rows, settings):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8))
    names = [rows[n]["pattern"].split(",")[0] for n in LOAD_ROWS[:-1]]
    reads = [rows[n]["reads_per_s"] for n in LOAD_ROWS[:-1]]
    db = [rows[n]["db_reads_per_s"] for n in LOAD_ROWS[:-1]]
    x = range(len(names))
    left.bar([i - 0.2 for i in x], reads, 0.4, label="application reads/s")
    left.bar([i + 0.2 for i in x], db, 0.4, label="PostgreSQL reads/s")
    for i, n in enumerate(LOAD_ROWS[:-1]):
        left.annotate("hit %.0f%%\np99 %.1f ms" % (rows[n]["hit_ratio"] * 100, rows[n]["p99_ms"]),
                      (i, max(reads[i], db[i])), ha="center", va="bottom", fontsize=8)
    left.set_xticks(list(x), names, fontsize=8)
    left.set_ylabel("per second")
    left.set_title("Database reads with and without the cache")
    left.legend(fontsize=8, loc="center right")
    _node_kill_panel(right, rows["node_killed"])
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _node_kill_panel(axis, row):
    seconds = [t[0] for t in row["timeline"]]
    hit = [t[2] / t[1] if t[1] else 0 for t in row["timeline"]]
    db = [t[3] for t in row["timeline"]]
    axis.plot(seconds, hit, "o-", markersize=3, label="hit ratio")
    axis.set_ylim(0, 1.05)
    axis.set_xlabel("second of the run")
    axis.set_ylabel("hit ratio")
    axis.axvline(row["killed_second"], color="red", linestyle="--", label="node2 SIGKILLed")
    other = axis.twinx()
    other.plot(seconds, db, "s-", color="gray", markersize=3, label="PostgreSQL reads/s")
    other.set_ylabel("PostgreSQL reads/s")
    axis.set_title("Cache-aside with a node killed: %d failed requests" % row["failures"])
    lines = axis.get_legend_handles_labels()
    more = other.get_legend_handles_labels()
    axis.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="lower right")
