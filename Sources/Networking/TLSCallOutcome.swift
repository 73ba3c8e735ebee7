import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a failed `SSL_read`/`SSL_write`/`SSL_do_handshake` means, for the server's connections
/// (`TLSChannel`) and the client's exchanges (`TLSClientChannel`) alike.
enum TLSCallOutcome {
    /// The transport result, and whether the failure is fatal (OpenSSL then forbids a close_notify).
    /// The thread's error queue is emptied on every fatal failure so that a later call on this
    /// thread does not read a stale error.
    static func of(_ result: Int32, on ssl: OpaquePointer) -> (io: TransportIO, fatal: Bool) {
        let socketError = errno  // read first: SSL_get_error may make calls of its own
        let code = SSL_get_error(ssl, result)
        switch code {
        case SSL_ERROR_WANT_READ: return (.blocked(.readable), false)
        case SSL_ERROR_WANT_WRITE: return (.blocked(.writable), false)
        case SSL_ERROR_ZERO_RETURN: return (.ended, false)
        default:
            ERR_clear_error()
            if code == SSL_ERROR_SYSCALL {
                let quiet = socketError == ECONNRESET || socketError == EPIPE
                return (socketError == 0 ? .ended : .failed(errno: socketError, quiet: quiet), true)
            }
            // A protocol error: garbage, a bad certificate, a forbidden renegotiation. The peer
            // has been sent an alert where TLS has one; nothing worth a warning on our side.
            return (.failed(errno: EPROTO, quiet: true), true)
        }
    }
}
