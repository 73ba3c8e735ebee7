import CacheEngine
import MemcacheProtocol
import OutputBuffers

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
        let answerStart = output.mark
        let watchingFetches = watchSwitch.isOn(.fetchers)
        var keys = tokens.words(from: touching ? 2 : 1)
        while let keySpan = keys.next(in: bytes) {
            let key = bytes[span: keySpan]
            guard KeyRules.isAcceptable(key) else {
                output.rollBack(to: answerStart)
                return output.append(ResponseLine.badCommandLineFormat)
            }
            let result: LookupResult
            // A hit is counted in its item's class: touch_hits for gat, the queue's hits (get_hits) for get.
            if touching {
                result = engine.getAndTouch(key, exptime: exptime) { item in
                    counters.add(.touchHits, slabClass: item.slabClass)
                    output.appendValue(item, cas: withCAS ? item.cas : nil, sending: sending, since: answerStart)
                }
            } else {
                result = engine.get(key) { item in
                    counters.countHit(slabClass: item.slabClass, queue: item.queue)
                    output.appendValue(item, cas: withCAS ? item.cas : nil, sending: sending, since: answerStart)
                }
            }
            countLookup(result, touching: touching)
            if watchingFetches { logFetch(key, result) }
            if detailSwitch.isOn { detail.recordGet(key, hit: result == .hit) }
            if result == .hit && sending.isOverLimit(output) {
                output.rollBack(to: answerStart)
                return answerOutOfResponseMemory(into: &output)
            }
        }
        output.append(ResponseLine.end)
    }

    /// A request whose answer would hold more than the connection may: its stacked answers are
    /// dropped (pins let go) and it is answered as memcached answers when out of response objects.
    func answerOutOfResponseMemory(into output: inout OutputBuffer) {
        counters.add(.responseObjectsOutOfMemory)
        output.append(ResponseLine.outOfMemoryWritingGet)
    }

    /// The command and a miss (a hit was counted in its class as it was read).
    private func countLookup(_ result: LookupResult, touching: Bool) {
        countDeadItem(result)
        let hit = result == .hit
        if touching {
            counters.add(.cmdTouch)
            if !hit { counters.add(.touchMisses) }
        } else {
            counters.add(.cmdGet)
            if !hit { counters.add(.getMisses) }
        }
    }
}
