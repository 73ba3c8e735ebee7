"""The dashboard in a real browser: Debian's chromium, headless, loads `/` from a running server,
first while a client keeps it busy (the charts must have drawn from several polls; the screenshot
is taken then), then quiesced,
when the figures and slab rows it shows must be those `stats` gives. A PNG screenshot of the page
goes to $DASHBOARD_SCREENSHOT_DIR (docs/images for the documentation) or the test's temporary
folder. Without chromium the test fails: the browser is part of what is tested."""
import os
import shutil
import subprocess
import threading
from html.parser import HTMLParser

from pymemcache.client.base import Client

from admin_http import StatsConnection, start_with_metrics

BROWSER_TIMEOUT = 60
VIRTUAL_TIME_MS = "5000"   # five polls of /stats.json


def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "chromium is not installed (apt-get install chromium): the dashboard test needs a real browser"
    return path


def browser(url, *extra):
    argv = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--window-size=1280,1500", "--virtual-time-budget=" + VIRTUAL_TIME_MS] + list(extra) + [url]
    result = subprocess.run(argv, capture_output=True, timeout=BROWSER_TIMEOUT)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.decode()


class Page(HTMLParser):
    """Each element's attributes and text, by id; the slab table's rows by class."""

    def __init__(self, html):
        super().__init__()
        self.by_id, self.rows, self.body = {}, {}, {}
        self._open = []        # (id or None, row class or None, cell class or None)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.body = attrs
        if "id" in attrs:
            self.by_id[attrs["id"]] = {"attrs": attrs, "text": ""}
        if tag == "tr" and "data-class" in attrs:
            self.rows[attrs["data-class"]] = {}
        row = attrs.get("data-class") if tag == "tr" else (self._open[-1][1] if self._open else None)
        self._open.append((attrs.get("id"), row, attrs.get("class") if tag == "td" else None))

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for element_id, row, cell in reversed(self._open):
            if element_id:
                self.by_id[element_id]["text"] += data
                break
        if self._open and self._open[-1][2] and self._open[-1][1] in self.rows:
            self.rows[self._open[-1][1]][self._open[-1][2]] = data

    def text(self, element_id):
        return self.by_id[element_id]["text"].strip()


def number(text):
    return int(text.replace(",", ""))


def busy_client(port, stop):
    client = Client(("127.0.0.1", port), timeout=5, default_noreply=False)
    i = 0
    while not stop.is_set() and i < 200000:
        client.set("load%d" % (i % 500), b"x" * (i % 2000))
        client.get("load%d" % ((i * 7) % 700))
        i += 1
    client.close()


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
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
