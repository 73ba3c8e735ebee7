extension CacheEngine {
    /// The S3-FIFO ghost filter's size (0 under other policies): memcached has no such table, so
    /// it is not a `stats` line; /metrics shows it.
    public var ghostFilterBytes: Int { strategy.ghostFilterBytes }

    public func statistics() -> EngineStatistics {
        var result = EngineStatistics()
        result.limitMaxbytes = UInt64(memoryLimit)
        for classID in 1..<lrus.classCount {
            lrus.locks.lock(classID)
            let state = lrus.states[classID]
            lrus.locks.unlock(classID)
            result.currItems += UInt64(state.count)
            result.bytes += UInt64(state.bytes)
            result.totalItems += state.totalItems
            result.evictions += state.evicted
            result.reclaimed += state.reclaimed
            result.expiredUnfetched += state.expiredUnfetched
            result.evictedUnfetched += state.evictedUnfetched
            result.evictedActive += state.evictedActive
            result.movesToCold += state.movesToCold
            result.movesToWarm += state.movesToMain
            result.movesWithinLRU += state.movesWithinQueue
            result.directReclaims += state.directReclaims
            result.crawlerReclaimed += state.crawlerReclaimed
            result.crawlerItemsChecked += state.crawlerItemsChecked
            result.tailReflocked += state.tailReflocked
        }
        let pinned = pinFigures()
        result.pinnedItems = UInt64(pinned.items)
        result.pinnedOrphanBytes = UInt64(pinned.orphanedBytes)
        result.lruMaintainerJuggles = maintainer?.juggles.load(ordering: .relaxed)
        result.totalMalloced = UInt64(arena.pagesInUse * arena.pageSize)
        result.globalPagePool = UInt64(arena.poolPages)
        let hash = table.sizeFigures()
        result.hashPowerLevel = hash.power
        result.hashBytes = UInt64(hash.bytes)
        result.hashIsExpanding = hash.expanding
        if let rebalancer {
            result.slabsMoved = rebalancer.pagesMoved.load(ordering: .relaxed)
            result.slabReassignRunning = rebalancer.running.load(ordering: .relaxed)
            result.slabReassignEvictions = rebalancer.itemsEvicted.load(ordering: .relaxed)
            result.slabReassignBusyItems = rebalancer.busyItems.load(ordering: .relaxed)
            result.slabReassignBusyDeletes = rebalancer.busyDeletes.load(ordering: .relaxed)
        }
        if let crawler {
            result.lruCrawlerEnabled = crawler.isEnabled
            result.lruCrawlerRunning = crawler.running.load(ordering: .relaxed)
            result.lruCrawlerStarts = crawler.starts.load(ordering: .relaxed)
        }
        return result
    }

    /// Classes that have been given at least one page.
    public func slabStatistics() -> [SlabClassStatistics] {
        (1...sizes.largestClass).map { slabs.statistics($0) }.filter { $0.totalPages > 0 }
    }

    /// Classes that hold at least one item. The engine counts no reads (the callers that read do,
    /// per class and queue, from `ItemView.queue` and `MetaItem.queue`): `queueHits(class, queue)`
    /// gives their sums, which the policy reports as hits_to_hot|warm|cold|temp.
    public func itemStatistics(queueHits: (_ classID: Int, _ queue: Int) -> UInt64 = { _, _ in 0 }) -> [ItemClassStatistics] {
        var result: [ItemClassStatistics] = []
        for classID in 1..<lrus.classCount {
            lrus.locks.lock(classID)
            let state = lrus.states[classID]
            var entry = state.count > 0 ? queueFigures(classID, state) { queueHits(classID, $0.index) } : ItemClassStatistics()
            lrus.locks.unlock(classID)
            guard state.count > 0 else { continue }
            entry.classID = classID
            entry.number = state.count
            entry.memRequested = UInt64(state.bytes)
            entry.evicted = state.evicted
            entry.evictedNonzero = state.evictedNonzero
            entry.evictedTime = state.evictedTime
            entry.outOfMemory = state.outOfMemory
            entry.reclaimed = state.reclaimed
            entry.expiredUnfetched = state.expiredUnfetched
            entry.evictedUnfetched = state.evictedUnfetched
            entry.evictedActive = state.evictedActive
            entry.movesToCold = state.movesToCold
            entry.movesToWarm = state.movesToMain
            entry.movesWithinLRU = state.movesWithinQueue
            entry.directReclaims = state.directReclaims
            entry.crawlerReclaimed = state.crawlerReclaimed
            entry.crawlerItemsChecked = state.crawlerItemsChecked
            entry.tailReflocked = state.tailReflocked
            result.append(entry)
        }
        return result
    }

    /// Seconds since the first item from a queue's tail whose stripe is free was last used; 0 for an
    /// empty queue (or five busy ones). Caller holds the LRU lock.
    func tailAge(_ classID: Int, _ queue: LRUQueue) -> UInt32 {
        firstAtTail(from: lrus.queueTail(classID, queue)) { item, _ in clock.now &- item.lastAccess } ?? 0
    }

    /// The tail item's last access, read under its stripe (try-locked: the LRU lock is held, which
    /// comes after stripes in the lock order). Reports "now" if the stripe is busy.
    func tailLastAccess(_ classID: Int) -> UInt32 {
        let item = arena.item(lrus.states[classID].oldest)
        let stripe = table.stripe(KeyHash.hash(item.key))
        guard table.stripes.tryLock(stripe) else { return clock.now }
        defer { table.stripes.unlock(stripe) }
        return item.lastAccess
    }

    /// `stats reset`: zeroes the eviction and total figures (not the item counts).
    public func resetStatistics() {
        for classID in 1..<lrus.classCount {
            lrus.locks.lock(classID)
            lrus.states[classID].resetFigures()
            lrus.locks.unlock(classID)
        }
        crawler?.starts.store(0, ordering: .relaxed)
        // memcached's reset also zeroes its page-mover and maintainer counts.
        rebalancer?.resetFigures()
        maintainer?.juggles.store(0, ordering: .relaxed)
    }
}
