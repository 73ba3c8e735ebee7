import CLibevent
import COpenSSL
import OutputBuffers
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One connection's TLS state: its OpenSSL `SSL` object over the non-blocking socket. Created,
/// driven and freed only by the worker that owns the connection, from that worker's event loop, so
/// it needs no lock (OpenSSL objects of different connections are independent; the shared SSL_CTX
/// is only read through `SSL_new`, under `TLSServerContext`'s lock). The handshake runs inside the
/// first reads: it never blocks, and a client that stalls half-way costs only its own connection.
final class TLSChannel {
    private let ssl: OpaquePointer
    private let counters: NetworkCounters
    /// Most bytes one `SSL_write` takes (`ssl_wbuf_size`).
    private let writeLimit: Int
    /// The worker's staging area for output that holds values sent in place: they are copied here,
    /// into one piece, for one `SSL_write`. Shared by the worker's connections, used one at a time.
    private let scratch: UnsafeMutableRawBufferPointer
    private(set) var isEstablished = false
    /// A fatal TLS or socket error happened: OpenSSL forbids a close_notify afterwards.
    private var broken = false
    /// An `SSL_write` the socket did not take must be retried with the same bytes: a private copy
    /// of them while that retry is pending (at most `writeLimit` bytes), nil otherwise.
    private var pendingWrite: UnsafeMutableRawBufferPointer?
    private var pendingWriteCount = 0

    init?(fd: Int32, context: TLSServerContext, counters: NetworkCounters, scratch: UnsafeMutableRawBufferPointer) {
        guard let ssl = context.makeConnectionState() else { return nil }
        guard SSL_set_fd(ssl, fd) == 1 else {
            SSL_free(ssl)
            return nil
        }
        SSL_set_accept_state(ssl)
        self.ssl = ssl
        self.counters = counters
        self.scratch = scratch
        writeLimit = scratch.count
        // The counters the session cache's callback finds from the `SSL` (held by `self`, which
        // outlives it).
        _ = SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(counters).toOpaque())
    }

    deinit {
        pendingWrite?.deallocate()
        SSL_free(ssl)
    }

    // MARK: Reading

    func receive(into space: UnsafeMutableRawBufferPointer) -> TransportIO {
        if !isEstablished, let unfinished = handshake() { return unfinished }
        let count = SSL_read(ssl, space.baseAddress, Int32(clamping: space.count))
        return count > 0 ? .moved(Int(count)) : outcome(of: count)
    }

    /// Advances the handshake; nil once it is complete.
    func handshake() -> TransportIO? {
        guard !isEstablished else { return nil }
        let result = SSL_do_handshake(ssl)
        guard result == 1 else { return outcome(of: result) }
        isEstablished = true
        return nil
    }

    /// OpenSSL created a session a client may resume (`TLSServerContext`'s session-cache callback,
    /// run inside this connection's `SSL_*` calls on its worker): counted in its worker's block.
    static func countNewSession(on ssl: OpaquePointer?) {
        guard let counters = SSL_get_ex_data(ssl, 0) else { return }
        Unmanaged<NetworkCounters>.fromOpaque(counters).takeUnretainedValue().add(.sslNewSessions)
    }

    /// Decrypted bytes (or a whole record not yet decrypted) waiting inside OpenSSL.
    var hasBufferedInput: Bool { isEstablished && SSL_has_pending(ssl) == 1 }

    // MARK: Writing

    /// Writes up to `writeLimit` bytes from the front of `output` as TLS records.
    func send(_ output: borrowing OutputBuffer, vectors: UnsafeMutableBufferPointer<iovec>) -> TransportIO {
        if let pendingWrite { return retryPendingWrite(pendingWrite) }
        let bytes: UnsafeRawBufferPointer
        if output.hasSplices {
            bytes = gather(output, vectors: vectors)
        } else {
            let readable = output.readableBytes
            bytes = UnsafeRawBufferPointer(rebasing: readable.prefix(writeLimit))
        }
        let written = SSL_write(ssl, bytes.baseAddress, Int32(bytes.count))
        if written > 0 { return .moved(Int(written)) }
        let result = outcome(of: written)
        if case .blocked = result { keepForRetry(bytes) }
        return result
    }

    /// The output's pieces (its own bytes and the values it sends in place), copied in order into
    /// the worker's scratch area up to `writeLimit` bytes.
    private func gather(_ output: borrowing OutputBuffer, vectors: UnsafeMutableBufferPointer<iovec>) -> UnsafeRawBufferPointer {
        let pieces = output.gather(into: vectors.baseAddress!, limit: vectors.count)
        var filled = 0
        for index in 0..<pieces where filled < writeLimit {
            let piece = vectors[index]
            let count = min(piece.iov_len, writeLimit - filled)
            (scratch.baseAddress! + filled).copyMemory(from: piece.iov_base!, byteCount: count)
            filled += count
        }
        return UnsafeRawBufferPointer(rebasing: scratch[0..<filled])
    }

    private func keepForRetry(_ bytes: UnsafeRawBufferPointer) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        copy.copyMemory(from: bytes)
        pendingWrite = copy
        pendingWriteCount = bytes.count
    }

    /// OpenSSL wants the very bytes of a write it could not finish (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
    /// lets them live elsewhere); the output still starts with them, as nothing was consumed.
    private func retryPendingWrite(_ copy: UnsafeMutableRawBufferPointer) -> TransportIO {
        let written = SSL_write(ssl, copy.baseAddress, Int32(pendingWriteCount))
        guard written > 0 else { return outcome(of: written) }
        copy.deallocate()
        pendingWrite = nil
        return .moved(Int(written))
    }

    /// The record buffers OpenSSL keeps between reads and writes (about 17 KB each way), freed
    /// when the worker's sweep finds the connection idle; OpenSSL keeps them while they hold
    /// bytes (a partial record, a write to retry) and allocates them again on the next record.
    func releaseIdleBuffers() {
        _ = SSL_free_buffers(ssl)
    }

    // MARK: Results

    /// What a failed OpenSSL call means for the connection (see `TLSCallOutcome`).
    private func outcome(of result: Int32) -> TransportIO {
        let (io, fatal) = TLSCallOutcome.of(result, on: ssl)
        if fatal { broken = true }
        return io
    }

    // MARK: Closing

    /// Called once as the connection closes. A handshake that never completed counts as a handshake
    /// error, whatever ended it (garbage, a reset, the handshake timeout). A sound stream gets one
    /// non-blocking close_notify; nothing waits for the peer's.
    func close() {
        if !isEstablished {
            counters.add(.sslHandshakeErrors)
        } else if !broken {
            _ = SSL_shutdown(ssl)
            ERR_clear_error()
        }
    }
}
