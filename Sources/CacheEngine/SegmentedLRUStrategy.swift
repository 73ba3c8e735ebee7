/// memcached 1.6's segmented LRU, `-o eviction_policy=segmented`: per class the `LRUSegment` queues,
/// kept in shape by the LRU maintainer thread (or, with `-o no_lru_maintainer`, by each allocation).
/// Its machinery — fetch marks, tail pulls, the juggle, `lru mode` — is CacheEngine+Segmented.swift,
/// as engine operations the maintainer thread runs too.
///
/// - New items enter hot (temp when their TTL is at most `temporary_ttl`; cold in `lru mode flat`).
/// - The first fetch marks an item fetched, the next active (bit 7); an active item in cold moves
///   to warm at once.
/// - Making room is memcached's do_item_alloc_pull: evict the cold tail, else move hot and warm
///   tails to cold and retry.
struct SegmentedLRUStrategy: EvictionStrategy {
    /// Bits 5-6: the segment.
    static let queueMask: UInt8 = 0x60

    /// The maintainer thread runs (`-o lru_maintainer`, the default).
    let maintained: Bool

    var runsMaintainer: Bool { maintained }

    @inline(__always)
    func admit(_ item: Item, hash: UInt32, in engine: CacheEngine) {
        item.isActive = false
        item.setQueueIndex(engine.segmentForNewItem(item, now: item.lastAccess).rawValue, Self.queueMask)
    }

    @inline(__always)
    func noteFetch(_ item: Item, in engine: CacheEngine) { engine.noteSegmentedFetch(item) }

    @inline(__always)
    func noteUpdate(_ item: Item, in engine: CacheEngine) { engine.noteSegmentedUpdate(item) }

    /// memcached's touch is a fetch here (do_item_get with DO_UPDATE).
    func noteTouch(_ item: Item, in engine: CacheEngine) { engine.noteSegmentedFetch(item) }

    func makeRoom(_ classID: Int, in engine: CacheEngine) -> UnsafeMutableRawPointer? {
        engine.obtainChunkSegmented(classID)
    }

    /// Not used: `makeRoom` pulls the tails itself (each pull takes the LRU lock on its own).
    func evict(_ classID: Int, in engine: CacheEngine) -> UnsafeMutableRawPointer? { nil }

    func juggle(_ classID: Int, in engine: CacheEngine) -> Int { engine.juggleSegmentedClass(classID) }

    /// The segments' own figures.
    func describeQueues(_ classID: Int, _ state: LRULists.ClassState, hits queueHits: (LRUQueue) -> UInt64,
                        into entry: inout ItemClassStatistics, in engine: CacheEngine) {
        func hits(_ segment: LRUSegment) -> UInt64 { queueHits(segment.queue) }
        entry.numberHot = state[LRUSegment.hot.queue].count
        entry.numberWarm = state[LRUSegment.warm.queue].count
        entry.numberCold = state[LRUSegment.cold.queue].count
        entry.numberTemp = state[LRUSegment.temp.queue].count
        entry.ageHot = engine.tailAge(classID, LRUSegment.hot.queue)
        entry.ageWarm = engine.tailAge(classID, LRUSegment.warm.queue)
        entry.age = engine.tailAge(classID, LRUSegment.cold.queue)
        entry.hitsToHot = hits(.hot)
        entry.hitsToWarm = hits(.warm)
        entry.hitsToCold = hits(.cold)
        entry.hitsToTemp = hits(.temp)
    }
}
