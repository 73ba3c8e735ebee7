"""What a TLS server's session handling does over one fixed sequence of connections: a full TLS 1.3
handshake, two connections resuming its session, then the same with TLS 1.2. Each step records
whether the connection resumed and the server's `ssl_new_sessions` afterwards, so a data node or the
configuration endpoint can be compared step by step with memcached -Z. Each connection sends
`version` and reads the answer, which also takes in the TLS 1.3 tickets that come after the
handshake."""
import socket
import ssl
import time

STEPS = [(ssl.TLSVersion.TLSv1_3, "full"), (ssl.TLSVersion.TLSv1_3, "resumed"), (ssl.TLSVersion.TLSv1_3, "resumed"),
         (ssl.TLSVersion.TLSv1_2, "full"), (ssl.TLSVersion.TLSv1_2, "resumed"), (ssl.TLSVersion.TLSv1_2, "resumed")]


def client_context(cafile, version):
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)
    context.minimum_version = context.maximum_version = version
    return context


def connect_once(port, context, session=None, timeout=5.0):
    """(the connection's session, whether it resumed `session`)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        with context.wrap_socket(raw, server_hostname="localhost", session=session) as tls:
            tls.sendall(b"version\r\n")
            answer, deadline = b"", time.monotonic() + timeout
            while not answer.endswith(b"\r\n") and time.monotonic() < deadline:
                chunk = tls.recv(256)
                if not chunk:
                    break
                answer += chunk
            assert answer.startswith(b"VERSION "), answer
            return tls.session, tls.session_reused


def session_trace(port, cafile, new_sessions):
    """[(version, kind, resumed, new_sessions())] over STEPS; `new_sessions` reads the server's
    counter (through a clear-text listener, so that reading it makes no handshake), or None."""
    trace, session = [], None
    contexts = {}  # Python resumes a session only through the context that made it
    for version, kind in STEPS:
        context = contexts.setdefault(version, client_context(cafile, version))
        offered = session if kind == "resumed" else None
        got, resumed = connect_once(port, context, offered)
        if kind == "full":
            session = got
        trace.append((version.name, kind, resumed, new_sessions()))
    return trace
