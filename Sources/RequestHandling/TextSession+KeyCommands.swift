import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// incr / decr / delete / touch: single-key commands without a data block.
extension TextSession {
    /// memcached's `process_arithmetic_command`.
    func arithmetic(increment: Bool, in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        _ = takeNoreply(in: bytes)
        guard let key = validKey(in: bytes) else {
            return reply(ResponseLine.badCommandLineFormat, into: &output)
        }
        guard let delta = ProtocolNumbers.parseUInt64(word(2, in: bytes)) else {
            return reply(ResponseLine.invalidDelta, into: &output)
        }
        if watchSwitch.isOn(.fetchers) { logLookup(key) }
        let (result, slabClass) = engine.arithmetic(key, increment: increment, delta: delta)
        switch result {
        case .value(let value):
            counters.add(increment ? .incrHits : .decrHits, slabClass: slabClass)
            if !noreply { output.appendNumberLine(value) }
        case .notFound:
            counters.add(increment ? .incrMisses : .decrMisses)
            reply(ResponseLine.notFound, into: &output)
        case .nonNumeric:
            reply(ResponseLine.nonNumericValue, into: &output)
        case .outOfMemory:
            reply(ResponseLine.outOfMemory, into: &output)
        }
    }

    /// memcached's `process_delete_command`: `delete <key> [0] [noreply]`; the legacy hold time
    /// is accepted only as `0`.
    func delete(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        if tokens.count > 2 {
            let holdIsZero = bytes.span(tokens[2], equals: "0")
            let setsNoreply = takeNoreply(in: bytes)
            let valid = (tokens.count == 3 && (holdIsZero || setsNoreply))
                || (tokens.count == 4 && holdIsZero && setsNoreply)
            guard valid else { return reply(ResponseLine.deleteUsage, into: &output) }
        }
        guard let key = validKey(in: bytes) else {
            return reply(ResponseLine.badCommandLineFormat, into: &output)
        }
        if detailSwitch.isOn { detail.recordDelete(key) }
        if watchSwitch.isOn(.fetchers) { logLookup(key) }
        if let slabClass = engine.delete(key) {
            counters.add(.deleteHits, slabClass: slabClass)
            reply(ResponseLine.deleted, into: &output)
        } else {
            counters.add(.deleteMisses)
            reply(ResponseLine.notFound, into: &output)
        }
    }

    /// memcached's `process_touch_command`.
    func touch(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        _ = takeNoreply(in: bytes)
        guard let key = validKey(in: bytes) else {
            return reply(ResponseLine.badCommandLineFormat, into: &output)
        }
        guard let exptime = ProtocolNumbers.parseInt32(word(2, in: bytes)) else {
            return reply(ResponseLine.invalidExptime, into: &output)
        }
        if watchSwitch.isOn(.fetchers) { logLookup(key) }
        let (result, slabClass) = engine.touch(key, exptime: Int64(exptime))
        countDeadItem(result)
        counters.add(.cmdTouch)
        if result == .hit {
            counters.add(.touchHits, slabClass: slabClass)
            reply(ResponseLine.touched, into: &output)
        } else {
            counters.add(.touchMisses)
            reply(ResponseLine.notFound, into: &output)
        }
    }
}
