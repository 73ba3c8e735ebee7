import CacheEngine
import MemcacheProtocol

/// Commands about the server rather than one key: flush_all, verbosity.
extension TextSession {
    /// memcached's `process_flush_all_command`: `flush_all [delay] [noreply]`. A delay of zero or
    /// less flushes now.
    func flushAll(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        _ = takeNoreply(in: bytes)
        counters.add(.cmdFlush)
        var delay: Int32 = 0
        if tokens.count != (noreply ? 2 : 1) {
            guard let parsed = ProtocolNumbers.parseInt32(word(1, in: bytes)) else {
                return reply(ResponseLine.invalidExptime, into: &output)
            }
            delay = parsed
        }
        engine.flushAll(delay: delay > 0 ? Int64(delay) : 0)
        reply(ResponseLine.ok, into: &output)
    }

    /// memcached's `process_verbosity_command`; levels above 2 mean 2.
    func verbosity(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        _ = takeNoreply(in: bytes)
        guard let level = ProtocolNumbers.parseUInt32(word(1, in: bytes)) else {
            return reply(ResponseLine.badCommandLineFormat, into: &output)
        }
        context.server.verbosity = Int(min(level, 2))
        reply(ResponseLine.ok, into: &output)
    }
}
