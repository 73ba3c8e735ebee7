"""openssl's own C clients for the TLS benchmark (Scripts/bench_tls.py): `openssl s_time` opening
new TLS connections one after another, with full or resumed handshakes, and `openssl s_client`
saying which protocol version and cipher a server negotiates. Standard library only."""
import re
import resource
import shutil
import subprocess
import time

OPENSSL = shutil.which("openssl")
# s_time prints one mark per connection: "r" when the session was resumed, else its version
# ("*" for TLS 1.2 and 1.3, "t" for TLS 1.0, "3" for SSL 3).
MARKS = re.compile(r"^[rt3*]+$")
REAL_TIME = re.compile(r"^(\d+) connections in (\d+) real seconds")


def require_openssl():
    if not OPENSSL:
        raise SystemExit("openssl not found: apt-get install openssl")
    return OPENSSL


def s_time(port, resumed, seconds):
    """`openssl s_time -new` (full handshakes) or `-reuse` (every connection offers the first one's
    session) against 127.0.0.1:port for `seconds`: (connections, s_time's "real seconds", seconds
    measured here around the process, resumed connections, s_time's own CPU seconds: user and
    system). s_time counts real time in whole
    seconds (up to a second off), so rates are better taken from the time measured here.
    `-www /` makes each connection send one request line and read until the server closes, which
    both servers do at once for an HTTP request line; reading is also what takes in the TLS 1.3
    tickets a resumed handshake needs."""
    argv = [require_openssl(), "s_time", "-connect", "127.0.0.1:%d" % port, "-reuse" if resumed else "-new",
            "-time", str(seconds), "-www", "/"]
    started, before = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    elapsed, after = time.monotonic() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = done.stdout.splitlines()
    # In -reuse mode the first connection, which gets the session, prints no mark.
    marks = "".join(line for line in lines if MARKS.match(line))
    totals = [REAL_TIME.match(line) for line in lines]
    totals = [m for m in totals if m]
    if done.returncode != 0 or not totals:
        raise RuntimeError("%s failed (exit %d): %s" % (" ".join(argv), done.returncode, (done.stdout + done.stderr)[-500:]))
    connections, real_seconds = int(totals[-1].group(1)), int(totals[-1].group(2))
    return connections, real_seconds, elapsed, marks.count("r"), client_cpu


def negotiated(port):
    """(protocol version, cipher) a default `openssl s_client` gets from 127.0.0.1:port, as memtier
    and s_time (the same OpenSSL defaults) get them."""
    argv = [require_openssl(), "s_client", "-connect", "127.0.0.1:%d" % port, "-brief"]
    done = subprocess.run(argv, input="", capture_output=True, text=True, timeout=30)
    fields = dict(line.split(": ", 1) for line in done.stderr.splitlines() if ": " in line)
    protocol, cipher = fields.get("Protocol version"), fields.get("Ciphersuite")
    if not protocol or not cipher:
        raise RuntimeError("%s: no handshake: %s" % (" ".join(argv), done.stderr[-500:]))
    return protocol.strip(), cipher.strip()
