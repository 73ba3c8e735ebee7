import MemcacheProtocol

/// What a session's answers must look like on the wire, whatever the request was.
enum ResponseFraming {
    /// Text answers come whole: what one call appended is empty or ends with `\r\n`.
    static func checkText(_ answer: UnsafeRawBufferPointer) {
        guard !answer.isEmpty else { return }
        precondition(answer.count >= 2 && answer[answer.count - 2] == 0x0D && answer[answer.count - 1] == 0x0A,
                     "text answer not ended by \\r\\n")
    }

    /// One binary response's header fields the checks look at.
    struct BinaryFrame {
        let opcode: UInt8
        let status: UInt16
    }

    /// Binary answers are whole responses: magic 0x81, lengths that add up, and their total is
    /// exactly what was appended. Returns the frames for target-specific checks.
    @discardableResult
    static func binaryFrames(_ answer: UnsafeRawBufferPointer) -> [BinaryFrame] {
        var frames: [BinaryFrame] = []
        var position = 0
        while position < answer.count {
            precondition(answer.count - position >= BinaryRequestHeader.size, "truncated binary response header")
            let header = UnsafeRawBufferPointer(rebasing: answer[position..<(position + BinaryRequestHeader.size)])
            precondition(header[0] == BinaryRequestHeader.responseMagic, "binary response without magic 0x81")
            let keyLength = Int(BigEndianBytes.uint16(header, at: 2))
            let extrasLength = Int(header[4])
            let bodyLength = Int(BigEndianBytes.uint32(header, at: 8))
            precondition(keyLength + extrasLength <= bodyLength, "binary response key and extras beyond its body")
            precondition(answer.count - position - BinaryRequestHeader.size >= bodyLength, "binary response body truncated")
            frames.append(BinaryFrame(opcode: header[1], status: BigEndianBytes.uint16(header, at: 6)))
            position += BinaryRequestHeader.size + bodyLength
        }
        return frames
    }

    static func checkBinary(_ answer: UnsafeRawBufferPointer) { binaryFrames(answer) }
}
