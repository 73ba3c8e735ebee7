import OutputBuffers

/// Binary-protocol responses written straight into a connection's output buffer.
extension OutputBuffer {
    /// The 24-byte response header (memcached's `add_bin_header`): the request's opcode and opaque
    /// echoed, datatype 0.
    @inlinable
    public mutating func appendBinaryHeader(opcode: UInt8, status: BinaryStatus, extrasLength: Int = 0,
                                            keyLength: Int = 0, bodyLength: Int, opaque: UInt32, cas: UInt64 = 0) {
        let header = reserve(BinaryRequestHeader.size)
        header.storeBytes(of: BinaryRequestHeader.responseMagic, as: UInt8.self)
        header.storeBytes(of: opcode, toByteOffset: 1, as: UInt8.self)
        BigEndianBytes.store(UInt16(truncatingIfNeeded: keyLength), at: header + 2)
        header.storeBytes(of: UInt8(truncatingIfNeeded: extrasLength), toByteOffset: 4, as: UInt8.self)
        header.storeBytes(of: UInt8(0), toByteOffset: 5, as: UInt8.self)
        BigEndianBytes.store(status.rawValue, at: header + 6)
        BigEndianBytes.store(UInt32(truncatingIfNeeded: bodyLength), at: header + 8)
        // The opaque is copied as the client's bytes, never byte-swapped.
        BigEndianBytes.store(opaque, at: header + 12)
        BigEndianBytes.store(cas, at: header + 16)
        commitWrite(BinaryRequestHeader.size)
    }

    /// An error response: status and a text body (`message`, or the status's default text).
    @inlinable
    public mutating func appendBinaryError(opcode: UInt8, status: BinaryStatus, opaque: UInt32,
                                           message: StaticString? = nil) {
        let text = message ?? status.defaultMessage
        appendBinaryHeader(opcode: opcode, status: status, bodyLength: text.utf8CodeUnitCount, opaque: opaque)
        append(text)
    }

    @inlinable
    public mutating func appendBigEndian(_ value: UInt32) {
        BigEndianBytes.store(value, at: reserve(4))
        commitWrite(4)
    }

    @inlinable
    public mutating func appendBigEndian(_ value: UInt64) {
        BigEndianBytes.store(value, at: reserve(8))
        commitWrite(8)
    }
}
