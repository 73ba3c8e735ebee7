import COpenSSL

/// The client end of one TLS connection over a non-blocking socket, for short request/answer
/// exchanges driven by `poll` (the handshake runs inside the first write). Used by one thread at a
/// time; the socket stays its owner's to close.
public final class TLSClientChannel {
    private let ssl: OpaquePointer
    /// A fatal TLS or socket error happened: OpenSSL forbids a close_notify afterwards.
    private var broken = false

    init?(fd: Int32, context: OpaquePointer, host: String?) {
        guard let ssl = SSL_new(context) else { return nil }
        guard SSL_set_fd(ssl, fd) == 1, host.map({ SSL_set1_host(ssl, $0) == 1 }) ?? true else {
            SSL_free(ssl)
            return nil
        }
        SSL_set_connect_state(ssl)
        self.ssl = ssl
    }

    deinit {
        SSL_free(ssl)
    }

    /// Writes from `bytes`; a blocked write must be retried with the same bytes.
    func send(_ bytes: UnsafeRawBufferPointer) -> TransportIO {
        let written = SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count))
        return written > 0 ? .moved(Int(written)) : outcome(of: written)
    }

    func receive(into space: UnsafeMutableRawBufferPointer) -> TransportIO {
        let count = SSL_read(ssl, space.baseAddress, Int32(clamping: space.count))
        return count > 0 ? .moved(Int(count)) : outcome(of: count)
    }

    /// Decrypted bytes waiting inside OpenSSL, which no socket event will announce.
    var hasBufferedInput: Bool { SSL_has_pending(ssl) == 1 }

    /// Why the peer's certificate was refused, in OpenSSL's words, after a handshake that failed
    /// on it (an unknown issuer, a name it does not carry, expired); nil otherwise.
    var certificateProblem: String? {
        let verdict = SSL_get_verify_result(ssl)
        guard broken, verdict != Int(X509_V_OK) else { return nil }
        return String(cString: X509_verify_cert_error_string(verdict))
    }

    /// One non-blocking close_notify when the stream is sound; nothing waits for the peer's.
    func close() {
        guard !broken, SSL_is_init_finished(ssl) == 1 else { return }
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    private func outcome(of result: Int32) -> TransportIO {
        let (io, fatal) = TLSCallOutcome.of(result, on: ssl)
        if fatal { broken = true }
        return io
    }
}
