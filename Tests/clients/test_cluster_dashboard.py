"""The cluster view of `swiftcached-config --metrics-port`: /cluster.json and /metrics against each
node's own `stats`, a killed node shown as down and then gone from the list, the bound on what
scrapes cost the nodes (one `stats` per node per second however often the view is read), the
allowlist on the admin listener, and the cluster dashboard in Debian's headless chromium, whose
screenshot goes to $DASHBOARD_SCREENSHOT_DIR (docs/images for the documentation) or the test's
temporary folder."""
import os
import subprocess
import threading
import time

from prometheus_client.parser import text_string_to_metric_families
from pymemcache.client.base import Client

from admin_http import StatsConnection, get, get_json, raw_exchange, status_of
from browser_page import Page, browser, busy_client, live_page, number, png_ok
from cluster_harness import CONFIG_BINARY, DETECTION_LIMIT, cluster, command, wait_for  # noqa: F401 (cluster is a fixture)
from conftest import free_port

# Figures that only requests change, so a quiet node's `stats` and the endpoint's copy must agree.
COMPARED = ["curr_items", "total_items", "bytes", "limit_maxbytes", "get_hits", "get_misses",
            "cmd_get", "cmd_set", "evictions", "reclaimed"]
MAX_AGE = 1.0            # ClusterStatsCollector.maxAge
START_TIMEOUT = 10.0
LIVE_SECONDS = 6         # real time the page runs under load before it is read


def healthy(port):
    try:
        return get(port, "/healthz")[0] == 200
    except OSError:
        return False


def start_endpoint_with_metrics(cluster, extra=()):
    """The endpoint with its admin listener on a free port; returns that port. A port taken between
    probe and bind makes the endpoint exit: try another."""
    for _attempt in range(3):
        port = free_port()
        endpoint = cluster.start_endpoint(extra=["--metrics-port", str(port)] + list(extra))
        if wait_for(lambda: healthy(port) or not endpoint.alive(), START_TIMEOUT) and endpoint.alive():
            return port
        endpoint.stop()
    raise RuntimeError("endpoint admin listener never answered: %r" % cluster.endpoint.output[-2000:])


def instance(cluster, name):
    return "%s:%d" % (name, cluster.nodes[name].port)


def fill(port, keys, misses):
    """`keys` sets, a get of each, and `misses` gets of absent keys."""
    client = Client(("127.0.0.1", port), timeout=5, default_noreply=False)
    for i in range(keys):
        client.set("k%d" % i, b"v" * (10 + i))
        assert client.get("k%d" % i) is not None
    for i in range(misses):
        assert client.get("absent%d" % i) is None
    client.close()


def node_stats(port):
    conn = StatsConnection(port)
    try:
        return conn.stats()
    finally:
        conn.close()


def fresh_report(admin, since, answering):
    """The first /cluster.json gathered at or after unix time `since` with `answering` nodes
    answering; fails if none comes within a few gatherings."""
    def attempt():
        report = get_json(admin, "/cluster.json")
        fresh = report["collected_at_ms"] >= since * 1000 and report["totals"]["nodes_answering"] == answering
        return report if fresh else None
    report = wait_for(attempt, 5 * MAX_AGE)
    assert report, "no gathering after %.3f with %d nodes answering: %r" % (since, answering, get_json(admin, "/cluster.json"))
    return report


def samples(admin):
    """{(sample name, sorted labels): value} of the endpoint's /metrics, read by prometheus_client's parser."""
    status, headers, body = get(admin, "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    result = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            result[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return result


def js_bytes(value):
    """The pages' `bytes()` formatting."""
    units, i = ["B", "KB", "MB", "GB", "TB"], 0
    value = float(value)
    while value >= 1024 and i < len(units) - 1:
        value /= 1024
        i += 1
    return ("%.1f" % value if i else "%d" % value) + " " + units[i]


def test_cluster_json_and_metrics_match_each_nodes_stats(cluster):
    admin = start_endpoint_with_metrics(cluster)
    names = ["node1", "node2", "node3"]
    for name in names:
        cluster.start_node(name)
    version, _ = cluster.wait_for_nodes(names)
    for i, name in enumerate(names):
        fill(cluster.nodes[name].port, keys=40 * (i + 1), misses=i + 2)
    report = fresh_report(admin, time.time(), answering=3)
    stats = {name: node_stats(cluster.nodes[name].port) for name in names}

    nodes = {node["instance"]: node for node in report["nodes"]}
    assert sorted(nodes) == sorted(instance(cluster, name) for name in names)
    for name in names:
        node = nodes[instance(cluster, name)]
        assert node["entry"] == "%s|127.0.0.1|%d" % (name, cluster.nodes[name].port)
        assert (node["listed"], node["health"], node["answered"]) == (True, "up", True)
        for figure in COMPARED:
            assert node["stats"][figure] == int(stats[name][figure]), (name, figure)
    for figure in COMPARED:
        assert report["totals"][figure] == sum(int(stats[name][figure]) for name in names), figure
    assert [report["totals"][k] for k in ("nodes_known", "nodes_listed", "nodes_answering")] == [3, 3, 3]
    assert report["unqueried"] == 0
    assert report["endpoint"]["cluster_version"] == version
    assert report["endpoint"]["cluster_nodes"] == 3 and report["endpoint"]["cluster_registered"] == 3

    metrics = samples(admin)
    assert metrics[("swiftcached_config_version", ())] == version
    assert metrics[("swiftcached_config_listed_nodes", ())] == 3
    assert metrics[("swiftcached_config_registered_nodes", ())] == 3
    for name in names:
        label = (("instance", instance(cluster, name)),)
        assert metrics[("memcached_up", label)] == 1
        assert metrics[("swiftcached_config_node_listed", label)] == 1
        assert metrics[("swiftcached_config_node_probe_up", label)] == 1
        assert metrics[("memcached_current_items", label)] == int(stats[name]["curr_items"])
        assert metrics[("memcached_current_bytes", label)] == int(stats[name]["bytes"])
        assert metrics[("memcached_limit_bytes", label)] == int(stats[name]["limit_maxbytes"])
        hits = (("command", "get"), ("instance", instance(cluster, name)), ("status", "hit"))
        assert metrics[("memcached_commands_total", hits)] == int(stats[name]["get_hits"])


def test_killed_node_shows_down_then_leaves_the_list(cluster):
    admin = start_endpoint_with_metrics(cluster)
    cluster.start_node("node1")
    cluster.start_node("node2")
    cluster.wait_for_nodes(["node1", "node2"])
    fill(cluster.nodes["node1"].port, keys=30, misses=1)
    fill(cluster.nodes["node2"].port, keys=50, misses=1)
    fresh_report(admin, time.time(), answering=2)
    survivor, victim = instance(cluster, "node1"), instance(cluster, "node2")

    cluster.nodes["node2"].kill()

    def victim_state(report):
        return next((node for node in report["nodes"] if node["instance"] == victim), None)

    down = wait_for(lambda: (lambda r: r if not (victim_state(r) or {}).get("answered", False) else None)(
        get_json(admin, "/cluster.json")), DETECTION_LIMIT)
    assert down, "the killed node still answers in the cluster view"
    shown = victim_state(down)
    assert shown is None or (shown["stats"] is None and shown["requests_per_second"] is None)
    if shown is not None:
        assert samples(admin)[("memcached_up", (("instance", victim),))] == 0
    gone = wait_for(lambda: (lambda r: r if not (victim_state(r) or {}).get("listed", False) else None)(
        get_json(admin, "/cluster.json")), DETECTION_LIMIT)
    assert gone, "the killed node is still listed"
    assert [n["instance"] for n in gone["nodes"] if n["listed"]] == [survivor]
    assert gone["totals"]["nodes_answering"] == 1
    assert gone["totals"]["curr_items"] == int(node_stats(cluster.nodes["node1"].port)["curr_items"]) == 30


def test_scrapes_ask_each_node_for_stats_at_most_once_a_second(cluster):
    # Slow probes, so the only connections the node gets are the cluster view's and ours.
    admin = start_endpoint_with_metrics(cluster, extra=["--probe-interval", "30"])
    cluster.start_node("node1")
    cluster.wait_for_nodes(["node1"])
    conn = StatsConnection(cluster.nodes["node1"].port)
    try:
        before = int(conn.stats()["total_connections"])
        started = time.monotonic()
        gatherings, requests = set(), 0
        while time.monotonic() - started < 2.5:
            gatherings.add(get_json(admin, "/cluster.json")["collected_at_ms"])
            assert get(admin, "/metrics")[0] == 200
            requests += 2
        elapsed = time.monotonic() - started
        after = int(conn.stats()["total_connections"])
    finally:
        conn.close()
    allowed = int(elapsed / MAX_AGE) + 1
    assert requests >= 20, "too few scrapes to show anything: %d" % requests
    assert len(gatherings) <= allowed, (len(gatherings), allowed)
    assert 1 <= after - before <= allowed, (after - before, allowed, requests)


def test_endpoint_pages_and_flag_checks(cluster):
    admin = start_endpoint_with_metrics(cluster)
    status, headers, body = get(admin, "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b"<canvas" in body and b"cluster.json" in body
    for outside in (b"http://", b"https://", b"//cdn", b"<link"):   # self-contained
        assert outside not in body
    assert get(admin, "/healthz")[:3:2] == (200, b"ok\n")
    assert get(admin, "/stats.json")[0] == 404      # the node's page, not the endpoint's
    assert get(admin, "/cluster.json", method="POST")[0] == 405
    # Hostile HTTP on the admin port leaves the endpoint's own port serving.
    assert status_of(raw_exchange(admin, b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n")) in (None, 400, 413, 414)
    assert status_of(raw_exchange(admin, b"\x00\xff garbage\r\n\r\n")) in (None, 400)
    assert command(cluster.endpoint.port, b"version\r\n").startswith(b"VERSION ")
    assert get(admin, "/healthz")[0] == 200
    for args in (["--metrics-port", "0"], ["--metrics-port", "70000"], ["--metrics-listen", "127.0.0.1"]):
        result = subprocess.run([CONFIG_BINARY, "-p", str(free_port()), "--state-file", os.path.join(cluster.tmpdir, "x.state")] + args,
                                capture_output=True, timeout=10)
        assert result.returncode != 0 and b"metrics" in result.stderr, (args, result.stderr)
    # A port already taken is a startup error, not an endpoint without its admin listener.
    result = subprocess.run([CONFIG_BINARY, "-l", "127.0.0.1", "-p", str(free_port()), "--state-file",
                             os.path.join(cluster.tmpdir, "y.state"), "--metrics-port", str(admin)],
                            capture_output=True, timeout=10)
    assert result.returncode == 71 and b"admin listener" in result.stderr, result.stderr


def test_admin_listener_honours_the_allowlist(cluster):
    refused = start_endpoint_with_metrics_status(cluster, ["--allow", "10.0.0.0/8"])
    assert refused == 403
    cluster.endpoint.stop()
    assert start_endpoint_with_metrics_status(cluster, ["--allow", "127.0.0.1"]) == 200


def start_endpoint_with_metrics_status(cluster, allow):
    """Starts the endpoint with `allow` and its admin listener; returns the status /healthz gets."""
    port = free_port()
    endpoint = cluster.start_endpoint(extra=["--metrics-port", str(port)] + allow)
    status = wait_for(lambda: endpoint.alive() and status_or_none(port), START_TIMEOUT)
    assert endpoint.alive(), endpoint.output[-2000:]
    return status


def status_or_none(port):
    try:
        return get(port, "/healthz")[0]
    except OSError:
        return None


def test_cluster_page_in_a_browser(cluster, tmp_path):
    admin = start_endpoint_with_metrics(cluster)
    names = ["node1", "node2", "node3"]
    for name in names:
        cluster.start_node(name)
    cluster.wait_for_nodes(names)
    url = "http://127.0.0.1:%d/" % admin
    out = os.environ.get("DASHBOARD_SCREENSHOT_DIR") or str(tmp_path)
    os.makedirs(out, exist_ok=True)
    png = os.path.join(out, "dashboard-cluster.png")
    stop = threading.Event()
    loads = [threading.Thread(target=busy_client, args=(cluster.nodes[name].port, stop)) for name in names[:2]]
    for load in loads:
        load.start()
    try:
        # Real seconds, not virtual time: the endpoint serves a gathering again for a second, so the
        # page sees new figures (and request rates) only as real time passes.
        busy = Page(live_page(url, LIVE_SECONDS, screenshot=png), row_attribute="data-node")
    finally:
        stop.set()
        for load in loads:
            load.join(30)
    assert not any(load.is_alive() for load in loads)
    assert int(busy.body.get("data-samples", "0")) >= 2, "the page showed fewer than two gatherings in %ss" % LIVE_SECONDS
    assert set(busy.rows) == {instance(cluster, name) for name in names} | {"total"}
    for name in names[:2]:
        assert number(busy.rows[instance(cluster, name)]["ops"]) > 0, name
    assert number(busy.text("ops")) > 0
    for chart in ("chart-ops", "chart-hits", "chart-nodes", "chart-version"):
        assert int(busy.by_id[chart]["attrs"].get("data-points", "0")) > 0, chart
    assert png_ok(png)

    fresh_report(admin, time.time(), answering=3)
    stats = {name: node_stats(cluster.nodes[name].port) for name in names}
    shown = Page(browser(url, "--dump-dom"), row_attribute="data-node")
    for name in names:
        row, s = shown.rows[instance(cluster, name)], stats[name]
        assert shown.row_attrs[instance(cluster, name)]["data-state"] == "up" and row["state"] == "up"
        assert number(row["items"]) == int(s["curr_items"]), name
        assert number(row["evictions"]) == int(s["evictions"]), name
        gets = int(s["get_hits"]) + int(s["get_misses"])
        assert row["hit-ratio"] == ("%.1f%%" % (100.0 * int(s["get_hits"]) / gets) if gets else "–"), name
        assert row["memory"] == js_bytes(s["bytes"]) + " / " + js_bytes(s["limit_maxbytes"]), name
    total_items = sum(int(stats[name]["curr_items"]) for name in names)
    assert number(shown.rows["total"]["items"]) == number(shown.text("curr-items")) == total_items
    hits = sum(int(stats[name]["get_hits"]) for name in names)
    gets = hits + sum(int(stats[name]["get_misses"]) for name in names)
    assert shown.text("hit-ratio") == "%.1f%%" % (100.0 * hits / gets)
    assert (shown.text("nodes-answering"), shown.text("nodes-known"), shown.text("nodes-listed")) == ("3", "3", "3")

    cluster.nodes["node3"].kill()
    assert wait_for(lambda: get_json(admin, "/cluster.json")["totals"]["nodes_answering"] == 2, DETECTION_LIMIT)
    after = Page(browser(url, "--dump-dom"), row_attribute="data-node")
    victim = instance(cluster, "node3")
    assert victim not in after.rows or after.row_attrs[victim]["data-state"] != "up"
    assert after.text("nodes-answering") == "2"
