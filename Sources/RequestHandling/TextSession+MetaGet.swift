import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// `mg <key> <flags>*`: memcached 1.6.18's `process_mget_command`.
extension TextSession {
    func metaGet(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        if let error = metaLineError(tooLong: MetaResponse.getFlagsTooLong) { return output.append(error) }
        let flags = MetaFlags.parse(tokens, from: 2, in: bytes, keyScratch: meta.decodedKey)
        if flags.failed { return output.append(flags.errorLine) }
        guard let key = metaKey(flags, in: bytes) else { return output.append(MetaResponse.badCommandLineFormat) }
        noreply = flags.quiet
        let start = output.mark
        var reply = MetaGetReply(flags: flags, session: self, since: start)
        if watchSwitch.isOn(.fetchers) { logLookup(key) }
        var hitSlabClass = 0, hitQueue = 0
        let lookup = engine.metaLookup(key, vivify: flags.vivify, bump: !flags.noBump) { item, created in
            (hitSlabClass, hitQueue) = (item.slabClass, item.queue)
            return reply.write(item, created: created, in: bytes, into: &output)
        }
        if reply.opaqueTooLong {
            output.rollBack(to: start)
            return output.append(MetaResponse.opaqueTooLong)
        }
        if sending.isOverLimit(output) {
            output.rollBack(to: start)
            return answerOutOfResponseMemory(into: &output)
        }
        countDeadItem(lookup.result)
        if lookup.result == .hit || lookup.created {
            countMetaGetHit(touched: reply.touched, slabClass: hitSlabClass, queue: hitQueue)
        } else {
            counters.add(.cmdGet)
            counters.add(.getMisses)
            metaGetMiss(key, flags, in: bytes, into: &output)
        }
    }

    /// In the item's class, as memcached: touch_hits when T touched it, else a hit on its queue.
    private func countMetaGetHit(touched: Bool, slabClass: Int, queue: Int) {
        if touched {
            counters.add(.cmdTouch)
            counters.add(.touchHits, slabClass: slabClass)
        } else {
            counters.add(.cmdGet)
            counters.countHit(slabClass: slabClass, queue: queue)
        }
    }

    /// `EN` with the O and k flags; nothing under q, though a too-long opaque is still an error.
    private func metaGetMiss(_ key: UnsafeRawBufferPointer, _ flags: MetaFlags, in bytes: UnsafeRawBufferPointer,
                             into output: inout OutputBuffer) {
        if metaOpaqueTooLong(in: bytes, from: 2) { return output.append(MetaResponse.opaqueTooLong) }
        guard !noreply else { return }
        output.append(MetaResponse.miss)
        appendMetaEcho(from: 2, key: key, binary: flags.base64Key, in: bytes, into: &output)
        output.append(ResponseLine.lineEnd)
    }
}

/// Writes an mg hit while the item is locked, walking the flags in request order: T, N and R act
/// where they stand, so `t T30` reports the old TTL and `T30 t` the new one, as in memcached.
struct MetaGetReply {
    let flags: MetaFlags
    let newExpiry: UInt32
    let vivifyExpiry: UInt32
    let recacheExpiry: UInt32
    private(set) var touched = false
    private(set) var opaqueTooLong = false
    private let tokens: TokenTable
    private let sending: ValueSending
    /// Where the request's answer began in the output.
    private let start: OutputBuffer.Mark

    init(flags: MetaFlags, session: TextSession, since start: OutputBuffer.Mark) {
        self.flags = flags
        tokens = session.tokens
        sending = session.sending
        self.start = start
        newExpiry = flags.hasTTL ? session.metaExpiry(flags.exptime) : 0
        vivifyExpiry = flags.vivify ? session.metaExpiry(flags.vivifyExptime) : 0
        recacheExpiry = flags.has(UInt8(ascii: "R")) ? session.metaExpiry(flags.recacheExptime) : 0
    }

    /// Returns false when the request failed part-way (a too-long opaque): no bump then.
    mutating func write(_ item: MetaItem, created: Bool, in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) -> Bool {
        if flags.returnsValue {
            output.append(MetaResponse.value)
            output.appendDecimal(UInt64(item.value.count))
        } else {
            output.append(MetaResponse.done)
        }
        var won = false
        for index in 2..<tokens.count {
            let token = tokens[index]
            guard writeFlag(bytes[token.start], token: bytes[span: token], item, created: created, won: &won, into: &output) else {
                opaqueTooLong = true
                return false
            }
        }
        appendRecacheState(item, won: won, into: &output)
        output.append(ResponseLine.lineEnd)
        if flags.returnsValue {
            let sending = self.sending
            output.appendHitValue(item.value, sending: sending, since: start) { sending.engine.pin(item) }
            output.append(ResponseLine.lineEnd)
        }
        return true
    }

    private mutating func writeFlag(_ letter: UInt8, token: UnsafeRawBufferPointer, _ item: MetaItem, created: Bool,
                                    won: inout Bool, into output: inout OutputBuffer) -> Bool {
        switch letter {
        case UInt8(ascii: "T"):
            touched = true
            item.setExpiry(newExpiry)
        case UInt8(ascii: "N"):
            if created {
                item.setExpiry(vivifyExpiry)
                won = true
            }
        case UInt8(ascii: "R"):
            if !item.winTokenSent && !created && item.expiry != 0 && item.expiry < recacheExpiry { won = true }
        case UInt8(ascii: "s"): output.appendMetaFlag(letter, UInt64(item.value.count))
        case UInt8(ascii: "t"): appendTTL(item, into: &output)
        case UInt8(ascii: "c"): output.appendMetaFlag(letter, item.cas)
        case UInt8(ascii: "f"): output.appendMetaFlag(letter, UInt64(item.flags))
        // memcached computes these in 32-bit unsigned arithmetic.
        case UInt8(ascii: "l"): output.appendMetaFlag(letter, UInt64(item.now &- item.lastAccess))
        case UInt8(ascii: "h"): output.appendMetaFlag(letter, item.wasFetched ? 1 : 0)
        case UInt8(ascii: "O"):
            guard token.count <= MetaResponse.maxOpaqueLength else { return false }
            output.appendMetaToken(token)
        case UInt8(ascii: "k"): output.appendMetaKey(item.key, binary: item.keyIsBinary)
        default: break
        }
        return true
    }

    /// ` t<seconds left>`, ` t-1` for an item that never expires.
    private func appendTTL(_ item: MetaItem, into output: inout OutputBuffer) {
        guard item.expiry != 0 else { return output.append(" t-1") }
        output.appendMetaFlag(UInt8(ascii: "t"), UInt64(item.expiry &- item.now))
    }

    /// Z when another client holds the win token, X for a stale item (which hands out the token
    /// if nobody has it), W when this client wins it.
    private func appendRecacheState(_ item: MetaItem, won: Bool, into output: inout OutputBuffer) {
        var won = won
        if item.winTokenSent { output.append(" Z") }
        if item.isStale {
            output.append(" X")
            if !item.winTokenSent { won = true }
        }
        if won {
            output.append(" W")
            item.winTokenSent = true
        }
    }
}
