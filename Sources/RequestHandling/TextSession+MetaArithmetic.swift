import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// `ma <key> <flags>*`: memcached 1.6.18's `process_marithmetic_command`.
extension TextSession {
    func metaArithmetic(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        if let error = metaLineError(tooLong: MetaResponse.flagsTooLong) { return output.append(error) }
        let flags = MetaFlags.parse(tokens, from: 2, in: bytes, keyScratch: meta.decodedKey)
        if flags.failed { return output.append(MetaResponse.invalidOrDuplicateFlag) }
        noreply = flags.quiet
        let increment: Bool
        switch flags.mode {
        case 0, UInt8(ascii: "I"), UInt8(ascii: "+"): increment = true
        case UInt8(ascii: "D"), UInt8(ascii: "-"): increment = false
        default: return output.append(MetaResponse.invalidArithmeticMode)
        }
        guard let key = metaKey(flags, in: bytes) else { return output.append(MetaResponse.badCommandLineFormat) }
        // memcached checks the opaque while it writes the reply, after the update: so do we.
        let opaqueTooLong = metaOpaqueTooLong(in: bytes, from: 2)
        let request = MetaArithmeticRequest(increment: increment, delta: flags.delta, compareCAS: flags.compareCAS,
                                            vivifyInitial: flags.vivify ? flags.initial : nil,
                                            explicitCAS: flags.hasExplicitCAS ? flags.explicitCAS : nil)
        let start = output.mark
        if watchSwitch.isOn(.fetchers) { logLookup(key) }
        let (result, slabClass) = engine.metaArithmetic(key, request) { item, number, created in
            guard !opaqueTooLong else { return }
            writeMetaArithmeticHit(item, number, created: created, flags, in: bytes, into: &output)
        }
        // Failures that stop before the reply is written (non-numeric, out of memory) keep their
        // own error; the others meet the opaque check while writing.
        if opaqueTooLong, result.writesReply {
            output.rollBack(to: start)
            return output.append(MetaResponse.opaqueTooLong)
        }
        finishMetaArithmetic(result, slabClass: slabClass, increment: increment, key: key, flags, start: start,
                             in: bytes, into: &output)
    }

    /// `slabClass`: of the item found, which an update counts under.
    private func finishMetaArithmetic(_ result: MetaArithmeticResult, slabClass: Int, increment: Bool, key: UnsafeRawBufferPointer,
                                      _ flags: MetaFlags, start: OutputBuffer.Mark, in bytes: UnsafeRawBufferPointer,
                                      into output: inout OutputBuffer) {
        switch result {
        case .updated:
            counters.add(increment ? .incrHits : .decrHits, slabClass: slabClass)
            // q hides a successful update; memcached still answers a created item.
            if noreply { output.rollBack(to: start) }
        case .created:
            if watchSwitch.isOn(.stores) { watchHub.logCreated(key, in: engine, descriptor: descriptor) }
        case .notFound, .casMismatch:
            if result == .notFound { counters.add(increment ? .incrMisses : .decrMisses) }
            output.append(result == .notFound ? MetaResponse.notFound : MetaResponse.exists)
            appendMetaEcho(from: 2, key: key, binary: flags.base64Key, in: bytes, into: &output)
            output.append(ResponseLine.lineEnd)
        case .nonNumeric: output.append(ResponseLine.nonNumericValue)
        case .outOfMemory: output.append(ResponseLine.outOfMemory)
        case .vivifyFailed: output.append(MetaResponse.vivifyOutOfMemory)
        }
    }

    /// `HD` or `VA <length>`, the flags in request order (T and N act where they stand), then the
    /// number as the data block when v was asked for.
    private func writeMetaArithmeticHit(_ item: MetaItem, _ number: UInt64, created: Bool, _ flags: MetaFlags,
                                        in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        let numberStart = output.mark
        output.appendDecimal(number)
        let digits = output.ownedBytes(since: numberStart)
        output.rollBack(to: numberStart)
        if flags.returnsValue {
            output.append(MetaResponse.value)
            output.appendDecimal(UInt64(digits))
        } else {
            output.append(MetaResponse.done)
        }
        for index in 2..<tokens.count {
            switch metaLetter(index, in: bytes) {
            case UInt8(ascii: "c"): output.appendMetaFlag(UInt8(ascii: "c"), item.cas)
            case UInt8(ascii: "t"):
                if item.expiry == 0 { output.append(" t-1") } else { output.appendMetaFlag(UInt8(ascii: "t"), UInt64(item.expiry &- item.now)) }
            case UInt8(ascii: "T"): item.setExpiry(metaExpiry(flags.exptime))
            case UInt8(ascii: "N"): if created { item.setExpiry(metaExpiry(flags.vivifyExptime)) }
            case UInt8(ascii: "O"): output.appendMetaToken(word(index, in: bytes))
            case UInt8(ascii: "k"): output.appendMetaKey(item.key, binary: flags.base64Key)
            default: break
            }
        }
        if flags.returnsValue {
            output.append(ResponseLine.lineEnd)
            output.appendDecimal(number)
        }
        output.append(ResponseLine.lineEnd)
    }
}

extension MetaArithmeticResult {
    /// Whether memcached goes on to write flags (and so checks the opaque) for this outcome.
    var writesReply: Bool {
        switch self {
        case .updated, .created, .notFound, .casMismatch: return true
        case .nonNumeric, .outOfMemory, .vivifyFailed: return false
        }
    }
}
