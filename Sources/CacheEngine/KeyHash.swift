/// MurmurHash3 (x86, 32-bit), memcached 1.6's default key hash: fast on short keys and well mixed in
/// the low bits, which pick both the bucket and the lock stripe.
enum KeyHash {
    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt32 {
        let c1: UInt32 = 0xcc9e_2d51
        let c2: UInt32 = 0x1b87_3593
        var h: UInt32 = 0
        let count = key.count
        let blocks = count / 4
        guard let base = key.baseAddress else { return finalize(h, length: 0) }
        for index in 0..<blocks {
            var k = base.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self).littleEndian
            k = (k &* c1).rotatedLeft(by: 15) &* c2
            h ^= k
            h = h.rotatedLeft(by: 13) &* 5 &+ 0xe654_6b64
        }
        var tail: UInt32 = 0
        let tailStart = blocks * 4
        let remainder = count & 3
        if remainder >= 3 { tail ^= UInt32(key[tailStart + 2]) << 16 }
        if remainder >= 2 { tail ^= UInt32(key[tailStart + 1]) << 8 }
        if remainder >= 1 {
            tail ^= UInt32(key[tailStart])
            h ^= (tail &* c1).rotatedLeft(by: 15) &* c2
        }
        return finalize(h, length: count)
    }

    @inline(__always)
    private static func finalize(_ hash: UInt32, length: Int) -> UInt32 {
        var h = hash ^ UInt32(truncatingIfNeeded: length)
        h ^= h >> 16
        h = h &* 0x85eb_ca6b
        h ^= h >> 13
        h = h &* 0xc2b2_ae35
        h ^= h >> 16
        return h
    }
}

extension UInt32 {
    @inline(__always)
    func rotatedLeft(by amount: UInt32) -> UInt32 {
        (self << amount) | (self >> (32 - amount))
    }
}
