import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// Runs the requests of UDP datagrams (`-U`), one worker's worth: memcached reads each datagram's
/// payload as a complete request stream, text or binary by its first byte, and answers every
/// request as its own response. The sessions are reused from datagram to datagram; a datagram that
/// ends inside a request leaves nothing behind (memcached would carry it into the next datagram of
/// any client: this is deliberately not copied).
public final class DatagramSession {
    private let text: TextSession
    private let binary: BinarySession

    public init(context: WorkerContext) {
        text = TextSession(context: context)
        binary = BinarySession(context: context)
    }

    /// Runs every request in `payload`; each request's answer (if it has one) is handed to `emit`,
    /// which must use it before returning. `scratch` is an empty buffer reused for the answers.
    public func respond(to payload: UnsafeRawBufferPointer, using scratch: inout OutputBuffer,
                        emit: (UnsafeRawBufferPointer) -> Void) {
        let isBinary = payload.first == BinaryRequestHeader.requestMagic
        var position = 0
        while position < payload.count {
            let rest = UnsafeRawBufferPointer(rebasing: payload[position...])
            let progress = isBinary
                ? binary.process(rest, into: &scratch, requestLimit: 1)
                : text.process(rest, into: &scratch, requestLimit: 1)
            if !scratch.isEmpty {
                // A datagram answer goes out at once: values sent in place are copied into it.
                scratch.flattenSplices()
                emit(scratch.readableBytes)
                scratch.consume(scratch.readableCount)
            }
            position += progress.consumed
            if progress.shouldClose || progress.consumed == 0 { break }
        }
        forgetPartialRequest()
    }

    /// Drops a request the datagram did not complete (a half-received value, a swallow, a line
    /// without its end), so the next datagram starts clean.
    private func forgetPartialRequest() {
        text.close()
        text.searchedWithoutNewline = 0
        binary.close()
        binary.state = .awaitingRequest
    }
}
