import OutputBuffers

/// Response lines with variable parts, written straight into the connection's output buffer.
extension OutputBuffer {
    /// `VALUE <key> <flags> <bytes>[ <cas>]\r\n`
    public mutating func appendValueHeader(key: UnsafeRawBufferPointer, flags: UInt32, length: Int, cas: UInt64?) {
        let destination = reserve(OutputBuffer.maxValueHeaderSize(keyLength: key.count))
        commitWrite(OutputBuffer.writeValueHeader(at: destination, key: key, flags: flags, length: length, cas: cas))
    }

    /// A whole `get` hit: header, data, `\r\n`, with one capacity check for all of it (this is the
    /// busiest writer of the server).
    public mutating func appendValue(key: UnsafeRawBufferPointer, flags: UInt32, value: UnsafeRawBufferPointer, cas: UInt64?) {
        let destination = reserve(OutputBuffer.maxValueHeaderSize(keyLength: key.count) + value.count + 2)
        var written = OutputBuffer.writeValueHeader(at: destination, key: key, flags: flags, length: value.count, cas: cas)
        if let base = value.baseAddress, value.count > 0 {
            (destination + written).copyMemory(from: base, byteCount: value.count)
            written += value.count
        }
        (destination + written).storeBytes(of: UInt16(0x0a0d).littleEndian, as: UInt16.self)  // "\r\n" in memory order
        commitWrite(written + 2)
    }

    /// "VALUE " + key + three numbers with their spaces + "\r\n".
    private static func maxValueHeaderSize(keyLength: Int) -> Int {
        6 + keyLength + 3 * (1 + DecimalDigits.maxCount) + 2
    }

    private static func writeValueHeader(at destination: UnsafeMutableRawPointer, key: UnsafeRawBufferPointer,
                                         flags: UInt32, length: Int, cas: UInt64?) -> Int {
        let prefix = ResponseLine.valuePrefix
        destination.copyMemory(from: prefix.utf8Start, byteCount: prefix.utf8CodeUnitCount)
        var position = prefix.utf8CodeUnitCount
        if let base = key.baseAddress {
            (destination + position).copyMemory(from: base, byteCount: key.count)
            position += key.count
        }
        func number(_ value: UInt64) {
            (destination + position).storeBytes(of: 0x20, as: UInt8.self)
            position += 1 + DecimalDigits.write(value, to: destination + position + 1)
        }
        number(UInt64(flags))
        number(UInt64(length))
        if let cas { number(cas) }
        (destination + position).storeBytes(of: UInt16(0x0a0d).littleEndian, as: UInt16.self)  // "\r\n"
        return position + 2
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
