"""The assertions over the measurements (the same in quick and full mode); each failed one is a
line of text, so a run lists everything that went wrong, not just the first."""

MIN_READ_REDUCTION = 5.0
CLOCK_STEP = 1.0          # a server's clock has one-second steps: a TTL can end up to 1 s late


def check_all(rows, settings):
    """(failed assertions as lines of text, number of assertions checked)."""
    failures = []
    checked = []

    def expect(condition, message):
        checked.append(message)
        if not condition:
            failures.append(message)

    aside = rows["cache_aside"]
    expect(aside["read_reduction"] >= MIN_READ_REDUCTION,
           "cache-aside cut database reads %.1fx (hit ratio %.3f), expected at least %.0fx"
           % (aside["read_reduction"], aside["hit_ratio"], MIN_READ_REDUCTION))
    expect(rows["no_cache"]["read_reduction"] == 1.0, "without a cache every read must be a database read")
    for name in ("cache_aside", "write_through", "write_behind"):
        expect(rows[name]["stale_beyond_ttl"] == 0, "%s: %d reads older than the TTL (%d s + %.0f s), oldest %.2f s"
               % (name, rows[name]["stale_beyond_ttl"], settings.ttl, CLOCK_STEP, rows[name]["stale_max_s"]))
    expect(rows["control"]["stale_beyond_ttl"] > 0,
           "the control without invalidation showed no read older than the TTL: the stale check cannot fail")
    behind = rows["write_behind"]
    expect(behind["writer_kills"] >= 2, "the write-behind writer was killed %d times" % behind["writer_kills"])
    expect(behind["backlog_at_restart"] > 0, "no write was waiting when the killed writer restarted")
    expect(behind["lost_writes"] == 0, "write-behind lost %d acknowledged writes" % behind["lost_writes"])
    sessions = rows["sessions"]
    expect(sessions["logins"] > 0 and sessions["survived_logout"] == 0,
           "%d of %d sessions still present after logout" % (sessions["survived_logout"], sessions["logins"]))
    expect(sessions["unconfirmed_logouts"] == 0, "%d logouts not confirmed" % sessions["unconfirmed_logouts"])
    expect(sessions["lost_active"] == 0, "%d checks lost an active session" % sessions["lost_active"])
    expect(sessions["active_session_alive_after_3_ttl"], "sliding expiry did not keep an active session")
    expect(sessions["idle_session_expired"], "an idle session outlived its TTL")
    lease = rows["herd_lease"]
    expect(lease["max_queries_per_miss"] <= 1 and lease["min_queries_per_miss"] == 1,
           "with the lease a hot miss cost %d to %d queries, expected exactly 1"
           % (lease["min_queries_per_miss"], lease["max_queries_per_miss"]))
    for name, row in rows.items():
        expect(row.get("failures", 0) == 0, "%s: %s failed requests, first: %s" % (name, row.get("failures"), row.get("first_failure")))
    killed = rows["node_killed"]
    expect(killed["rediscovered_after_s"] is not None and killed["nodes_after"] == 2,
           "the client did not rediscover the cluster without the killed node")
    return failures, len(checked)
