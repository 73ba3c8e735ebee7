/// The chunk sizes of the slab classes, as memcached builds them: the first holds a header plus
/// `chunkSizeMin` bytes, each next one is `growthFactor` larger (rounded to the alignment) up to
/// `slabChunkMax`, which is the last class. Items above it are chunked items (ChunkedItem.swift): a
/// chain of chunks of the last class, so no class ever needs more than a page.
/// Class ids start at 1, as memcached prints them; index 0 is unused.
struct SlabSizeClasses {
    static let maximumClasses = 63

    /// chunkSizes[id] for id in 1...largestClass.
    let chunkSizes: [Int]
    let pageSize: Int

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
    }

    static func align(_ value: Int, to alignment: Int) -> Int {
        (value + alignment - 1) / alignment * alignment
    }

    func chunksPerPage(_ classID: Int) -> Int { pageSize / chunkSizes[classID] }

    /// The smallest class whose chunk holds `size` bytes; nil when none does (a chunked item).
    func classFor(size: Int) -> Int? {
        guard size <= chunkSizes[largestClass] else { return nil }
        var low = 1
        var high = largestClass
        while low < high {
            let middle = (low + high) / 2
            if chunkSizes[middle] >= size { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
