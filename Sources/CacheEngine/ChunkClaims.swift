/// One bit per chunk of every page a warm restart adopts: set once an item (or a value chunk of a
/// chunked item) is found in it. A chunk claimed twice means the memory file contradicts itself; the
/// chunks left unclaimed at the end are the free ones.
struct ChunkClaims {
    private var words: [UInt64]
    /// The bit of each page's first chunk (pages of different classes hold different chunk counts).
    private let firstBit: [Int]

    init(owners: [UInt8], sizes: SlabSizeClasses) {
        var firstBit = [Int]()
        firstBit.reserveCapacity(owners.count)
        var total = 0
        for owner in owners {
            firstBit.append(total)
            total += owner == 0 ? 0 : sizes.chunksPerPage(Int(owner))  // a pool page holds no chunks
        }
        self.firstBit = firstBit
        words = [UInt64](repeating: 0, count: (total + 63) / 64)
    }

    func bit(page: Int, chunk: Int) -> Int { firstBit[page] + chunk }

    func isClaimed(_ bit: Int) -> Bool { words[bit >> 6] & (1 << UInt64(bit & 63)) != 0 }

    /// False when the chunk was claimed already.
    mutating func claim(_ bit: Int) -> Bool {
        if isClaimed(bit) { return false }
        words[bit >> 6] |= 1 << UInt64(bit & 63)
        return true
    }

    mutating func release(_ bit: Int) { words[bit >> 6] &= ~(1 << UInt64(bit & 63)) }
}
