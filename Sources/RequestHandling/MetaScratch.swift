import MemcacheProtocol

/// Memory the meta commands of one connection reuse, allocated once with its session so that no
/// request allocates: the decoded form of a base64 (b) key, and what an `ms` must still answer
/// once its data block has arrived (the input line it came on may be gone by then).
final class MetaScratch {
    /// Where a b key is decoded (`Base64.maxDecodedKeyLength` bytes).
    let decodedKey = UnsafeMutableRawPointer.allocate(byteCount: Base64.maxDecodedKeyLength, alignment: 8)

    /// The key of the pending `ms`, for its k flag.
    let setKey = UnsafeMutableRawPointer.allocate(byteCount: KeyRules.maxKeyLength, alignment: 8)
    private(set) var setKeyLength = 0
    private(set) var setKeyIsBinary = false

    /// The pending `ms`'s reply flags in request order, each a token followed by a space:
    /// `O<opaque>`, `k`, `c`. One O (≤ 32 bytes) and one each of k and c fit in 64 bytes; a repeated
    /// flag is refused before anything is noted.
    static let setFlagsCapacity = 64
    let setFlags = UnsafeMutableRawPointer.allocate(byteCount: MetaScratch.setFlagsCapacity, alignment: 8)
    private(set) var setFlagsLength = 0

    deinit {
        decodedKey.deallocate()
        setKey.deallocate()
        setFlags.deallocate()
    }

    func noteSetKey(_ key: UnsafeRawBufferPointer, binary: Bool) {
        setKey.copyMemory(from: key.baseAddress!, byteCount: key.count)
        setKeyLength = key.count
        setKeyIsBinary = binary
    }

    func clearSetFlags() { setFlagsLength = 0 }

    func noteSetFlag(_ token: UnsafeRawBufferPointer) {
        guard setFlagsLength + token.count + 1 <= MetaScratch.setFlagsCapacity else { return }
        (setFlags + setFlagsLength).copyMemory(from: token.baseAddress!, byteCount: token.count)
        setFlags.storeBytes(of: 0x20, toByteOffset: setFlagsLength + token.count, as: UInt8.self)
        setFlagsLength += token.count + 1
    }

    var pendingSetKey: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: setKey, count: setKeyLength) }
    var pendingSetFlags: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: setFlags, count: setFlagsLength) }
}
