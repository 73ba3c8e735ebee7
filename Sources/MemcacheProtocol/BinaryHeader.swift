/// The fixed 24-byte header that starts every binary-protocol packet, read from raw network bytes
/// (all multi-byte fields are big-endian on the wire).
public struct BinaryRequestHeader: Equatable, Sendable {
    public static let size = 24
    /// First byte of every request; also how `-B auto` recognises a binary client.
    public static let requestMagic: UInt8 = 0x80
    public static let responseMagic: UInt8 = 0x81

    public var magic: UInt8
    public var opcode: UInt8
    public var keyLength: Int
    public var extrasLength: Int
    public var dataType: UInt8
    /// The request's vbucket field (memcached ignores it).
    public var reserved: UInt16
    public var bodyLength: Int
    /// Echoed untouched in every response to this request.
    public var opaque: UInt32
    public var cas: UInt64

    public init(magic: UInt8 = BinaryRequestHeader.requestMagic, opcode: UInt8, keyLength: Int = 0,
                extrasLength: Int = 0, dataType: UInt8 = 0, reserved: UInt16 = 0, bodyLength: Int = 0,
                opaque: UInt32 = 0, cas: UInt64 = 0) {
        self.magic = magic
        self.opcode = opcode
        self.keyLength = keyLength
        self.extrasLength = extrasLength
        self.dataType = dataType
        self.reserved = reserved
        self.bodyLength = bodyLength
        self.opaque = opaque
        self.cas = cas
    }

    /// The header at `bytes[start...]`, or nil when fewer than 24 bytes are there. The magic is not
    /// judged here: the session decides what a wrong one means.
    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer, at start: Int) -> BinaryRequestHeader? {
        guard start >= 0, bytes.count - start >= size else { return nil }
        return BinaryRequestHeader(
            magic: bytes[start],
            opcode: bytes[start + 1],
            keyLength: Int(BigEndianBytes.uint16(bytes, at: start + 2)),
            extrasLength: Int(bytes[start + 4]),
            dataType: bytes[start + 5],
            reserved: BigEndianBytes.uint16(bytes, at: start + 6),
            bodyLength: Int(BigEndianBytes.uint32(bytes, at: start + 8)),
            opaque: BigEndianBytes.uint32(bytes, at: start + 12),
            cas: BigEndianBytes.uint64(bytes, at: start + 16))
    }

    /// Bytes of value after extras and key (negative when the lengths lie).
    @inlinable public var valueLength: Int { bodyLength - keyLength - extrasLength }
}

/// Big-endian integer reads and writes on raw bytes, without alignment assumptions.
public enum BigEndianBytes {
    @inlinable
    public static func uint16(_ bytes: UnsafeRawBufferPointer, at index: Int) -> UInt16 {
        UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    @inlinable
    public static func uint32(_ bytes: UnsafeRawBufferPointer, at index: Int) -> UInt32 {
        UInt32(uint16(bytes, at: index)) << 16 | UInt32(uint16(bytes, at: index + 2))
    }

    @inlinable
    public static func uint64(_ bytes: UnsafeRawBufferPointer, at index: Int) -> UInt64 {
        UInt64(uint32(bytes, at: index)) << 32 | UInt64(uint32(bytes, at: index + 4))
    }

    @inlinable
    public static func store(_ value: UInt16, at pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: value.bigEndian, as: UInt16.self)
    }

    @inlinable
    public static func store(_ value: UInt32, at pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: value.bigEndian, as: UInt32.self)
    }

    @inlinable
    public static func store(_ value: UInt64, at pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: value.bigEndian, as: UInt64.self)
    }
}
