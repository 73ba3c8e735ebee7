"""The dashboard in a real browser: Debian's chromium, headless, loads `/` from a running server,
first while a client keeps it busy (the charts must have drawn from several polls; the screenshot
is taken then), then quiesced,
when the figures and slab rows it shows must be those `stats` gives. A PNG screenshot of the page
goes to $DASHBOARD_SCREENSHOT_DIR (docs/images for the documentation) or the test's temporary
folder. Without chromium the test fails: the browser is part of what is tested."""
import os
import threading

from admin_http import StatsConnection, start_with_metrics
from browser_page import Page, browser, busy_client, number, png_ok


def test_dashboard_shows_what_stats_says(server_factory, tmp_path):
    server, admin = start_with_metrics(server_factory)
    url = "http://127.0.0.1:%d/" % admin
    stop = threading.Event()
    load = threading.Thread(target=busy_client, args=(server.port, stop))
    load.start()
    out = os.environ.get("DASHBOARD_SCREENSHOT_DIR") or str(tmp_path)
    os.makedirs(out, exist_ok=True)
    png = os.path.join(out, "dashboard-node.png")
    try:
        busy = Page(browser(url, "--dump-dom"))
        browser(url, "--screenshot=" + png)
    finally:
        stop.set()
        load.join(30)
    assert not load.is_alive()
    assert int(busy.body.get("data-samples", "0")) >= 2, "the page polled /stats.json fewer than twice"
    for chart in ("chart-ops", "chart-hits", "chart-evictions", "chart-conns", "chart-memory"):
        assert int(busy.by_id[chart]["attrs"].get("data-points", "0")) > 0, chart
    assert number(busy.text("ops")) > 0, "no requests per second shown under load"

    conn = StatsConnection(server.port)
    try:
        general = conn.stats()
        slabs = conn.stats("slabs")
        items = conn.stats("items")
        shown = Page(browser(url, "--dump-dom"))
    finally:
        conn.close()
    hits, gets = int(general["get_hits"]), int(general["get_hits"]) + int(general["get_misses"])
    assert shown.text("hit-ratio") == "%.1f%%" % (100.0 * hits / gets)
    assert shown.by_id["hit-ratio"]["attrs"]["data-hits"] == general["get_hits"]
    assert number(shown.text("curr-items")) == int(general["curr_items"])
    assert number(shown.text("evictions")) == int(general["evictions"])
    assert shown.text("policy") == "s3fifo"
    classes = {name.split(":")[0] for name in slabs if ":" in name}
    assert set(shown.rows) == classes and len(classes) > 3
    for cls in classes:
        row = shown.rows[cls]
        assert number(row["chunk-size"]) == int(slabs[cls + ":chunk_size"]), cls
        assert number(row["pages"]) == int(slabs[cls + ":total_pages"]), cls
        assert number(row["used-chunks"]) == int(slabs[cls + ":used_chunks"]), cls
        assert number(row["items"]) == int(items.get("items:%s:number" % cls, "0")), cls
    assert int(shown.by_id["chart-slabs"]["attrs"]["data-bars"]) == len(classes)
    assert png_ok(png)
