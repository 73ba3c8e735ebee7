import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// What mg / ms / md / ma share: the line checks before the flags, the key (decoded for b), the
/// O and k reply flags.
extension TextSession {
    /// memcached's checks before it parses flags: the key token at most 250 bytes, fewer than 20
    /// words. Returns the error line, nil when the line may go on.
    func metaLineError(tooLong: StaticString) -> StaticString? {
        if tokens[1].count > KeyRules.maxKeyLength { return MetaResponse.badCommandLineFormat }
        if tokens.count >= MetaResponse.maxWords { return tooLong }
        return nil
    }

    /// The key to look up: the b-decoded bytes, or the token itself if acceptable (see KeyRules:
    /// control bytes are refused, a deliberate difference shared with the classic commands).
    func metaKey(_ flags: MetaFlags, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        if flags.base64Key {
            return UnsafeRawBufferPointer(start: meta.decodedKey, count: flags.decodedKeyLength)
        }
        let key = word(1, in: bytes)
        return KeyRules.isAcceptable(key) ? key : nil
    }

    /// Whether any O token of the line is longer than memcached allows.
    func metaOpaqueTooLong(in bytes: UnsafeRawBufferPointer, from first: Int) -> Bool {
        for index in first..<tokens.count where metaLetter(index, in: bytes) == UInt8(ascii: "O") {
            if tokens[index].count > MetaResponse.maxOpaqueLength { return true }
        }
        return false
    }

    /// The flag letter of word `index`.
    @inline(__always)
    func metaLetter(_ index: Int, in bytes: UnsafeRawBufferPointer) -> UInt8 {
        bytes[tokens[index].start]
    }

    /// The O and k flags of a reply that has no item (a miss, NF, EX), in request order.
    func appendMetaEcho(from first: Int, key: UnsafeRawBufferPointer, binary: Bool,
                        in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        for index in first..<tokens.count {
            switch metaLetter(index, in: bytes) {
            case UInt8(ascii: "O"): output.appendMetaToken(word(index, in: bytes))
            case UInt8(ascii: "k"): output.appendMetaKey(key, binary: binary)
            default: break
            }
        }
    }

    /// A protocol TTL as the engine's relative expiry.
    func metaExpiry(_ exptime: Int32) -> UInt32 {
        engine.clock.expiry(fromProtocol: Int64(exptime))
    }
}
