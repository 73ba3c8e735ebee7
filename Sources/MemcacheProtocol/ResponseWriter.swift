/// Response lines with variable parts, written straight into the connection's output buffer.
extension OutputBuffer {
    /// `VALUE <key> <flags> <bytes>[ <cas>]\r\n`
    @inlinable
    public mutating func appendValueHeader(key: UnsafeRawBufferPointer, flags: UInt32, length: Int, cas: UInt64?) {
        append(ResponseLine.valuePrefix)
        append(key)
        append(byte: 0x20)
        appendDecimal(UInt64(flags))
        append(byte: 0x20)
        appendDecimal(UInt64(length))
        if let cas {
            append(byte: 0x20)
            appendDecimal(cas)
        }
        append(ResponseLine.lineEnd)
    }

    /// A whole `get` hit: header, data, `\r\n`.
    @inlinable
    public mutating func appendValue(key: UnsafeRawBufferPointer, flags: UInt32, value: UnsafeRawBufferPointer, cas: UInt64?) {
        appendValueHeader(key: key, flags: flags, length: value.count, cas: cas)
        append(value)
        append(ResponseLine.lineEnd)
    }

    /// The answer to a successful incr/decr: the new value and `\r\n`.
    @inlinable
    public mutating func appendNumberLine(_ value: UInt64) {
        appendDecimal(value)
        append(ResponseLine.lineEnd)
    }

    /// `STAT <name> <value>\r\n` with the value already formatted.
    public mutating func appendStat(_ name: String, _ value: String) {
        append(ResponseLine.statPrefix)
        appendText(name)
        append(byte: 0x20)
        appendText(value)
        append(ResponseLine.lineEnd)
    }

    /// `STAT <name> <value>\r\n` for counters, without formatting through a String.
    public mutating func appendStat(_ name: String, _ value: UInt64) {
        append(ResponseLine.statPrefix)
        appendText(name)
        append(byte: 0x20)
        appendDecimal(value)
        append(ResponseLine.lineEnd)
    }

    public mutating func appendStat(_ name: String, _ value: Int) {
        append(ResponseLine.statPrefix)
        appendText(name)
        append(byte: 0x20)
        appendDecimal(Int64(value))
        append(ResponseLine.lineEnd)
    }

    /// The UTF-8 bytes of a string (stats and version output only: not on the request hot path).
    public mutating func appendText(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }
}
