import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// `slabs reassign <src> <dst>` and `slabs automove <0|1|2>` / `slabs automove ratio <r>`, answered as
/// memcached 1.6.18 answers them (its word counts, its strtoul leniency for the automove level).
extension TextSession {
    func slabs(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        let words = tokens.count
        if words == 4, bytes.span(tokens[1], equals: "reassign") {
            reassign(in: bytes, into: &output)
        } else if words >= 3, bytes.span(tokens[1], equals: "automove") {
            automove(in: bytes, into: &output)
        } else {
            output.append(ResponseLine.error)
        }
    }

    private func reassign(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        guard let source = ProtocolNumbers.parseInt32(word(2, in: bytes)),
              let destination = ProtocolNumbers.parseInt32(word(3, in: bytes)) else {
            return output.append(ResponseLine.badCommandLineFormat)
        }
        switch engine.reassignSlabPage(from: Int(source), to: Int(destination)) {
        case .ok: output.append(ResponseLine.ok)
        case .running: output.append(ResponseLine.reassignBusy)
        case .badClass: output.append(ResponseLine.reassignBadClass)
        case .noSpare: output.append(ResponseLine.reassignNoSpare)
        case .sameClass: output.append(ResponseLine.reassignSameClass)
        }
    }

    private func automove(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        _ = takeNoreply(in: bytes)
        let argument = word(2, in: bytes)
        if bytes.span(tokens[2], equals: "ratio") {
            // The ratio tunes memcached's automove; ours does not use it, but accepts what memcached accepts.
            guard tokens.count >= 4, Double(String(decoding: word(3, in: bytes), as: UTF8.self)) != nil else {
                return output.append(ResponseLine.error)
            }
            return reply(ResponseLine.ok, into: &output)
        }
        // strtoul: leading digits, anything else ends the number (none at all reads as 0).
        var level = 0
        for byte in argument {
            guard byte >= 48, byte <= 57, level < 10 else { break }
            level = level * 10 + Int(byte - 48)
        }
        guard level <= 2 else { return output.append(ResponseLine.error) }
        engine.slabAutomove = level
        reply(ResponseLine.ok, into: &output)
    }
}
