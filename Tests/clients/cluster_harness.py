"""A local cluster for the auto-discovery tests: swiftcached-config plus data nodes on loopback.

Every process is started on a free port and stopped at teardown; every wait is bounded.
SWIFTCACHED_CONFIG_BINARY defaults to swiftcached-config next to SWIFTCACHED_BINARY.
"""
import hashlib
import hmac
import os
import signal
import socket
import ssl
import subprocess
import time

import pytest

from conftest import SWIFTCACHED_BINARY, free_port, with_user

CONFIG_BINARY = os.environ.get("SWIFTCACHED_CONFIG_BINARY") or os.path.join(
    os.path.dirname(SWIFTCACHED_BINARY), "swiftcached-config")

# Fast probing for tests; docs/cluster.md gives the defaults (1 s, 0.5 s).
PROBE_INTERVAL = 0.2
PROBE_TIMEOUT = 0.2
FAILURES_TO_DROP = 3
# ProbeSettings.worstCaseDetectionSeconds for the values above, plus slack for slow (TSan) builds.
DETECTION_LIMIT = (FAILURES_TO_DROP + 1) * PROBE_INTERVAL + FAILURES_TO_DROP * PROBE_TIMEOUT + 2.0


class Process:
    """One process listening on 127.0.0.1:port once started."""

    def __init__(self, argv_for_port, port=None, preexec_fn=None):
        self.argv_for_port = argv_for_port
        self.port = port
        self.preexec_fn = preexec_fn
        self.proc = None
        self.output = b""

    def start(self, timeout=15.0):
        for _attempt in range(3):
            port = self.port or free_port()
            self.proc = subprocess.Popen(self.argv_for_port(port), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         preexec_fn=self.preexec_fn)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    self.port = port
                    return self
                except OSError:
                    time.sleep(0.05)
            self.stop()
            if self.port:
                break
        raise RuntimeError("could not start %r: %r" % (self.argv_for_port(0), self.output[-2000:]))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL: the node dies without deregistering, as a crashed host would."""
        if self.alive():
            self.proc.kill()
        self.stop()

    def signal(self, number):
        self.proc.send_signal(number)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.output += self.proc.stdout.read() or b""
        self.proc.stdout.close()
        self.proc = None


def command(port, line, until=b"\r\n", timeout=5.0, tls=None):
    """Sends one request line, returns the answer read up to `until` (bounded by `timeout`); over
    TLS with `tls` (an ssl.SSLContext; the server must be certified for localhost)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if tls:
        s = tls.wrap_socket(s, server_hostname="localhost")
    with s:
        return exchange(s, line, until, timeout)


def exchange(sock, line, until=b"\r\n", timeout=5.0):
    """Sends `line` on an open connection and returns the answer read up to `until` (bounded by
    `timeout`)."""
    sock.sendall(line)
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(until) and time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def strict_parse(answer):
    """The strictest client's reading (AWS Java client, libmemcached): exact byte count, then
    \\r\\nEND\\r\\n; version >= 1; two lines; nodes sorted by host; dotted IPv4 when an ip is given.
    Returns (version, [(host, ip, port)])."""
    header, sep, rest = answer.partition(b"\r\n")
    assert sep, answer
    words = header.split(b" ")
    assert len(words) == 4 and words[:3] == [b"CONFIG", b"cluster", b"0"], header
    length = int(words[3])
    body, trailer = rest[:length], rest[length:]
    assert trailer == b"\r\nEND\r\n", (length, rest)
    assert answer.endswith(b"\n\r\nEND\r\n")
    lines = body.split(b"\n")
    assert len(lines) == 3 and lines[2] == b"", body
    version = int(lines[0])
    assert version >= 1
    nodes = []
    for entry in lines[1].split(b" ") if lines[1] else []:
        host, ip, port = entry.decode().split("|")
        if ip:
            assert len(ip.split(".")) == 4 and all(o.isdigit() and int(o) <= 255 for o in ip.split(".")), ip
        nodes.append((host, ip, int(port)))
    assert nodes == sorted(nodes, key=lambda n: (n[0], n[2], n[1])), nodes
    return version, nodes


PROOF_DOMAIN = b"swiftcached-membership-v1\n"   # MembershipProof.domain


def signed(command_line, secret, payload=None, now=None, nonce=None):
    """`command_line` (bytes, words separated by single spaces) with a cluster-secret proof
    appended: unix seconds, a 16-byte nonce and HMAC-SHA256 over the domain, the line so far and,
    for config set, a newline and the payload (docs/cluster.md). Computed here with Python's hmac,
    independently of the server's libcrypto."""
    now = int(time.time()) if now is None else now
    nonce = os.urandom(16) if nonce is None else nonce
    line = b"%s %d %s" % (command_line, now, nonce.hex().encode())
    message = PROOF_DOMAIN + line + (b"\n" + payload if payload is not None else b"")
    return line + b" " + hmac.new(secret, message, hashlib.sha256).hexdigest().encode()


def signed_config_set(port, secret, payload):
    """config set cluster with a proof; returns the answer line."""
    line = signed(b"config set cluster 0 %d" % len(payload), secret, payload=payload)
    return command(port, line + b"\r\n" + payload + b"\r\n")


def config_get(port, tls=None):
    return strict_parse(command(port, b"config get cluster\r\n", until=b"END\r\n", tls=tls))


def client_tls_context(certs, cert="client", ca="ca"):
    """A client context trusting `certs`/ca.pem and presenting `cert` (None: no certificate)."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=os.path.join(certs, ca + ".pem"))
    if cert:
        context.load_cert_chain(os.path.join(certs, cert + ".pem"), os.path.join(certs, cert + ".key"))
    return context


def free_port_run(count, low=21000, high=32000):
    """A port P with P .. P+count-1 all free on 127.0.0.1, below the ephemeral range (so that an
    outgoing connection cannot take the port of a node while it restarts). Scripts/cluster.sh puts
    its endpoint on P and node K on P+K."""
    for base in range(low, high - count, 7):
        try:
            for port in range(base, base + count):
                socket.create_server(("127.0.0.1", port)).close()
            return base
        except OSError:
            continue
    raise RuntimeError("no %d free ports in a row" % count)


def wait_for(predicate, timeout, step=0.05):
    """Polls `predicate` until it returns a truthy value or `timeout` passes; returns the value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)


class Cluster:
    """An endpoint and data nodes named node1, node2, … (ip 127.0.0.1) on free ports. With
    `secret` (the default) endpoint and registering nodes share a generated cluster secret file;
    without one the endpoint accepts no registrations. With `tls` (a directory made by
    tls_certificates.make_certificates) everything speaks TLS: the endpoint serves it (server.pem)
    and probes with it, nodes run -Z and register over it presenting client.pem, and `config()`
    asks over it; `probe_tls=False` leaves the probes in the clear."""

    def __init__(self, tmpdir, use_file=False, secret=True, tls=None, probe_tls=True):
        self.tmpdir = str(tmpdir)
        os.makedirs(self.tmpdir, exist_ok=True)  # the secret file goes in it at once
        self.cluster_file = os.path.join(self.tmpdir, "cluster.nodes") if use_file else None
        self.state_file = os.path.join(self.tmpdir, "endpoint.state")
        self.secret = os.urandom(32).hex().encode() if secret else None
        self.secret_file = os.path.join(self.tmpdir, "cluster.secret") if secret else None
        if secret:
            fd = os.open(self.secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(self.secret + b"\n")
        self.endpoint = None
        self.nodes = {}
        self.endpoint_port = free_port()
        self.tls = tls
        self.probe_tls = probe_tls
        self.client_tls = client_tls_context(tls) if tls else None

    def certificate(self, name):
        return os.path.join(self.tls, name)

    def endpoint_tls_argv(self):
        if not self.tls:
            return []
        argv = ["-Z", "--tls-cert", self.certificate("server.pem"), "--tls-key", self.certificate("server.key")]
        return argv + (["--probe-tls", "--probe-ca-cert", self.certificate("ca.pem")] if self.probe_tls else [])

    def node_tls_argv(self, register):
        if not self.tls:
            return []
        argv = ["-Z", "-o", "ssl_chain_cert=%s,ssl_key=%s" % (self.certificate("server.pem"), self.certificate("server.key"))]
        if register:
            argv += ["--cluster-endpoint-tls", "--cluster-ca-cert", self.certificate("ca.pem"),
                     "--cluster-client-cert", self.certificate("client.pem"),
                     "--cluster-client-key", self.certificate("client.key")]
        return argv

    def endpoint_argv(self, port):
        argv = [CONFIG_BINARY, "-l", "127.0.0.1", "-p", str(port), "-t", "1", "--state-file", self.state_file,
                "--probe-interval", str(PROBE_INTERVAL), "--probe-timeout", str(PROBE_TIMEOUT),
                "--failures-to-drop", str(FAILURES_TO_DROP), "-v"]
        if self.cluster_file:
            argv += ["--cluster-file", self.cluster_file]
        if self.secret_file:
            argv += ["--cluster-secret-file", self.secret_file]
        return argv + self.endpoint_tls_argv()

    def start_endpoint(self, extra=(), preexec_fn=None):
        if self.cluster_file and not os.path.exists(self.cluster_file):
            self.write_file([])
        self.endpoint = Process(lambda port: self.endpoint_argv(port) + list(extra), port=self.endpoint_port,
                                preexec_fn=preexec_fn).start()
        return self.endpoint

    def start_node(self, name, register=True, port=None, extra=(), register_over_tls=True):
        """`extra` comes after the harness's own flags (a repeated option's last value wins)."""
        def argv(p):
            base = with_user([SWIFTCACHED_BINARY, "-U", "0", "-l", "127.0.0.1", "-p", str(p), "-m", "32", "-t", "1"])
            base += self.node_tls_argv(register and register_over_tls) + list(extra)
            if register:
                base += ["--cluster-endpoint", "127.0.0.1:%d" % self.endpoint_port,
                         "--advertise", "%s|127.0.0.1|%d" % (name, p), "--heartbeat-interval", "0.3"]
                if self.secret_file:
                    base += ["--cluster-secret-file", self.secret_file]
            return base
        node = Process(argv, port=port).start()
        self.nodes[name] = node
        return node

    def write_file(self, names, comment="# written by the test\n", extra_entries=()):
        entries = ["%s|127.0.0.1|%d" % (n, self.nodes[n].port) for n in names] + list(extra_entries)
        with open(self.cluster_file, "w") as f:
            f.write(comment + "\n".join(entries) + "\n")

    def config(self):
        return config_get(self.endpoint.port, tls=self.client_tls)

    def signed(self, command_line, payload=None, **proof):
        return signed(command_line, self.secret, payload=payload, **proof)

    def config_set(self, payload):
        return signed_config_set(self.endpoint.port, self.secret, payload)

    def wait_for_nodes(self, names, timeout=10.0):
        """Waits until the endpoint lists exactly `names`; returns (version, nodes) or fails."""
        want = sorted(names)
        got = wait_for(lambda: (lambda c: c if sorted(n[0] for n in c[1]) == want else None)(self.config()), timeout)
        assert got, "endpoint never listed %s; last: %s" % (want, self.config())
        return got

    def addresses(self):
        return ["127.0.0.1:%d" % port for _, _, port in self.config()[1]]

    def stop(self):
        for node in self.nodes.values():
            node.stop()
        if self.endpoint:
            self.endpoint.stop()


@pytest.fixture
def cluster(tmp_path):
    """A Cluster (with a secret) in the test's temporary folder, stopped at teardown. Test modules
    import this fixture by name."""
    c = Cluster(tmp_path)
    try:
        yield c
    finally:
        c.stop()
