"""Raw-socket exchange and response normalisation for the differential tests."""
import re
import socket
import threading
import time

QUIET = 0.3        # a reply is complete once the server has been silent this long (seconds)
STEP_CAP = 8.0     # and a single step never waits longer than this in all


class Sleep:
    """A step that only waits (for expiry and delayed flush cases)."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __repr__(self):
        return "Sleep(%s)" % self.seconds


class Dynamic:
    """A step whose bytes depend on this connection's earlier replies (e.g. a cas unique)."""

    def __init__(self, build, label):
        self.build = build
        self.label = label

    def __repr__(self):
        return "Dynamic(%s)" % self.label


class Case:
    def __init__(self, name, steps, fresh=False, expected_difference=None, sut_args=(), args=()):
        self.name = name
        self.sut_args = list(sut_args)                  # extra flags for swiftcached (fresh cases only)
        self.args = list(args)                          # extra flags for both servers (fresh cases only)
        self.steps = [s.encode() if isinstance(s, str) else s for s in steps]
        self.fresh = fresh                              # needs its own pair of servers
        self.expected_difference = expected_difference  # callable(ref_steps, sut_steps) or None


def _recv_until_quiet(sock, cap=STEP_CAP):
    buf = bytearray()
    closed = False
    deadline = time.monotonic() + cap
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(min(QUIET, left))
        try:
            chunk = sock.recv(262144)
        except socket.timeout:
            break
        except (ConnectionResetError, BrokenPipeError):
            closed = True
            break
        if not chunk:
            closed = True
            break
        buf += chunk
    return bytes(buf), closed


def run_steps(port, steps):
    """Run the steps on one fresh connection; returns a list of (reply bytes, closed) per step."""
    results = []
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        closed = False
        for step in steps:
            if isinstance(step, Sleep):
                time.sleep(step.seconds)
                continue
            if isinstance(step, Dynamic):
                step = step.build([r for r, _ in results])
            if closed:
                results.append((b"", True))
                continue
            send_error = None
            try:
                sock.settimeout(STEP_CAP)
                sock.sendall(step)
            except (BrokenPipeError, ConnectionResetError) as e:
                send_error = e
            except socket.timeout:
                send_error = "send timed out"
            reply, closed = _recv_until_quiet(sock)
            if send_error is not None:
                closed = True
            results.append((reply, closed))
    finally:
        sock.close()
    return results


def run_both(ref_port, sut_port, steps):
    """The same steps against both servers at once (so the quiet waits overlap)."""
    out = {}

    def go(key, port):
        try:
            out[key] = run_steps(port, steps)
        except Exception as e:  # reported as a difference, not swallowed
            out[key] = [("EXCEPTION %r" % (e,), True)]

    threads = [threading.Thread(target=go, args=("ref", ref_port)),
               threading.Thread(target=go, args=("sut", sut_port))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out.get("ref", [("THREAD DID NOT FINISH", True)]), out.get("sut", [("THREAD DID NOT FINISH", True)])


_VALUE_CAS = re.compile(rb"^(VALUE \S+ \d+ \d+) (\d+)$")
_STAT = re.compile(rb"^STAT (\S+) .*$")
_VERSION = re.compile(rb"^VERSION .*$")


def normalise(results):
    """Mask what may legitimately differ: the VERSION text, STAT values, and absolute cas uniques
    (replaced by C1, C2, … in order of first appearance on the connection, so equal/unequal cas
    relations are still compared)."""
    cas_names = {}
    out = []
    for reply, closed in results:
        if isinstance(reply, str):
            out.append((reply, closed))
            continue
        lines = reply.split(b"\r\n")
        norm = []
        for line in lines:
            m = _VALUE_CAS.match(line)
            if m:
                c = m.group(2)
                cas_names.setdefault(c, b"C%d" % (len(cas_names) + 1))
                line = m.group(1) + b" " + cas_names[c]
            elif _STAT.match(line):
                line = b"STAT " + _STAT.match(line).group(1) + b" <v>"
            elif _VERSION.match(line):
                line = b"VERSION <masked>"
            norm.append(line)
        out.append((b"\r\n".join(norm), closed))
    return out


def cas_of(reply, key=None):
    """The cas unique from the first `VALUE key flags bytes cas` line of a reply."""
    for line in reply.split(b"\r\n"):
        parts = line.split(b" ")
        if len(parts) == 5 and parts[0] == b"VALUE" and (key is None or parts[1] == key):
            return parts[4]
    return b"0"


def show(results, limit=600):
    lines = []
    for i, (reply, closed) in enumerate(results):
        r = reply if isinstance(reply, str) else repr(reply if len(reply) <= limit else
                                                      reply[:limit] + b"...<%d bytes>" % len(reply))
        lines.append("  step %d: %s%s" % (i, r, "  [connection closed]" if closed else ""))
    return "\n".join(lines)
