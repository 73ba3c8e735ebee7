/// The chunk sizes of the slab classes, as memcached builds them: the first holds a header plus
/// `chunkSizeMin` bytes, each next one is `growthFactor` larger (rounded to the alignment) up to
/// `slabChunkMax`, which is the last class. Items above it are chunked items (ChunkedItem.swift): a
/// chain of chunks of the last class, so no class ever needs more than a page.
/// Class ids start at 1, as memcached prints them; index 0 is unused.
///
/// The construction is memcached's for every `-f`; only the default factor differs. A geometric
/// table bounds what rounding up to a chunk wastes, relative to the item, by the factor: an item
/// that did not fit the previous class (chunk c) is larger than c, and the next chunk is at most
/// f·c + 7, so it wastes under (f − 1)·size + 8 bytes — in the last class, whose step may be up to
/// f², under (f² − 1)·size + 8. memcached's 1.25 lets an item waste up to a quarter of its size (over
/// half in the last class); 1.08 keeps it under 8% (17%) at the cost of 110 classes instead of 39,
/// which the 7-bit class id of an item header (ItemFlags.swift) allows. (A factor so small that the
/// table would pass 127 classes stops there, as memcached's stops at 63, and loses the bound.)
struct SlabSizeClasses {
    /// Class ids are 7 bits (ItemFlags.classMask); id 0 is unused. memcached's limit is 63.
    static let maximumClasses = 127
    /// `-f` when none is given (memcached's is 1.25): see the bound above.
    static let defaultGrowthFactor = 1.08

    /// chunkSizes[id] for id in 1...largestClass.
    let chunkSizes: [Int]
    let pageSize: Int
    /// The class of every size up to `directLookupLimit`, by the size rounded up to the alignment
    /// (`classFor`'s one load instead of a binary search over ~110 classes on every store).
    private let classBySlot: [UInt8]
    private let alignmentShift: Int
    /// Sizes with a direct entry: most items (2 KB of table); larger ones search the classes above.
    static let directLookupLimit = 16_384

    var largestClass: Int { chunkSizes.count - 1 }

    init(configuration: EngineConfiguration, alignment: Int) {
        pageSize = configuration.slabPageSize
        // The smallest header an item gets (flags 0), as memcached starts from its bare item header.
        let headerSize = Item.headerSize(flags: 0, withCAS: configuration.casEnabled)
        let chunkMax = max(ChunkedItem.minimumChunkSize, min(configuration.slabChunkMax, pageSize)) / alignment * alignment
        var sizes = [0]
        var size = SlabSizeClasses.align(headerSize + configuration.chunkSizeMin, to: alignment)
        while sizes.count < SlabSizeClasses.maximumClasses - 1, Double(size) <= Double(chunkMax) / configuration.growthFactor {
            sizes.append(size)
            let grown = SlabSizeClasses.align(Int(Double(size) * configuration.growthFactor), to: alignment)
            size = max(grown, size + alignment)
        }
        sizes.append(chunkMax)
        chunkSizes = sizes
        alignmentShift = alignment.trailingZeroBitCount
        classBySlot = SlabSizeClasses.directTable(sizes, alignment: alignment)
    }

    /// Entry n: the smallest class whose chunk holds n × alignment bytes (chunks are multiples of the
    /// alignment, so that class also holds every size rounded up to it).
    private static func directTable(_ sizes: [Int], alignment: Int) -> [UInt8] {
        let slots = min(directLookupLimit, sizes[sizes.count - 1]) / alignment + 1
        var table = [UInt8](repeating: 0, count: slots)
        var classID = 1
        for slot in 0..<slots {
            while sizes[classID] < slot * alignment { classID += 1 }
            table[slot] = UInt8(classID)
        }
        return table
    }

    static func align(_ value: Int, to alignment: Int) -> Int {
        (value + alignment - 1) / alignment * alignment
    }

    func chunksPerPage(_ classID: Int) -> Int { pageSize / chunkSizes[classID] }

    /// The smallest class whose chunk holds `size` (> 0) bytes; nil when none does (a chunked item).
    func classFor(size: Int) -> Int? {
        let slot = (size + (1 << alignmentShift) - 1) >> alignmentShift
        if slot < classBySlot.count { return Int(classBySlot[slot]) }
        guard size <= chunkSizes[largestClass] else { return nil }
        var low = Int(classBySlot[classBySlot.count - 1])
        var high = largestClass
        while low < high {
            let middle = (low + high) / 2
            if chunkSizes[middle] >= size { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
