import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// `me <key> [b]`: memcached 1.6.18's `process_meta_command`, a human-readable dump of an item's
/// internals. Deliberate difference: `cls` is this server's slab class, whose sizes differ from
/// memcached's (`size` is memcached's own formula, so it matches). As in memcached 1.6.18, `me` is the
/// one meta command `cmd_meta` counts (once its key is read, found or not).
extension TextSession {
    func metaDebug(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        guard tokens.count >= 2, tokens[1].count <= KeyRules.maxKeyLength else {
            return output.append(MetaResponse.badCommandLineFormat)
        }
        var key = word(1, in: bytes)
        // Only a third word that is exactly "b" means a base64 key here.
        if tokens.count >= 3 && bytes.span(tokens[2], equals: "b") {
            let length = Base64.decode(key, into: meta.decodedKey)
            guard length > 0 else { return output.append(MetaResponse.badCommandLineFormat) }
            key = UnsafeRawBufferPointer(start: meta.decodedKey, count: length)
        }
        let lookup = engine.metaLookup(key, vivify: false, bump: false) { item, _ in
            writeMetaDebug(item, into: &output)
            return true
        }
        countDeadItem(lookup.result)
        counters.add(.cmdMeta)
        if lookup.result != .hit { output.append(MetaResponse.miss); output.append(ResponseLine.lineEnd) }
    }

    /// `ME <key> exp=… la=… cas=… fetch=yes|no cls=… size=…`; exp is memcached's `now - expiry`
    /// printed signed (negative while the item lives), -1 for never.
    private func writeMetaDebug(_ item: MetaItem, into output: inout OutputBuffer) {
        output.append(MetaResponse.debugPrefix)
        if item.keyIsBinary { Base64.encode(item.key, into: &output) } else { output.append(item.key) }
        output.append(" exp=")
        output.appendDecimal(item.expiry == 0 ? -1 : Int64(Int32(bitPattern: item.now &- item.expiry)))
        output.append(" la=")
        output.appendDecimal(UInt64(item.now &- item.lastAccess))
        output.append(" cas=")
        output.appendDecimal(item.cas)
        output.append(item.wasFetched ? " fetch=yes cls=" : " fetch=no cls=")
        output.appendDecimal(UInt64(item.slabClass))
        output.append(" size=")
        output.appendDecimal(UInt64(item.memcachedSize))
        output.append(ResponseLine.lineEnd)
    }
}
