/// S3-FIFO (Yang et al., SOSP 2023), `-o eviction_policy=s3fifo`: per class a small and a main FIFO
/// queue and, for the whole engine, a ghost filter of recently evicted keys.
///
/// - New items enter small; a key the ghost filter remembers enters main.
/// - A read only counts, in the item's state byte (bits 6-7, at most 3): no LRU lock on reads.
/// - Making room: while small holds more than a tenth of the class, its tail is examined: read since
///   queued → moves to main (`moves_to_warm`), otherwise evicted and remembered by the ghost filter.
///   Else main's tail: read since queued or last spared → spared, one read forgotten, back to main's
///   head (`moves_within_lru`); otherwise evicted.
struct S3FIFOStrategy: EvictionStrategy {
    static let small = LRUQueue(0)
    static let main = LRUQueue(1)
    /// Bit 5: in main.
    static let queueMask: UInt8 = 0x20
    /// Busy items one eviction may pass over beyond its budget of moves.
    static let busyAllowance = 64

    let ghost: GhostFilter

    init(memoryLimit: Int) { ghost = GhostFilter(memoryLimit: memoryLimit) }

    func destroy() { ghost.destroy() }

    @inline(__always)
    func admit(_ item: Item, hash: UInt32, in engine: CacheEngine) {
        item.frequency = 0
        item.setQueueIndex((ghost.recall(hash) ? Self.main : Self.small).index, Self.queueMask)
    }

    /// The access time advances at most once per `bumpInterval`, as memcached's does; the read
    /// itself is counted every time.
    @inline(__always)
    func noteUpdate(_ item: Item, in engine: CacheEngine) {
        _ = engine.refreshAccessIfDue(item)
        item.frequency += 1
    }

    /// Caller holds the LRU lock.
    func evict(_ classID: Int, in engine: CacheEngine) -> UnsafeMutableRawPointer? {
        let now = engine.clock.now
        let lrus = engine.lrus
        // Every move spends a read credit (an item holds at most 3), so four steps per item bound the
        // work while keeping it amortised O(1) per eviction.
        let stepLimit = 4 * lrus.states[classID].count + Self.busyAllowance
        for _ in 0..<stepLimit {
            let state = lrus.states[classID]
            let small = state[Self.small]
            let fromSmall = small.count > 0 && (small.count * 10 > state.count || state[Self.main].count == 0)
            let queue = fromSmall ? Self.small : Self.main
            let reference = state[queue].tail
            guard reference != 0 else { return nil }
            let item = engine.arena.item(reference)
            let hash = KeyHash.hash(item.key)
            let stripe = engine.table.stripe(hash)
            guard engine.table.stripes.tryLock(stripe) else {
                // Busy: another thread uses this key now. Give it a round and look at the next.
                lrus.moveToHead(item, in: queue)
                continue
            }
            defer { engine.table.stripes.unlock(stripe) }
            if item.isPinned {  // a response still sends it: rotated like a busy item
                lrus.states[classID].tailReflocked += 1
                lrus.moveToHead(item, in: queue)
                continue
            }
            if let chunk = evictOrSpare(item, hash: hash, classID: classID, fromSmall: fromSmall, now: now, in: engine) {
                return chunk
            }
        }
        return nil
    }

    /// One step on a queue's tail item, with its stripe held: its chunk if evicted, nil if it was
    /// moved. Caller holds the LRU lock.
    private func evictOrSpare(_ item: Item, hash: UInt32, classID: Int, fromSmall: Bool, now: UInt32,
                              in engine: CacheEngine) -> UnsafeMutableRawPointer? {
        let lrus = engine.lrus
        if item.frequency == 0 {
            if fromSmall { ghost.remember(hash) }
            return engine.detach(item, hash: hash, classID: classID, dead: false, now: now)
        }
        if fromSmall {
            item.frequency = 0
            lrus.transfer(item, to: Self.main)
            lrus.states[classID].movesToMain += 1
        } else {
            item.frequency -= 1
            lrus.moveToHead(item, in: Self.main)
            lrus.states[classID].movesWithinQueue += 1
        }
        return nil
    }

    /// Small is reported as hot and main as warm; `age` is the oldest item's (main's tail, else small's).
    func describeQueues(_ classID: Int, _ state: LRULists.ClassState, hits: (LRUQueue) -> UInt64,
                        into entry: inout ItemClassStatistics, in engine: CacheEngine) {
        entry.numberHot = state[Self.small].count
        entry.numberWarm = state[Self.main].count
        entry.ageHot = engine.tailAge(classID, Self.small)
        entry.ageWarm = engine.tailAge(classID, Self.main)
        entry.age = state[Self.main].count > 0 ? entry.ageWarm : entry.ageHot
        entry.hitsToHot = hits(Self.small)
        entry.hitsToWarm = hits(Self.main)
    }
}
