"""Sampling a process's resident memory (VmRSS, VmHWM from /proc/PID/status) every ~50 ms on a
background thread while a case runs, so a short spike is seen and not only the state at the end."""
import threading

KB = 1024
MB = 1 << 20


def read_status(pid):
    """{'VmRSS': bytes, 'VmHWM': bytes}, or None once the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    out = {}
    for line in lines:
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(rest.split()[0]) * KB
    return out if len(out) == 2 else None


class MemorySampler:
    """start() records the RSS before; stop() returns before / peak / high-water mark in MB.
    The peak is the largest sample, or the kernel's VmHWM when that rose during the sampling
    (a spike between two samples)."""

    def __init__(self, pid, interval=0.05):
        self.pid, self.interval = pid, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.samples = 0
        self.before = self.hwm_before = self.peak = self.last = 0

    def start(self):
        status = read_status(self.pid) or {"VmRSS": 0, "VmHWM": 0}
        self.before = self.peak = self.last = status["VmRSS"]
        self.hwm_before = self.hwm = status["VmHWM"]
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            status = read_status(self.pid)
            if status is None:
                return
            self.samples += 1
            self.last = status["VmRSS"]
            self.peak = max(self.peak, status["VmRSS"])
            self.hwm = status["VmHWM"]
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        self._thread.join(5)
        peak = max(self.peak, self.hwm if self.hwm > self.hwm_before else 0)
        return dict(rss_before_mb=self.before / MB, rss_peak_mb=peak / MB, rss_end_mb=self.last / MB,
                    growth_mb=(peak - self.before) / MB, samples=self.samples)
