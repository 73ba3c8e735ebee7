"""Helpers for the dashboard tests in a real browser: Debian's chromium, headless, loads a page and
gives back the DOM it rendered (or a screenshot) — at once under virtual time (`browser`), or after
real seconds through the DevTools protocol (`live_page`, for pages whose data change only with real
time) — and `Page` reads that DOM: each element's attributes and text by id, and the rows of a
table by one `data-` attribute. Without chromium the tests fail: the browser is part of what is
tested."""
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from html.parser import HTMLParser

from pymemcache.client.base import Client

BROWSER_TIMEOUT = 60
VIRTUAL_TIME_MS = "5000"   # five of the page's one-second polls
WINDOW = (1280, 1500)


def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "chromium is not installed (apt-get install chromium): the dashboard test needs a real browser"
    return path


def browser(url, *extra):
    """Runs headless chromium on `url` with `extra` flags (--dump-dom, --screenshot=PATH); returns stdout."""
    argv = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--window-size=%d,%d" % WINDOW, "--virtual-time-budget=" + VIRTUAL_TIME_MS] + list(extra) + [url]
    result = subprocess.run(argv, capture_output=True, timeout=BROWSER_TIMEOUT)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.decode()


class DevTools:
    """Headless chromium driven over `--remote-debugging-pipe`: commands go in on the browser's
    descriptor 3 and answers come back on 4, each a JSON message ended by a NUL byte. Every wait is
    bounded; `close` always ends the browser."""

    def __init__(self):
        command_read, self.command_write = os.pipe()
        self.answer_read, answer_write = os.pipe()

        def descriptors_3_and_4():   # in the child, before exec: above 10 first, so neither is overwritten
            read_end = fcntl.fcntl(command_read, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(answer_write, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.proc = subprocess.Popen([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                      "--window-size=%d,%d" % WINDOW, "--remote-debugging-pipe", "about:blank"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     close_fds=False, preexec_fn=descriptors_3_and_4)
        os.close(command_read)
        os.close(answer_write)
        self.last_id = 0
        self.pending = b""

    def call(self, method, params=None, session=None, timeout=BROWSER_TIMEOUT):
        """Sends one command and returns its result (events in between are skipped)."""
        self.last_id += 1
        message = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.command_write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self.pending:
                raw, _, self.pending = self.pending.partition(b"\0")
                answer = json.loads(raw)
                if answer.get("id") == self.last_id:
                    assert "error" not in answer, (method, answer)
                    return answer["result"]
            remaining = deadline - time.monotonic()
            assert remaining > 0, "chromium did not answer %s within %ds" % (method, timeout)
            if select.select([self.answer_read], [], [], remaining)[0]:
                chunk = os.read(self.answer_read, 1 << 20)
                assert chunk, "chromium closed its DevTools pipe"
                self.pending += chunk

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except (AssertionError, OSError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        os.close(self.command_write)
        os.close(self.answer_read)


def live_page(url, seconds, screenshot=None):
    """Opens `url` in headless chromium, lets it run `seconds` of real time, and returns the DOM
    then (and writes a PNG of the window to `screenshot`)."""
    tools = DevTools()
    try:
        target = tools.call("Target.createTarget", {"url": url, "width": WINDOW[0], "height": WINDOW[1]})["targetId"]
        session = tools.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        time.sleep(seconds)
        html = tools.call("Runtime.evaluate", {"expression": "document.documentElement.outerHTML", "returnByValue": True},
                          session)["result"]["value"]
        if screenshot:
            png = tools.call("Page.captureScreenshot", {"format": "png"}, session)["data"]
            with open(screenshot, "wb") as f:
                f.write(base64.b64decode(png))
        return html
    finally:
        tools.close()


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
