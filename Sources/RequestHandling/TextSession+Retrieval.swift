import CacheEngine
import MemcacheProtocol

/// get / gets / gat / gats: memcached's `process_get_command`.
extension TextSession {
    func retrieve(in bytes: UnsafeRawBufferPointer, withCAS: Bool, touching: Bool, into output: inout OutputBuffer) {
        var exptime: Int64 = 0
        if touching {
            guard let parsed = ProtocolNumbers.parseInt32(word(1, in: bytes)) else {
                return output.append(ResponseLine.invalidExptime)
            }
            exptime = Int64(parsed)
        }
        // A bad key part-way through the list cancels the whole answer, as in memcached; the keys
        // before it have been looked up (and counted) already.
        let answerStart = output.readableCount
        var keys = tokens.words(from: touching ? 2 : 1)
        while let keySpan = keys.next(in: bytes) {
            let key = bytes[span: keySpan]
            guard KeyRules.isAcceptable(key) else {
                output.truncateReadable(to: answerStart)
                return output.append(ResponseLine.badCommandLineFormat)
            }
            let result: LookupResult
            if touching {
                result = engine.getAndTouch(key, exptime: exptime) { item in
                    output.appendValue(key: item.key, flags: item.flags, value: item.value, cas: withCAS ? item.cas : nil)
                }
            } else {
                result = engine.get(key) { item in
                    output.appendValue(key: item.key, flags: item.flags, value: item.value, cas: withCAS ? item.cas : nil)
                }
            }
            countLookup(result, touching: touching)
        }
        output.append(ResponseLine.end)
    }

    private func countLookup(_ result: LookupResult, touching: Bool) {
        countDeadItem(result)
        let hit = result == .hit
        if touching {
            counters.add(.cmdTouch)
            if hit { counters.add(.touchHits) } else { counters.add(.touchMisses) }
        } else {
            counters.add(.cmdGet)
            if hit { counters.add(.getHits) } else { counters.add(.getMisses) }
        }
    }
}
