import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// `ms <key> <datalen> <flags>*` and its data block: memcached 1.6.18's `process_mset_command`
/// and `_finalize_mset`.
extension TextSession {
    func metaSet(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        // Errors before the length is known leave the data block to be read as a command line.
        if tokens[1].count > KeyRules.maxKeyLength || tokens.count < 3 {
            return output.append(MetaResponse.badCommandLineFormat)
        }
        if tokens.count >= MetaResponse.maxWords { return output.append(MetaResponse.flagsTooLong) }
        guard let length = ProtocolNumbers.parseInt32(word(2, in: bytes)), length >= 0, length <= Int32.max - 2 else {
            return output.append(MetaResponse.badCommandLineFormat)
        }
        let valueLength = Int(length)
        let flags = MetaFlags.parse(tokens, from: 3, in: bytes, keyScratch: meta.decodedKey)
        if flags.failed { return refuseMetaSet(valueLength, flags.errorLine) }
        noreply = flags.quiet
        let opaqueTooLong = noteMetaSetReplyFlags(in: bytes)
        guard var options = metaStoreOptions(flags) else { return refuseMetaSet(valueLength, MetaResponse.invalidSetMode) }
        if opaqueTooLong { return refuseMetaSet(valueLength, MetaResponse.opaqueTooLong) }
        guard let key = metaKey(flags, in: bytes) else { return refuseMetaSet(valueLength, MetaResponse.badCommandLineFormat) }
        options.binaryKey = flags.base64Key
        meta.noteSetKey(key, binary: flags.base64Key)
        let exptime = flags.hasTTL ? Int64(flags.exptime) : 0
        switch engine.allocate(key: key, flags: flags.clientFlags, exptime: exptime, valueLength: valueLength) {
        case .allocated(let item):
            var reception = ValueReception(item: item, mode: options.mode, compareCAS: options.compareCAS, noreply: noreply)
            reception.meta = options
            state = .receivingValue(reception)
        case .tooLarge:
            counters.add(.storeTooLarge)
            // As memcached: a failed store must not leave the old value behind, whatever the mode.
            _ = engine.delete(key)
            refuseMetaSet(valueLength, ResponseLine.objectTooLarge)
        case .outOfMemory:
            counters.add(.storeNoMemory)
            _ = engine.delete(key)
            refuseMetaSet(valueLength, ResponseLine.outOfMemoryStoring)
        }
    }

    /// Errors are sent even under q; the data block is read and dropped first.
    private func refuseMetaSet(_ valueLength: Int, _ answer: StaticString) {
        noreply = false
        state = .swallowing(remaining: valueLength + 2, answer: answer)
    }

    /// Remembers the O, k and c flags for the reply, in request order; true if an O is too long.
    private func noteMetaSetReplyFlags(in bytes: UnsafeRawBufferPointer) -> Bool {
        meta.clearSetFlags()
        var opaqueTooLong = false
        for index in 3..<tokens.count {
            let letter = metaLetter(index, in: bytes)
            switch letter {
            case UInt8(ascii: "O"):
                if tokens[index].count > MetaResponse.maxOpaqueLength { opaqueTooLong = true } else { meta.noteSetFlag(word(index, in: bytes)) }
            case UInt8(ascii: "k"), UInt8(ascii: "c"):
                withUnsafeBytes(of: letter) { meta.noteSetFlag($0) }
            default: break
            }
        }
        return opaqueTooLong
    }

    /// The M mode, upgraded to a CAS store when C is given with set or replace; nil for a bad mode.
    private func metaStoreOptions(_ flags: MetaFlags) -> MetaStoreOptions? {
        var mode: StoreMode
        switch flags.mode {
        case 0, UInt8(ascii: "S"): mode = .set
        case UInt8(ascii: "E"): mode = .add
        case UInt8(ascii: "A"): mode = .append
        case UInt8(ascii: "P"): mode = .prepend
        case UInt8(ascii: "R"): mode = .replace
        default: return nil
        }
        if flags.hasCompareCAS && (mode == .set || mode == .replace) { mode = .cas }
        return MetaStoreOptions(mode: mode, compareCAS: flags.compareCAS, invalidate: flags.invalidate,
                                explicitCAS: flags.hasExplicitCAS ? flags.explicitCAS : nil)
    }

    /// The data block is in: store it and answer `HD` / `NS` / `EX` / `NF` with the noted flags.
    func finishMetaSet(_ reception: ValueReception, _ options: MetaStoreOptions, into output: inout OutputBuffer) {
        counters.add(.cmdSet, slabClass: reception.item.slabClass)
        guard reception.isWellTerminated else {
            engine.release(reception.item)
            return output.append(ResponseLine.badDataChunk)
        }
        let (result, cas, comparedClass) = watchSwitch.isOn(.stores)
            ? watchHub.commitMetaLogged(reception.item, options, in: engine, descriptor: descriptor)
            : engine.commitMeta(reception.item, options)
        if options.mode == .cas { countCAS(result, comparedClass: comparedClass) }
        switch result {
        case .stored:
            // q hides only the nominal answer.
            if reception.noreply { return }
            output.append(MetaResponse.done)
        case .exists: output.append(MetaResponse.exists)
        case .notFound: output.append(MetaResponse.notFound)
        case .notStored, .tooLarge, .outOfMemory: output.append(MetaResponse.notStored)
        }
        appendNotedSetFlags(cas: cas, into: &output)
        output.append(ResponseLine.lineEnd)
    }

    private func appendNotedSetFlags(cas: UInt64, into output: inout OutputBuffer) {
        var words = WordIterator(position: 0, end: meta.pendingSetFlags.count)
        let noted = meta.pendingSetFlags
        while let span = words.next(in: noted) {
            switch noted[span.start] {
            case UInt8(ascii: "O"): output.appendMetaToken(noted[span: span])
            case UInt8(ascii: "k"): output.appendMetaKey(meta.pendingSetKey, binary: meta.setKeyIsBinary)
            default: output.appendMetaFlag(UInt8(ascii: "c"), cas)
            }
        }
    }
}
