import CacheEngine
import MemcacheProtocol
import Networking
import OutputBuffers

/// Runs the requests of UDP datagrams (`-U`), one worker's worth: memcached reads each datagram's
/// payload as a complete request stream, text or binary by its first byte, and answers every
/// request as its own response. The sessions are reused from datagram to datagram; a datagram that
/// ends inside a request leaves nothing behind (memcached would carry it into the next datagram of
/// any client: this is deliberately not copied).
public final class DatagramSession: DatagramResponder {
    private let text: TextSession
    private let binary: BinarySession
    /// The answers to one datagram's requests, one at a time.
    private var scratch = OutputBuffer(capacity: 16 * 1024)
    private let framer = UDPResponseFramer()

    public init(context: WorkerContext) {
        text = TextSession(context: context)
        binary = BinarySession(context: context)
    }

    deinit { scratch.deallocate() }

    /// A datagram from a UDP socket: a request frame's payload is run, each answer sent back in
    /// numbered datagrams; anything else (too short, a multi-datagram request) is dropped.
    public func respond(to datagram: UnsafeRawBufferPointer, send: (UnsafeRawBufferPointer) -> Void) {
        guard case .request(let frame) = UDPFrameHeader.judge(datagram) else { return }
        let payload = UnsafeRawBufferPointer(rebasing: datagram[UDPFrameHeader.size...])
        respond(to: payload, using: &scratch) { answer in
            framer.frame(answer, requestID: frame.requestID, send: send)
        }
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
