extension CacheEngine {
    public func statistics() -> EngineStatistics {
        var result = EngineStatistics()
        result.limitMaxbytes = UInt64(configuration.memoryLimit)
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
        }
        result.totalMalloced = UInt64(arena.pagesInUse * arena.pageSize)
        let hash = table.sizeFigures()
        result.hashPowerLevel = hash.power
        result.hashBytes = UInt64(hash.bytes)
        result.hashIsExpanding = hash.expanding
        if let rebalancer {
            result.slabsMoved = rebalancer.pagesMoved.load(ordering: .relaxed)
            result.slabReassignRunning = rebalancer.running.load(ordering: .relaxed)
            result.slabReassignEvictions = rebalancer.itemsEvicted.load(ordering: .relaxed)
            result.slabReassignBusyItems = rebalancer.busyItems.load(ordering: .relaxed)
        }
        return result
    }

    /// Classes that have been given at least one page.
    public func slabStatistics() -> [SlabClassStatistics] {
        (1...sizes.largestClass).map { slabs.statistics($0) }.filter { $0.totalPages > 0 }
    }

    /// Classes that hold at least one item.
    public func itemStatistics() -> [ItemClassStatistics] {
        let now = clock.now
        var result: [ItemClassStatistics] = []
        for classID in 1..<lrus.classCount {
            lrus.locks.lock(classID)
            let state = lrus.states[classID]
            let tailAccess = state.oldest == 0 ? now : tailLastAccess(classID)
            lrus.locks.unlock(classID)
            guard state.count > 0 else { continue }
            var entry = ItemClassStatistics()
            entry.classID = classID
            entry.number = state.count
            entry.age = now &- tailAccess
            entry.evicted = state.evicted
            entry.evictedNonzero = state.evictedNonzero
            entry.evictedTime = state.evictedTime
            entry.outOfMemory = state.outOfMemory
            entry.reclaimed = state.reclaimed
            entry.expiredUnfetched = state.expiredUnfetched
            entry.evictedUnfetched = state.evictedUnfetched
            result.append(entry)
        }
        return result
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
    }
}
