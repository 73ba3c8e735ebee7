"""New TLS connections one after another, as a client that reconnects for every request would make
them: connect, handshake, one `version` and its answer, close. Full handshakes (no session kept),
or resumed ones (each connection offers the session of the one before: TLS 1.3 tickets, which the
servers issue with `-o ssl_session_cache`). Used by Scripts/bench_tls.py --handshakes."""
import os
import socket
import ssl
import time


def client_context(certs):
    """Verifies the servers' certificate against the test CA (names are not checked: 127.0.0.1)."""
    context = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
    context.check_hostname = False
    return context


def one_connection(port, context, session):
    """(the connection's session, whether it resumed the one offered)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, session=session) as tls:
            tls.sendall(b"version\r\n")
            answer = b""
            while not answer.endswith(b"\r\n"):
                chunk = tls.recv(256)
                if not chunk:
                    raise ConnectionError("closed before answering version")
                answer += chunk
            # Read after the answer: a TLS 1.3 ticket arrives after the handshake.
            return tls.session, tls.session_reused


def run(port, certs, count, resumed):
    """(connections per second, connections that resumed a session) over `count` connections."""
    context = client_context(certs)
    session, reused = None, 0
    started = time.monotonic()
    for _ in range(count):
        new_session, was_reused = one_connection(port, context, session if resumed else None)
        reused += was_reused
        if resumed:
            session = new_session
    return count / (time.monotonic() - started), reused
