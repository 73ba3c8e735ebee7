import CLibevent  // <sys/socket.h> as libevent sees it: MSG_NOSIGNAL
import OutputBuffers
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a connection's bytes cross its socket: as they are, or through TLS. Chosen per listener at
/// accept (`-Z`, `-l notls:`); the connection reads and writes only through this, and the session
/// above it never knows which it is. An enum rather than a protocol so the clear-text path, the
/// common one, is a direct `recv`/`send` with no indirect call.
enum Transport {
    case clear
    case tls(TLSChannel)

    /// Reads what the socket (or the TLS layer) has into `space`.
    @inline(__always)
    func receive(from fd: Int32, into space: UnsafeMutableRawBufferPointer) -> TransportIO {
        switch self {
        case .clear: return TransportIO.ofSocketCall(recv(fd, space.baseAddress, space.count, 0), blocked: .readable)
        case .tls(let channel): return channel.receive(into: space)
        }
    }

    /// Writes from the front of `output`; `.moved(n)` means its first n bytes are gone. Values sent
    /// in place are gathered into one `sendmsg` in the clear, and copied into TLS records over TLS.
    /// `inout` although nothing is changed: a borrow of a class's stored property (the connection's
    /// buffer) is a copy of the struct, with a retain and release, on every write.
    @inline(__always)
    func send(_ output: inout OutputBuffer, on fd: Int32, vectors: UnsafeMutableBufferPointer<iovec>) -> TransportIO {
        switch self {
        case .clear: return TransportIO.ofSocketCall(Transport.sendClear(output, on: fd, vectors: vectors), blocked: .writable)
        case .tls(let channel): return channel.send(output, vectors: vectors)
        }
    }

    /// Advances a TLS handshake under way; nil once the transport carries data (at once in the clear).
    func handshake() -> TransportIO? {
        switch self {
        case .clear: return nil
        case .tls(let channel): return channel.handshake()
        }
    }

    /// Whether decrypted bytes wait inside the TLS layer: the socket will not signal them, so the
    /// connection must read again without waiting for an event.
    var hasBufferedInput: Bool {
        switch self {
        case .clear: return false
        case .tls(let channel): return channel.hasBufferedInput
        }
    }

    /// False while a TLS handshake is still under way (the handshake timeout applies).
    var isEstablished: Bool {
        switch self {
        case .clear: return true
        case .tls(let channel): return channel.isEstablished
        }
    }

    /// Frees what the transport holds for an idle connection (TLS: OpenSSL's record buffers).
    func releaseIdleBuffers() {
        if case .tls(let channel) = self { channel.releaseIdleBuffers() }
    }

    /// Ends the transport before the socket is closed (TLS: close_notify when the stream is sound).
    func close() {
        if case .tls(let channel) = self { channel.close() }
    }

    /// One `send` of the buffer's bytes, or one `sendmsg` gathering them with the values sent in
    /// place (straight from slab memory) when splices are pending.
    private static func sendClear(_ output: borrowing OutputBuffer, on fd: Int32, vectors: UnsafeMutableBufferPointer<iovec>) -> Int {
        guard output.hasSplices else {
            let pending = output.readableBytes
            return sendBytes(fd, pending)
        }
        var message = msghdr()
        message.msg_iov = vectors.baseAddress
        message.msg_iovlen = output.gather(into: vectors.baseAddress!, limit: vectors.count)
        return sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
    }
}

/// What one read or write through a `Transport` did.
public enum TransportIO {
    /// Bytes moved (always more than 0).
    case moved(Int)
    /// Interrupted by a signal: try again.
    case interrupted
    /// Nothing can move until the socket is readable or writable again (a TLS read may need the
    /// socket writable, and a TLS write readable).
    case blocked(Readiness)
    /// The peer ended the stream in order.
    case ended
    /// The connection cannot go on: the errno, or EPROTO for a TLS failure. `quiet` for what is
    /// routine (a reset by the peer) and not worth a warning.
    case failed(errno: Int32, quiet: Bool)

    public enum Readiness: Sendable { case readable, writable }

    /// A `recv`/`send`/`sendmsg` result in these terms (errno read right after the call).
    @inline(__always)
    static func ofSocketCall(_ result: Int, blocked readiness: Readiness) -> TransportIO {
        if result > 0 { return .moved(result) }
        // recv: an orderly end; send: never for a non-empty buffer, and treated as a broken pipe.
        if result == 0 { return readiness == .readable ? .ended : .failed(errno: EPIPE, quiet: true) }
        switch errno {
        case EINTR: return .interrupted
        case EAGAIN, EWOULDBLOCK: return .blocked(readiness)
        case let code: return .failed(errno: code, quiet: code == ECONNRESET || code == EPIPE)
        }
    }
}

/// `send` with MSG_NOSIGNAL, outside `Transport` and `ClientStream`, whose own `send` would shadow the C function.
@inline(__always)
func sendBytes(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
    send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
}
