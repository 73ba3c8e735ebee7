import OutputBuffers

/// The variable parts of meta replies, appended straight into the connection's output buffer.
extension OutputBuffer {
    /// ` <letter><number>`, as in ` s5` or ` c42`.
    @inlinable
    public mutating func appendMetaFlag(_ letter: UInt8, _ value: UInt64) {
        append(byte: 0x20)
        append(byte: letter)
        appendDecimal(value)
    }

    /// ` <token>`: an opaque (O) token copied back as it came.
    @inlinable
    public mutating func appendMetaToken(_ token: UnsafeRawBufferPointer) {
        append(byte: 0x20)
        append(token)
    }

    /// ` k<key>`; a binary key goes back base64-encoded and followed by ` b`.
    public mutating func appendMetaKey(_ key: UnsafeRawBufferPointer, binary: Bool) {
        append(" k")
        guard binary else { return append(key) }
        Base64.encode(key, into: &self)
        append(" b")
    }
}
