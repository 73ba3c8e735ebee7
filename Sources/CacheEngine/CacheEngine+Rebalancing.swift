/// Slab page moves: `slabs reassign`, `slabs automove` (see SlabRebalancer.swift).
public enum ReassignResult: Sendable, Equatable {
    case ok
    /// A move is queued or running (memcached's BUSY).
    case running
    case badClass
    /// The source has fewer than two pages.
    case noSpare
    case sameClass
}

/// What automove looks at, per class.
struct RebalancingFigure {
    var evictions: UInt64 = 0
    var pages = 0
    var freeChunks = 0
    var chunksPerPage = 1
    /// Seconds since the class's oldest item was last used (0 for an empty class).
    var age: UInt32 = 0
}

extension CacheEngine {
    /// Moves one page from `source` to `destination` in the background; `source` -1 picks the class
    /// with the most pages (of those with two or more). Class 0 is the global page pool: `N 0` empties
    /// a page of class N into it, `0 N` gives one of its pages to class N. Checks and answers in
    /// memcached's order (`do_slabs_reassign`): a move under way, the same class twice (before -1 is
    /// resolved), a class out of range (-1 that found none included), a source of fewer than two pages
    /// (the pool's count too).
    public func reassignSlabPage(from source: Int, to destination: Int) -> ReassignResult {
        guard let rebalancer, !rebalancer.isBusy else { return .running }
        guard source != destination else { return .sameClass }
        let valid = 0...sizes.largestClass
        let source = source == -1 ? busiestClass(except: destination) : source
        guard valid.contains(source), valid.contains(destination) else { return .badClass }
        guard pages(of: source) >= 2 else { return .noSpare }
        return rebalancer.request(source: source, destination: destination) ? .ok : .running
    }

    /// A class's pages, or the pool's for class 0.
    private func pages(of classID: Int) -> Int {
        classID == 0 ? arena.poolPages : slabs.statistics(classID).totalPages
    }

    /// `slabs automove 0|1|2` (see SlabRebalancer.automoveChoice).
    public var slabAutomove: Int {
        get { rebalancer?.automove ?? 0 }
        set { rebalancer?.automove = newValue }
    }

    /// `slab_automove_ratio` (see SlabRebalancer.automoveChoice); the configured value without a rebalancer.
    public var slabAutomoveRatio: Double {
        get { rebalancer?.ageRatio ?? configuration.slabAutomoveRatio }
        set { rebalancer?.ageRatio = newValue }
    }

    /// The class with the most pages (two or more), -1 when none has two.
    func busiestClass(except excluded: Int) -> Int {
        var best = -1
        var mostPages = 1
        for classID in 1...sizes.largestClass where classID != excluded {
            let pages = slabs.statistics(classID).totalPages
            if pages > mostPages { best = classID; mostPages = pages }
        }
        return best
    }

    func rebalancingFigures() -> [RebalancingFigure] {
        (0...sizes.largestClass).map { classID in
            guard classID > 0 else { return RebalancingFigure() }
            let now = clock.now
            lrus.locks.lock(classID)
            let evictions = lrus.states[classID].evicted
            let age = lrus.states[classID].oldest == 0 ? 0 : now &- tailLastAccess(classID)
            lrus.locks.unlock(classID)
            let slab = slabs.statistics(classID)
            return RebalancingFigure(evictions: evictions, pages: slab.totalPages, freeChunks: slab.freeChunks,
                                     chunksPerPage: slab.chunksPerPage, age: age)
        }
    }

    /// Unlinks the class's items that have a chunk in `page` (an evacuating page); a chunked item goes
    /// as a whole. Items whose stripe is busy
    /// are left for the next pass. Runs on the rebalancer thread.
    func evictItems(in page: UnsafeMutableRawPointer, classID: Int) -> PageEvacuationPass {
        var pass = PageEvacuationPass()
        let now = clock.now
        lrus.locks.lock(classID)
        defer { lrus.locks.unlock(classID) }
        for queue in LRUQueue.all {
            var reference = lrus.queueHead(classID, queue)
            while reference != 0 {
                let item = arena.item(reference)
                reference = item.lruNext
                guard occupies(item, page: page) else { continue }
                let hash = KeyHash.hash(item.key)
                let stripe = table.stripe(hash)
                guard table.stripes.tryLock(stripe) else {
                    pass.busy += 1
                    continue
                }
                pass.count(item, dead: isDead(item, now: now))
                table.remove(item, hash: hash)
                lrus.remove(item)
                item.isLinked = false
                // `give` counts the chunks lying in the evacuating page and frees a chunked item's
                // others; a pinned item's come back through `give` when it is unpinned.
                freeChunks(of: item)
                table.stripes.unlock(stripe)
            }
        }
        return pass
    }
}

/// What one pass over an evacuating page did, in memcached's page-mover terms.
struct PageEvacuationPass {
    /// Live items unlinked (slab_reassign_evictions_nomem: nothing is copied elsewhere).
    var evicted = 0
    /// Items still being sent by a response, unlinked all the same (slab_reassign_busy_deletes).
    var busyDeletes = 0
    /// Items whose stripe was held: left for the next pass (slab_reassign_busy_items).
    var busy = 0

    /// Caller holds the item's stripe. An expired or flushed item is just freed, as memcached's mover does.
    mutating func count(_ item: Item, dead: Bool) {
        if item.isPinned {
            busyDeletes += 1
        } else if !dead {
            evicted += 1
        }
    }
}
