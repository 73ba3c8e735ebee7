import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// `md <key> <flags>*`: memcached 1.6.18's `process_mdelete_command`, plus the x flag of later
/// memcached versions (empty the value, keep the item).
extension TextSession {
    func metaDelete(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        if let error = metaLineError(tooLong: MetaResponse.flagsTooLong) { return output.append(error) }
        let flags = MetaFlags.parse(tokens, from: 2, in: bytes, keyScratch: meta.decodedKey)
        // md reports every flag error with one message.
        if flags.failed { return output.append(MetaResponse.invalidOrDuplicateFlag) }
        if metaOpaqueTooLong(in: bytes, from: 2) { return output.append(MetaResponse.opaqueTooLong) }
        guard let key = metaKey(flags, in: bytes) else { return output.append(MetaResponse.badCommandLineFormat) }
        noreply = flags.quiet
        if watchSwitch.isOn(.fetchers) { logLookup(key) }
        let (result, slabClass) = engine.metaDelete(key, compareCAS: flags.hasCompareCAS ? flags.compareCAS : nil,
                                       invalidate: flags.invalidate, emptyValue: flags.emptiesValue,
                                       newExpiry: flags.hasTTL ? metaExpiry(flags.exptime) : nil,
                                       explicitCAS: flags.hasExplicitCAS ? flags.explicitCAS : nil)
        switch result {
        case .deleted, .invalidated, .emptied:
            if result == .deleted { counters.add(.deleteHits, slabClass: slabClass) }
            // q hides only the nominal answer.
            if noreply { return }
            output.append(MetaResponse.done)
        case .notFound:
            counters.add(.deleteMisses)
            output.append(MetaResponse.notFound)
        case .casMismatch:
            counters.add(.deleteMisses)
            output.append(MetaResponse.exists)
        }
        appendMetaEcho(from: 2, key: key, binary: flags.base64Key, in: bytes, into: &output)
        output.append(ResponseLine.lineEnd)
    }
}
