import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// `stats cachedump <class> <limit>`: memcached's checks and replies, in its order; the listing
/// is the engine's (`CacheEngine.cachedump`).
extension TextSession {
    /// memcached stops a dump before its reply would pass 2 MB.
    static let cachedumpByteLimit = 2 * 1024 * 1024

    func cachedump(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        guard context.server.settings.dumpEnabled else { return output.append(ResponseLine.cachedumpNotAllowed) }
        guard tokens.count >= 4 else { return output.append(ResponseLine.badCommandLine) }
        guard let classID = ProtocolNumbers.parseUInt32(word(2, in: bytes)),
              let limit = ProtocolNumbers.parseUInt32(word(3, in: bytes))
        else { return output.append(ResponseLine.badCommandLineFormat) }
        guard Int(classID) <= engine.nameableClassLimit else { return output.append(ResponseLine.illegalSlabID) }
        let start = output.readableCount
        engine.cachedump(classID: Int(classID), limit: Int(limit)) { item in
            let line = 5 + item.key.count + 2 + 20 + 4 + 20 + 4  // "ITEM k [N b; T s]\r\n" at most
            guard output.readableCount - start + line + 5 <= TextSession.cachedumpByteLimit else { return false }
            output.append(ResponseLine.cachedumpItemPrefix)
            output.append(item.key)
            output.append(ResponseLine.cachedumpSizeOpen)
            output.appendDecimal(UInt64(item.valueLength))
            output.append(ResponseLine.cachedumpSizeToTime)
            output.appendDecimal(UInt64(item.expiry))
            output.append(ResponseLine.cachedumpLineEnd)
            return true
        }
        output.append(ResponseLine.end)
    }
}
