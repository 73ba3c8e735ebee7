/// memcached's 8-byte UDP frame header: request id, sequence number, datagram count, reserved
/// (each 16 bits, big-endian). Requests must fit one datagram; responses are split into datagrams
/// of at most `maxPayload` bytes after the header.
public struct UDPFrameHeader: Equatable, Sendable {
    public static let size = 8
    /// memcached's UDP_MAX_PAYLOAD_SIZE (1400) minus the header: the response bytes per datagram.
    public static let maxPayload = 1400 - size

    public var requestID: UInt16
    public var sequence: UInt16
    public var datagramCount: UInt16
    public var reserved: UInt16

    public init(requestID: UInt16, sequence: UInt16, datagramCount: UInt16, reserved: UInt16 = 0) {
        self.requestID = requestID
        self.sequence = sequence
        self.datagramCount = datagramCount
        self.reserved = reserved
    }

    /// What memcached does with a received datagram: nothing unless it is longer than the header
    /// and is the only datagram of its request (sequence 0 of 1 is not checked, only the count).
    public enum Verdict: Equatable, Sendable {
        case request(UDPFrameHeader)
        case drop
    }

    public static func judge(_ datagram: UnsafeRawBufferPointer) -> Verdict {
        guard datagram.count > size else { return .drop }
        let header = UDPFrameHeader(
            requestID: BigEndianBytes.uint16(datagram, at: 0),
            sequence: BigEndianBytes.uint16(datagram, at: 2),
            datagramCount: BigEndianBytes.uint16(datagram, at: 4),
            reserved: BigEndianBytes.uint16(datagram, at: 6))
        // memcached drops multi-datagram requests: it reads byte 4 != 0 || byte 5 != 1.
        guard header.datagramCount == 1 else { return .drop }
        return .request(header)
    }

    /// How many datagrams a response of `length` bytes takes (at least one; capped at 65535 as memcached).
    public static func datagramCount(forResponseLength length: Int) -> UInt16 {
        let count = max(1, (length + maxPayload - 1) / maxPayload)
        return UInt16(min(count, Int(UInt16.max)))
    }

    /// Writes the header into 8 bytes at `pointer`.
    public func write(to pointer: UnsafeMutableRawPointer) {
        BigEndianBytes.store(requestID, at: pointer)
        BigEndianBytes.store(sequence, at: pointer + 2)
        BigEndianBytes.store(datagramCount, at: pointer + 4)
        BigEndianBytes.store(reserved, at: pointer + 6)
    }
}
