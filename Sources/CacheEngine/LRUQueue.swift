/// One of the four queues every slab class has (`LRULists`), by index. A policy names the ones it
/// uses (S3-FIFO: small 0 and main 1; segmented LRU: `LRUSegment`; LRU: 0 alone) and numbers them
/// from the newest items' towards the oldest's: reclaiming and the age of a class's oldest item look
/// from the highest index down (the segmented LRU's temp queue, 3, aside).
struct LRUQueue: Hashable, CustomStringConvertible {
    static let count = 4
    /// Every queue, in index order (how the crawler, cachedump and page moves walk a class).
    static let all = (0..<count).map(LRUQueue.init)

    let index: Int

    @inline(__always) init(_ index: Int) { self.index = index }

    var description: String { "queue \(index)" }
}
