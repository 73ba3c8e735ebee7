import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// get / getk / touch / gat / gatk and their quiet forms: memcached's `process_bin_get_or_touch`.
extension BinarySession {
    func retrieve(_ command: BinaryOpcode, _ request: BinaryRequest, key: UnsafeRawBufferPointer,
                  extras: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        let touching = command == .touch || command == .gat || command == .gatk
        let returnsKey = command == .getk || command == .gatk
        let returnsValue = command != .touch
        let result: LookupResult
        let start = output.mark
        if watchSwitch.isOn(.fetchers) { logLookup(key) }
        if touching {
            // The wire carries an unsigned 32-bit expiry; memcached widens it without a sign.
            let exptime = Int64(BigEndianBytes.uint32(extras, at: 0))
            result = engine.getAndTouch(key, exptime: exptime) {
                counters.add(.touchHits, slabClass: $0.slabClass)
                answerHit($0, request, returnsKey: returnsKey, returnsValue: returnsValue, since: start, into: &output)
            }
        } else {
            result = engine.get(key) {
                counters.countHit(slabClass: $0.slabClass, queue: $0.queue)
                answerHit($0, request, returnsKey: returnsKey, returnsValue: returnsValue, since: start, into: &output)
            }
        }
        count(result, touching: touching)
        if detailSwitch.isOn { detail.recordGet(key, hit: result == .hit) }
        if result == .hit && sending.isOverLimit(output) {
            // As memcached answers a get it has no response object for.
            output.rollBack(to: start)
            counters.add(.responseObjectsOutOfMemory)
            return output.appendBinaryError(opcode: request.opcode, status: .outOfMemory, opaque: request.opaque)
        }
        if result != .hit { answerMiss(request, key: key, returnsKey: returnsKey, into: &output) }
    }

    /// Flags (as 4 bytes of extras), then the key for getk / gatk, then the value unless touch.
    private func answerHit(_ item: ItemView, _ request: BinaryRequest, returnsKey: Bool, returnsValue: Bool,
                           since start: OutputBuffer.Mark, into output: inout OutputBuffer) {
        let keyLength = returnsKey ? item.key.count : 0
        let valueLength = returnsValue ? item.value.count : 0
        output.appendBinaryHeader(opcode: request.opcode, status: .success, extrasLength: 4, keyLength: keyLength,
                                  bodyLength: 4 + keyLength + valueLength, opaque: request.opaque, cas: item.cas)
        output.appendBigEndian(item.flags)
        if returnsKey { output.append(item.key) }
        if returnsValue {
            let sending = self.sending
            output.appendHitValue(item.value, sending: sending, since: start) { sending.engine.pin(item) }
        }
    }

    /// Quiet forms say nothing on a miss; getk / gatk send the key back with "Not found" status.
    private func answerMiss(_ request: BinaryRequest, key: UnsafeRawBufferPointer, returnsKey: Bool,
                            into output: inout OutputBuffer) {
        guard !request.quiet else { return }
        if returnsKey {
            output.appendBinaryHeader(opcode: request.opcode, status: .keyNotFound, keyLength: key.count,
                                      bodyLength: key.count, opaque: request.opaque)
            output.append(key)
        } else {
            output.appendBinaryError(opcode: request.opcode, status: .keyNotFound, opaque: request.opaque)
        }
    }

    /// The command and a miss (a hit was counted in its item's class as it was read).
    private func count(_ result: LookupResult, touching: Bool) {
        switch result {
        case .expired: counters.add(.getExpired)
        case .flushed: counters.add(.getFlushed)
        case .hit, .miss: break
        }
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
