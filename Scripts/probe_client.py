"""The well-behaved client: an unrelated application that keeps doing `get` of a small key every
~20 ms on its own connection while a hostile client works on the same server. Its latency and
failures are what the other users of a shared cache would feel."""
import math
import multiprocessing
import time

import memclient

PROBE_KEY = "probe:key"
PROBE_VALUE = memclient.value_for(PROBE_KEY, 1, 32)
TIMEOUT = 1.0      # a get not answered within this is a failure
INTERVAL = 0.02   # ~100 samples in a 2 s smoke case, so one scheduling stall is not the p99
STARTUP_TIMEOUT = 20.0
MP = multiprocessing.get_context("spawn")   # a clean process: the parent runs threads


def percentile(sorted_values, fraction):
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]


def summarize(latencies, failures, misses):
    """p50 / p99 / max in milliseconds of the answered gets, plus counts."""
    ms = sorted(x * 1000.0 for x in latencies)
    return dict(n=len(ms), p50=percentile(ms, 0.50), p99=percentile(ms, 0.99),
                max=ms[-1] if ms else None, failures=failures, misses=misses)


class ProbeLoop:
    """The probe itself, run in its own process (see Probe). A miss (the key evicted by the case)
    is an answer, counted apart; a timeout, a closed connection or a wrong value is a failure,
    after which the probe reconnects."""

    def __init__(self, port, auth=None):
        self.port, self.auth = port, auth
        self.sock = None
        self.latencies, self.failures, self.misses = [], 0, 0

    def _connect(self):
        self.sock = memclient.connect(self.port, TIMEOUT)
        if self.auth:
            memclient.authenticate(self.sock, *self.auth, timeout=TIMEOUT)

    def _close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def one(self):
        started = time.monotonic()
        try:
            if self.sock is None:
                self._connect()
            value = memclient.get_value(self.sock, PROBE_KEY, TIMEOUT)
            if value is not None and value != PROBE_VALUE:
                raise RuntimeError("wrong value")
            self.latencies.append(time.monotonic() - started)
            self.misses += value is None
        except (OSError, RuntimeError, ConnectionError):
            self.failures += 1
            self._close()

    def run(self, commands, ready):
        """One get every INTERVAL until told to stop. `commands` is the probe's end of a pipe:
        'lap' answers the summary since the last lap and starts a new one, 'stop' answers it and
        ends. `ready` is set after the first get, answered or not."""
        while True:
            began = time.monotonic()
            self.one()
            ready.set()
            if commands.poll(max(0.0, INTERVAL - (time.monotonic() - began))):
                command = commands.recv()
                commands.send(summarize(self.latencies, self.failures, self.misses))
                self.latencies, self.failures, self.misses = [], 0, 0
                if command == "stop":
                    self._close()
                    return


def probe_process(port, auth, commands, ready):
    ProbeLoop(port, auth).run(commands, ready)


class Probe:
    """start() … lap() … stop() runs the probe in a separate process, so that neither the hostile
    client's Python loops (the GIL) nor this process's samplers delay it: its latency is the
    server's. lap() ends one measurement (the idle one) and begins the next."""

    def __init__(self, port, auth=None):
        self.port, self.auth = port, auth
        self._process = None
        self._summary = summarize([], 0, 0)

    def store_key(self):
        memclient.store_all(self.port, [(PROBE_KEY, PROBE_VALUE)], auth=self.auth)

    def start(self):
        self._commands, child_end = MP.Pipe()
        self._ready = MP.Event()
        self._process = MP.Process(target=probe_process, daemon=True,
                                   args=(self.port, self.auth, child_end, self._ready))
        self._process.start()
        self._ready.wait(STARTUP_TIMEOUT)   # the case starts once the probe is at work
        return self

    def _ask(self, command):
        self._commands.send(command)
        if self._commands.poll(TIMEOUT + 10):
            return self._commands.recv()
        return dict(summarize([], 0, 0), failures=-1)   # the probe itself hung

    def lap(self):
        """The summary since start() or the previous lap; the probe goes on."""
        return self._ask("lap")

    def stop(self):
        """Ends the probe (idempotent) and returns the summary since the last lap."""
        if self._process is not None:
            self._summary = self._ask("stop")
            self._process.join(5)
            if self._process.is_alive():
                self._process.kill()
            self._process = None
        return self._summary

    def close(self):
        self.stop()
