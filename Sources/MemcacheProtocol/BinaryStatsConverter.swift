import OutputBuffers

/// Turns the text protocol's `STAT <name> <value>\r\n … END\r\n` answer into binary stat packets:
/// one response per statistic (key = name, value = value) and an empty packet for `END`, as
/// memcached's `append_bin_stats` writes them. The stats writers then serve both protocols.
public enum BinaryStatsConverter {
    /// Appends the packets for the text answer in `text` (lines that are not STAT or END are skipped).
    public static func append(_ text: UnsafeRawBufferPointer, opaque: UInt32, into output: inout OutputBuffer) {
        var lineStart = 0
        while lineStart < text.count {
            var lineEnd = lineStart
            while lineEnd < text.count, text[lineEnd] != 0x0A { lineEnd += 1 }
            var contentEnd = lineEnd
            if contentEnd > lineStart, text[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            appendLine(UnsafeRawBufferPointer(rebasing: text[lineStart..<contentEnd]), opaque: opaque, into: &output)
            lineStart = lineEnd + 1
        }
    }

    private static func appendLine(_ line: UnsafeRawBufferPointer, opaque: UInt32, into output: inout OutputBuffer) {
        let stat = ByteSpan(start: 0, count: line.count)
        if line.span(stat, equals: "END") {
            return appendTerminator(opaque: opaque, into: &output)
        }
        guard line.span(stat, hasPrefix: "STAT ") else { return }
        let nameStart = 5
        var nameEnd = nameStart
        while nameEnd < line.count, line[nameEnd] != 0x20 { nameEnd += 1 }
        let valueStart = min(nameEnd + 1, line.count)
        appendPacket(name: UnsafeRawBufferPointer(rebasing: line[nameStart..<nameEnd]),
                     value: UnsafeRawBufferPointer(rebasing: line[valueStart...]), opaque: opaque, into: &output)
    }

    /// One statistic, or (both empty) the terminating packet.
    public static func appendPacket(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, opaque: UInt32,
                                    into output: inout OutputBuffer) {
        output.appendBinaryHeader(opcode: BinaryOpcode.stat.rawValue, status: .success, keyLength: name.count,
                                  bodyLength: name.count + value.count, opaque: opaque)
        output.append(name)
        output.append(value)
    }

    /// The empty packet that ends a stats answer.
    public static func appendTerminator(opaque: UInt32, into output: inout OutputBuffer) {
        output.appendBinaryHeader(opcode: BinaryOpcode.stat.rawValue, status: .success, bodyLength: 0, opaque: opaque)
    }
}
