/// Cuts one response into memcached's UDP datagrams: each is the 8-byte frame header (the request's
/// id, its sequence number, the response's datagram count) and at most `UDPFrameHeader.maxPayload`
/// bytes of the response. One per worker, reused: the packet is built in its own buffer.
public final class UDPResponseFramer {
    private let packet: UnsafeMutableRawBufferPointer

    public init() {
        packet = .allocate(byteCount: UDPFrameHeader.size + UDPFrameHeader.maxPayload, alignment: 16)
    }

    deinit { packet.deallocate() }

    /// Hands each datagram of `answer` to `send`, which uses it before returning. An empty answer
    /// is one datagram holding only the header.
    public func frame(_ answer: UnsafeRawBufferPointer, requestID: UInt16, send: (UnsafeRawBufferPointer) -> Void) {
        let total = UDPFrameHeader.datagramCount(forResponseLength: answer.count)
        var offset = 0
        for sequence in 0..<Int(total) {
            let length = min(UDPFrameHeader.maxPayload, answer.count - offset)
            UDPFrameHeader(requestID: requestID, sequence: UInt16(truncatingIfNeeded: sequence), datagramCount: total)
                .write(to: packet.baseAddress!)
            if length > 0 {
                (packet.baseAddress! + UDPFrameHeader.size).copyMemory(from: answer.baseAddress! + offset, byteCount: length)
            }
            offset += length
            send(UnsafeRawBufferPointer(rebasing: packet[..<(UDPFrameHeader.size + length)]))
            if offset >= answer.count { break }
        }
    }
}
