"""Helpers for the dashboard tests in a real browser: Debian's chromium, headless, loads a page and
gives back the DOM it rendered (or a screenshot), and `Page` reads that DOM: each element's
attributes and text by id, and the rows of a table by one `data-` attribute. Without chromium the
tests fail: the browser is part of what is tested."""
import shutil
import subprocess
from html.parser import HTMLParser

from pymemcache.client.base import Client

BROWSER_TIMEOUT = 60
VIRTUAL_TIME_MS = "5000"   # five of the page's one-second polls


def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "chromium is not installed (apt-get install chromium): the dashboard test needs a real browser"
    return path


def browser(url, *extra):
    """Runs headless chromium on `url` with `extra` flags (--dump-dom, --screenshot=PATH); returns stdout."""
    argv = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--window-size=1280,1500", "--virtual-time-budget=" + VIRTUAL_TIME_MS] + list(extra) + [url]
    result = subprocess.run(argv, capture_output=True, timeout=BROWSER_TIMEOUT)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.decode()


class Page(HTMLParser):
    """Each element's attributes and text, by id; the rows (`tr`) carrying `row_attribute`, by its
    value, each as {cell class: text}."""

    def __init__(self, html, row_attribute="data-class"):
        super().__init__()
        self.row_attribute = row_attribute
        self.by_id, self.rows, self.row_attrs, self.body = {}, {}, {}, {}
        self._open = []        # (id or None, row key or None, cell class or None)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.body = attrs
        if "id" in attrs:
            self.by_id[attrs["id"]] = {"attrs": attrs, "text": ""}
        key = attrs.get(self.row_attribute) if tag == "tr" else None
        if key is not None:
            self.rows[key] = {}
            self.row_attrs[key] = attrs
        row = key if tag == "tr" else (self._open[-1][1] if self._open else None)
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


def busy_client(port, stop, rounds=200000):
    """Sets and gets (some misses) against 127.0.0.1:port until `stop` is set or `rounds` are done."""
    client = Client(("127.0.0.1", port), timeout=5, default_noreply=False)
    i = 0
    while not stop.is_set() and i < rounds:
        client.set("load%d" % (i % 500), b"x" * (i % 2000))
        client.get("load%d" % ((i * 7) % 700))
        i += 1
    client.close()


def png_ok(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"
