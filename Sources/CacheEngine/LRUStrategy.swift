/// Plain LRU, `-o eviction_policy=lru` (memcached's flat mode): one queue per class, its tail
/// evicted; a use moves an item to the head at most once every `bumpInterval` (memcached's
/// ITEM_UPDATE_INTERVAL), so a hot key does not take the LRU lock on every read.
struct LRUStrategy: EvictionStrategy {
    @inline(__always)
    func noteUpdate(_ item: Item, in engine: CacheEngine) {
        if engine.refreshAccessIfDue(item) { engine.lrus.bump(item) }
    }

    /// Caller holds the LRU lock.
    func evict(_ classID: Int, in engine: CacheEngine) -> UnsafeMutableRawPointer? {
        engine.evictAtTail(classID, of: LRUQueue(0))
    }
}
