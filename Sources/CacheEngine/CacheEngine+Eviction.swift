/// Making room in a full slab class: reclaiming dead items, then evicting by the policy
/// (EvictionStrategy.swift), and the tail walks the policies share.
///
/// All of it runs with the class's LRU lock held and only try-locks the stripes of the items it
/// looks at (the reverse of the usual stripe → LRU order), skipping an item whose stripe is busy.
/// That is what lets a store allocate while it holds its own key's stripe.
extension CacheEngine {
    /// A chunk of the class: free, from a new page, or from the policy (reclaimed or evicted).
    /// May be called while holding a stripe lock.
    func obtainChunk(_ classID: Int) -> UnsafeMutableRawPointer? {
        if let chunk = slabs.take(classID) ?? makeRoom(classID) { return chunk }
        // A class refused its first page (the allowance beyond -m is spent) waits for the rebalancer.
        if !slabs.firstPageWaits.isEmpty { rebalancer?.wake() }
        return nil
    }

    /// The default `makeRoom`: a dead item near a queue's tail, else (unless -M) the policy's
    /// `evict`; counted as a direct reclaim, or as out of memory when neither gives a chunk.
    func reclaimOrEvict<Strategy: EvictionStrategy>(_ classID: Int, by strategy: Strategy) -> UnsafeMutableRawPointer? {
        lrus.locks.lock(classID)
        defer { lrus.locks.unlock(classID) }
        if let chunk = reclaimDead(classID) ?? (configuration.evictionsEnabled ? strategy.evict(classID, in: self) : nil) {
            lrus.states[classID].directReclaims += 1
            return chunk
        }
        lrus.states[classID].outOfMemory += 1
        return nil
    }

    /// The first expired or flushed item among the last few of each queue, from the highest index
    /// down (see `LRUQueue`); the queues a policy leaves empty cost a load each. Caller holds the LRU lock.
    private func reclaimDead(_ classID: Int) -> UnsafeMutableRawPointer? {
        let now = clock.now
        for index in (0..<LRUQueue.count).reversed() where lrus.queueTail(classID, LRUQueue(index)) != 0 {
            if let chunk = detachFirstAtTail(classID, LRUQueue(index), now: now, where: { isDead($0, now: now) }) {
                return chunk
            }
        }
        return nil
    }

    /// Evicts the first item near a queue's tail whose stripe is free and that is not pinned (LRU,
    /// FIFO). Caller holds the LRU lock.
    func evictAtTail(_ classID: Int, of queue: LRUQueue) -> UnsafeMutableRawPointer? {
        detachFirstAtTail(classID, queue, now: clock.now, where: { _ in true })
    }

    /// Among the last `evictionSearchDepth` items of a queue, detaches the first one whose stripe is
    /// free and that `qualifies` (checked with the stripe held). Caller holds the LRU lock.
    private func detachFirstAtTail(_ classID: Int, _ queue: LRUQueue, now: UInt32,
                                   where qualifies: (Item) -> Bool) -> UnsafeMutableRawPointer? {
        firstAtTail(from: lrus.queueTail(classID, queue)) { item, hash in
            qualifies(item) ? detach(item, hash: hash, classID: classID, dead: isDead(item, now: now), now: now) : nil
        }
    }

    /// Walks a queue from `tail` towards its head over at most `evictionSearchDepth` items and calls
    /// `body` with each one whose stripe is free (held for the call) and that is not pinned, and its key hash; the first
    /// non-nil answer ends the walk. The next item is read before `body` runs, so `body` may unlink
    /// or move the item. Caller holds the queue's LRU lock (background walkers may not wait on a stripe).
    func firstAtTail<Answer>(from tail: UInt32, _ body: (Item, UInt32) -> Answer?) -> Answer? {
        var reference = tail
        var examined = 0
        while reference != 0, examined < CacheEngine.evictionSearchDepth {
            examined += 1
            let item = arena.item(reference)
            reference = item.lruPrev
            let hash = KeyHash.hash(item.key)
            let stripe = table.stripe(hash)
            guard table.stripes.tryLock(stripe) else { continue }
            defer { table.stripes.unlock(stripe) }
            if item.isPinned {  // a response still sends it: neither evicted nor reclaimed now
                lrus.states[item.slabClass].tailReflocked += 1
                continue
            }
            if let answer = body(item, hash) { return answer }
        }
        return nil
    }

    /// Unlinks an item from the table and its queue and hands its chunk to the caller, still counted
    /// as used; a chunked item's value chunks go back to the free list. Caller holds the LRU lock and the item's stripe.
    func detach(_ item: Item, hash: UInt32, classID: Int, dead: Bool, now: UInt32) -> UnsafeMutableRawPointer {
        recordRemovalFromTail(item, classID: classID, dead: dead, now: now)
        table.remove(item, hash: hash)
        lrus.remove(item)
        item.isLinked = false
        if item.isChunked { freeValueChunks(of: item) }  // the head chunk is reused by the caller
        return item.raw
    }

    /// Caller holds the class LRU lock.
    private func recordRemovalFromTail(_ item: Item, classID: Int, dead: Bool, now: UInt32) {
        if dead {
            lrus.states[classID].reclaimed += 1
            if !item.wasFetched { lrus.states[classID].expiredUnfetched += 1 }
        } else {
            lrus.states[classID].evicted += 1
            reportEviction(item, now: now)
            lrus.states[classID].evictedTime = now &- item.lastAccess
            if item.expiry != 0 { lrus.states[classID].evictedNonzero += 1 }
            if !item.wasFetched { lrus.states[classID].evictedUnfetched += 1 }
        }
    }
}
