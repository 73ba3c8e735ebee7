#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a client exchange's bytes cross its non-blocking socket: as they are, or through TLS. The
/// client-side counterpart of `Transport`, for the cluster's short exchanges (registration,
/// probes); results are `TransportIO`s, so `blocked` says which readiness to poll for next.
public enum ClientStream {
    case clear(fd: Int32)
    case tls(TLSClientChannel)

    public func send(_ bytes: UnsafeRawBufferPointer) -> TransportIO {
        switch self {
        case let .clear(fd): return TransportIO.ofSocketCall(sendBytes(fd, bytes), blocked: .writable)
        case let .tls(channel): return channel.send(bytes)
        }
    }

    public func receive(into space: UnsafeMutableRawBufferPointer) -> TransportIO {
        switch self {
        case let .clear(fd): return TransportIO.ofSocketCall(recv(fd, space.baseAddress, space.count, 0), blocked: .readable)
        case let .tls(channel): return channel.receive(into: space)
        }
    }

    /// Bytes already read from the socket and not yet handed out (TLS only).
    public var hasBufferedInput: Bool {
        if case let .tls(channel) = self { return channel.hasBufferedInput }
        return false
    }

    /// Why the peer's certificate was refused, when that is what ended the stream (TLS only).
    public var certificateProblem: String? {
        if case let .tls(channel) = self { return channel.certificateProblem }
        return nil
    }

    /// Ends the stream before its owner closes the socket (TLS: a close_notify when sound).
    public func close() {
        if case let .tls(channel) = self { channel.close() }
    }
}
