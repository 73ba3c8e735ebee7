import MemcacheProtocol
import Networking
import OutputBuffers
import RequestHandling

/// Feeds an input to a session as a network layer would: pieces of a size taken from the first
/// byte, the unconsumed rest carried over and grown, a request limit taken from the second byte.
/// Checks on every call what the network layer relies on:
/// - a session never claims more bytes than it was given;
/// - a call that consumed nothing, and neither closes nor yields, answered nothing (the same bytes
///   come back with more after them, so an answer now would be sent twice);
/// - once a call says close, nothing more is fed (the connection is gone), so no output can
///   follow a close; the caller's `check` sees the output of each call to judge its framing.
enum SessionFeeder {
    static func feed(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer,
                     _ process: (UnsafeRawBufferPointer, inout OutputBuffer, Int) -> SessionProgress,
                     check: (UnsafeRawBufferPointer) -> Void) {
        let piece = max(1, Int(input.first ?? 1))
        let limit = max(1, Int(input.count > 1 ? input[1] & 0x1F : 1))
        var pending: [UInt8] = []
        var offset = 0
        while offset < input.count {
            let end = min(input.count, offset + piece)
            pending += input[offset..<end]
            offset = end
            while !pending.isEmpty {
                let before = output.readableCount
                let progress = pending.withUnsafeBytes { process($0, &output, limit) }
                precondition(progress.consumed >= 0 && progress.consumed <= pending.count, "consumed more than given")
                precondition(progress.consumed > 0 || progress.shouldClose || progress.yielded || output.readableCount == before,
                             "answered without consuming anything")
                // Values sent from slab memory (large ones) are spliced in; the network layer would
                // gather them, the check reads them in line.
                output.flattenSplices()
                check(UnsafeRawBufferPointer(rebasing: output.readableBytes[before...]))
                pending.removeFirst(progress.consumed)
                if progress.shouldClose { return }
                if !progress.yielded { break }
            }
        }
    }
}
