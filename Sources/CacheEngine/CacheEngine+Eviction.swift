/// Making room in a full slab class: reclaiming dead items, then evicting by the configured policy.
///
/// All of it runs with the class's LRU lock held and only try-locks the stripes of the items it
/// looks at (the reverse of the usual stripe → LRU order), skipping an item whose stripe is busy.
/// That is what lets a store allocate while it holds its own key's stripe.
extension CacheEngine {
    /// Busy items an S3-FIFO eviction may pass over beyond its budget of moves.
    static let evictionBusyAllowance = 64

    /// A chunk of the class: free, from a new page, reclaimed from a dead item, or evicted.
    /// May be called while holding a stripe lock.
    func obtainChunk(_ classID: Int) -> UnsafeMutableRawPointer? {
        if let chunk = slabs.take(classID) { return chunk }
        if configuration.evictionPolicy == .segmented { return obtainChunkSegmented(classID) }
        lrus.locks.lock(classID)
        defer { lrus.locks.unlock(classID) }
        if let chunk = reclaimDead(classID) {
            lrus.states[classID].directReclaims += 1
            return chunk
        }
        if configuration.evictionsEnabled {
            let chunk: UnsafeMutableRawPointer?
            switch configuration.evictionPolicy {
            case .lru: chunk = evictFromLRUTail(classID)
            case .s3fifo: chunk = evictS3FIFO(classID)
            case .segmented: chunk = nil  // handled above
            }
            if let chunk {
                lrus.states[classID].directReclaims += 1
                return chunk
            }
        }
        lrus.states[classID].outOfMemory += 1
        return nil
    }

    /// The first expired or flushed item among the last few of either queue. Caller holds the LRU lock.
    private func reclaimDead(_ classID: Int) -> UnsafeMutableRawPointer? {
        let now = clock.now
        for main in [true, false] {
            if let chunk = detachFirstAtTail(classID, main: main, now: now, where: { isDead($0, now: now) }) {
                return chunk
            }
        }
        return nil
    }

    /// LRU: the first item at the tail whose stripe is free. Caller holds the LRU lock.
    private func evictFromLRUTail(_ classID: Int) -> UnsafeMutableRawPointer? {
        detachFirstAtTail(classID, main: true, now: clock.now, where: { _ in true })
    }

    /// Among the last `evictionSearchDepth` items of a queue, detaches the first one whose stripe is
    /// free and that `qualifies` (checked with the stripe held). Caller holds the LRU lock.
    private func detachFirstAtTail(_ classID: Int, main: Bool, now: UInt32,
                                   where qualifies: (Item) -> Bool) -> UnsafeMutableRawPointer? {
        firstAtTail(from: lrus.queueTail(classID, main: main)) { item, hash in
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

    /// S3-FIFO. While the small queue holds more than a tenth of the class, its tail is examined:
    /// read since queued → moves to main; otherwise evicted and remembered by the ghost filter.
    /// Else main's tail: read since queued or last spared → spared (one read forgotten, back to the
    /// head); otherwise evicted. Caller holds the LRU lock.
    private func evictS3FIFO(_ classID: Int) -> UnsafeMutableRawPointer? {
        let now = clock.now
        // Every move spends a read credit (an item holds at most 3), so four steps per item bound the
        // work while keeping it amortised O(1) per eviction.
        let stepLimit = 4 * lrus.states[classID].count + CacheEngine.evictionBusyAllowance
        for _ in 0..<stepLimit {
            let state = lrus.states[classID]
            let fromSmall = state.small.count > 0 && (state.small.count * 10 > state.count || state.main.count == 0)
            let reference = fromSmall ? state.small.tail : state.main.tail
            guard reference != 0 else { return nil }
            let item = arena.item(reference)
            let hash = KeyHash.hash(item.key)
            let stripe = table.stripe(hash)
            guard table.stripes.tryLock(stripe) else {
                // Busy: another thread uses this key now. Give it a round and look at the next.
                lrus.moveToHead(item, inMain: !fromSmall)
                continue
            }
            defer { table.stripes.unlock(stripe) }
            if item.isPinned {  // a response still sends it: rotated like a busy item
                lrus.states[classID].tailReflocked += 1
                lrus.moveToHead(item, inMain: !fromSmall)
                continue
            }
            if let chunk = evictOrSpare(item, hash: hash, classID: classID, fromSmall: fromSmall, now: now) {
                return chunk
            }
        }
        return nil
    }

    /// One S3-FIFO step on a queue's tail item, with its stripe held: its chunk if evicted, nil if
    /// it was moved. Caller holds the LRU lock.
    private func evictOrSpare(_ item: Item, hash: UInt32, classID: Int, fromSmall: Bool, now: UInt32) -> UnsafeMutableRawPointer? {
        if item.frequency == 0 {
            if fromSmall { ghost.remember(hash) }
            return detach(item, hash: hash, classID: classID, dead: false, now: now)
        }
        if fromSmall {
            item.frequency = 0
            lrus.transfer(item, toMain: true)
            lrus.states[classID].movesToMain += 1
        } else {
            item.frequency -= 1
            lrus.moveToHead(item, inMain: true)
            lrus.states[classID].movesWithinQueue += 1
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
            lrus.states[classID].evictedTime = now &- item.lastAccess
            if item.expiry != 0 { lrus.states[classID].evictedNonzero += 1 }
            if !item.wasFetched { lrus.states[classID].evictedUnfetched += 1 }
        }
    }
}
