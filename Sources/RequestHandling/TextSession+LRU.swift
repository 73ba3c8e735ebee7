import CacheEngine
import MemcacheProtocol
import OutputBuffers
#if canImport(Glibc)
import Glibc
#endif

/// `lru tune|mode|temp_ttl`, answered as memcached 1.6.18's `process_lru_command` answers: word counts
/// checked per subcommand, `mode` and `temp_ttl` only while the LRU maintainer thread runs, every
/// answer (errors too) suppressed by a trailing `noreply`.
extension TextSession {
    func lru(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        _ = takeNoreply(in: bytes)
        let words = tokens.count
        let subcommand = tokens[1]
        if bytes.span(subcommand, equals: "tune"), words >= 6 {
            tune(in: bytes, into: &output)
        } else if bytes.span(subcommand, equals: "mode"), words >= 3, engine.lruMaintainerRunning {
            if bytes.span(tokens[2], equals: "flat") {
                _ = engine.setLRUMode(segmented: false)
                reply(ResponseLine.ok, into: &output)
            } else if bytes.span(tokens[2], equals: "segmented") {
                _ = engine.setLRUMode(segmented: true)
                reply(ResponseLine.ok, into: &output)
            } else {
                reply(ResponseLine.error, into: &output)
            }
        } else if bytes.span(subcommand, equals: "temp_ttl"), words >= 3, engine.lruMaintainerRunning {
            guard let ttl = ProtocolNumbers.parseInt32(word(2, in: bytes)) else {
                return reply(ResponseLine.error, into: &output)
            }
            _ = engine.setTemporaryTTL(ttl)
            reply(ResponseLine.ok, into: &output)
        } else {
            reply(ResponseLine.error, into: &output)
        }
    }

    private func tune(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        guard let hot = ProtocolNumbers.parseUInt32(word(2, in: bytes)),
              let warm = ProtocolNumbers.parseUInt32(word(3, in: bytes)),
              let hotFactor = TextSession.parseDouble(word(4, in: bytes)),
              let warmFactor = TextSession.parseDouble(word(5, in: bytes)) else {
            return reply(ResponseLine.error, into: &output)
        }
        // memcached adds the two 32-bit percentages unsigned, so a huge pair can wrap below 80.
        if hot &+ warm > 80 {
            reply(ResponseLine.lruPercentsTooHigh, into: &output)
        } else if warmFactor <= 0 || hotFactor <= 0 {
            reply(ResponseLine.lruFactorsNotPositive, into: &output)
        } else {
            engine.tuning.tune(hotPercent: hot, warmPercent: warm, hotMaxFactor: hotFactor, warmMaxFactor: warmFactor)
            reply(ResponseLine.ok, into: &output)
        }
    }

    /// memcached's `safe_strtod`: C's strtod must read something, not overflow, and stop at the end of
    /// the word. The word is copied to a NUL-terminated stack buffer for strtod (no heap allocation).
    static func parseDouble(_ word: UnsafeRawBufferPointer) -> Double? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: word.count + 1) { buffer -> Double? in
            guard let base = buffer.baseAddress else { return nil }
            for index in 0..<word.count { base[index] = CChar(bitPattern: word[index]) }
            base[word.count] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            errno = 0
            let value = strtod(base, &end)
            guard errno != ERANGE, let end, end != base, end == base + word.count else { return nil }
            return value
        }
    }
}
