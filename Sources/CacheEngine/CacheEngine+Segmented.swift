/// The segmented LRU's machinery (the policy is SegmentedLRUStrategy.swift): memcached 1.6's
/// items.c, per class a hot, a warm, a cold and (with `temporary_ttl`) a temp queue.
///
/// - New items enter hot (temp when their TTL is at most `temporary_ttl`; cold in `lru mode flat`).
/// - A fetch marks an item *fetched*, the next one *active*; after that fetches do nothing until the
///   mark is spent, so a hot key never takes the LRU lock on its reads. An item becoming active in
///   cold moves to warm at once (memcached queues that bump to its maintainer; here the reader does
///   it, under the class LRU lock that comes after its stripe in the lock order).
/// - `pullTail` is memcached's lru_pull_tail: at a hot or warm tail an active item moves to warm
///   (spending the mark); an inactive one moves to cold when the segment is over its share of the
///   class's bytes or idle longer than its age limit (the cold tail's age times hot/warm_max_factor).
///   At the cold tail an active item is rescued to warm by the maintainer, or evicted by an allocator.
/// - Everything runs with the class's LRU lock and only try-locks item stripes (busy items are passed
///   over), like the other eviction paths.
extension CacheEngine {
    /// Tries an allocation makes at pulling tails before it gives up (memcached: 10).
    static let segmentedAllocationAttempts = 10
    /// Steps of one juggle per class (memcached: 500).
    static let juggleSteps = 500

    // MARK: lru mode / temp_ttl

    /// The maintainer thread runs (memcached's settings.lru_maintainer_thread).
    public var lruMaintainerRunning: Bool { maintainer != nil }

    /// `lru mode flat|segmented`; false (memcached's ERROR) when no maintainer thread runs.
    public func setLRUMode(segmented: Bool) -> Bool {
        guard maintainer != nil else { return false }
        tuning.setSegmented(segmented)
        return true
    }

    /// `lru temp_ttl <ttl>` (negative: no temp segment); false when no maintainer thread runs.
    public func setTemporaryTTL(_ ttl: Int32) -> Bool {
        guard maintainer != nil else { return false }
        tuning.setTemporaryTTL(ttl)
        return true
    }

    // MARK: Reads and writes (caller holds the item's stripe)

    /// The queue a newly linked item enters.
    func segmentForNewItem(_ item: Item, now: UInt32) -> LRUSegment {
        // memcached's unsigned test: an item already past its expiry wraps around and is not temp.
        if tuning.temporaryLRU, item.expiry != 0, item.expiry &- now <= tuning.temporaryTTL { return .temp }
        return tuning.segmented ? .hot : .cold
    }

    /// memcached's do_item_bump, for a fetch. Flat mode: the plain LRU's bump at most once a minute.
    func noteSegmentedFetch(_ item: Item) {
        guard tuning.segmented else {
            item.wasFetched = true
            bumpWithinQueueIfDue(item)
            return
        }
        if item.isActive { return }
        if !item.wasFetched {
            item.wasFetched = true
            return
        }
        item.isActive = true
        let now = clock.now
        if lrus.queue(of: item) == LRUSegment.cold.queue {
            rescueFromCold(item, now: now)
        } else {
            item.lastAccess = now
        }
    }

    /// memcached's do_item_update (touch-like uses: add on an existing key, incr in place).
    func noteSegmentedUpdate(_ item: Item) {
        guard tuning.segmented else { return bumpWithinQueueIfDue(item) }
        let now = clock.now
        if lrus.queue(of: item) == LRUSegment.cold.queue && item.isActive {
            rescueFromCold(item, now: now)
        } else {
            item.lastAccess = now
        }
    }

    private func bumpWithinQueueIfDue(_ item: Item) {
        if refreshAccessIfDue(item) { lrus.bump(item) }
    }

    /// An active item in cold goes to warm's head, its mark spent (moves_to_warm).
    private func rescueFromCold(_ item: Item, now: UInt32) {
        item.lastAccess = now
        let classID = item.slabClass
        lrus.locks.lock(classID)
        if item.isLinked, lrus.queue(of: item) == LRUSegment.cold.queue {
            item.isActive = false
            lrus.transfer(item, to: LRUSegment.warm.queue)
            lrus.states[classID].movesToMain += 1
        }
        lrus.locks.unlock(classID)
    }

    // MARK: Allocation (memcached's do_item_alloc_pull)

    /// Juggle steps an allocation runs when no maintainer thread does (see obtainChunkSegmented).
    static let inlineJuggleSteps = 4

    /// A chunk for class `classID` when its free list is empty: evict the cold tail, else move the hot
    /// tail (and, failing that, the warm tail) to cold and try again. Without the maintainer thread
    /// the allocation first runs a few juggle steps for the class: every allocation adds one item to
    /// hot, and each step moves at least one while a segment is over its share, so hot and warm
    /// converge to their shares as memory churns instead of hot taking the whole class.
    func obtainChunkSegmented(_ classID: Int) -> UnsafeMutableRawPointer? {
        if maintainer == nil {
            let figures = juggleFigures(classID)
            for _ in 0..<CacheEngine.inlineJuggleSteps {
                guard juggleStep(classID, figures: figures) else { break }
            }
        }
        for attempt in 1...CacheEngine.segmentedAllocationAttempts {
            if let chunk = slabs.take(classID) ?? pullTail(classID, .cold, evict: true).chunk {
                noteDirectReclaims(classID, attempt)
                return chunk
            }
            if pullTail(classID, .hot).moved == 0, pullTail(classID, .warm).moved == 0 {
                break  // nothing left to move into cold (memcached stops here too, warm aside)
            }
            if let chunk = slabs.take(classID) {
                noteDirectReclaims(classID, attempt)
                return chunk
            }
        }
        lrus.locks.lock(classID)
        lrus.states[classID].outOfMemory += 1
        lrus.locks.unlock(classID)
        return nil
    }

    private func noteDirectReclaims(_ classID: Int, _ attempts: Int) {
        lrus.locks.lock(classID)
        lrus.states[classID].directReclaims += UInt64(attempts)
        lrus.locks.unlock(classID)
    }

    // MARK: Maintenance (memcached's lru_maintainer_juggle)

    struct JuggleFigures {
        var totalBytes = 0
        var hotAge: UInt32 = 0
        var warmAge: UInt32 = 0
    }

    /// One class's juggle: reclaims expired temp items, then moves hot and warm tails to cold (or
    /// warm) and rescues active cold tails, up to 500 steps or until nothing moves. Returns the steps
    /// that moved something. Called by the maintainer thread (through `juggleSegments`).
    func juggleSegmentedClass(_ classID: Int) -> Int {
        var moved = 0
        if tuning.temporaryLRU {
            for _ in 0..<CacheEngine.juggleSteps {
                guard pullTail(classID, .temp).moved > 0 else { break }
                moved += 1
            }
        }
        let figures = juggleFigures(classID)
        for _ in 0..<CacheEngine.juggleSteps {
            guard juggleStep(classID, figures: figures) else { break }
            moved += 1
        }
        return moved
    }

    /// One step: hot, else warm; then cold. False when none of them moved anything.
    @discardableResult
    private func juggleStep(_ classID: Int, figures: JuggleFigures) -> Bool {
        var moved = pullTail(classID, .hot, totalBytes: figures.totalBytes, maxAge: figures.hotAge).moved > 0
            || pullTail(classID, .warm, totalBytes: figures.totalBytes, maxAge: figures.warmAge).moved > 0
        if tuning.segmented, pullTail(classID, .cold).moved > 0 { moved = true }
        return moved
    }

    /// The class's bytes outside temp and the age limits derived from the cold tail's age. In flat
    /// mode all are zero, which drains hot and warm into cold.
    private func juggleFigures(_ classID: Int) -> JuggleFigures {
        guard tuning.segmented else { return JuggleFigures() }
        lrus.locks.lock(classID)
        let state = lrus.states[classID]
        let coldAge = tailAge(classID, LRUSegment.cold.queue)
        lrus.locks.unlock(classID)
        return JuggleFigures(totalBytes: state[LRUSegment.hot.queue].bytes + state[LRUSegment.warm.queue].bytes
                                 + state[LRUSegment.cold.queue].bytes,
                             hotAge: Self.scaled(coldAge, by: tuning.hotMaxFactor),
                             warmAge: Self.scaled(coldAge, by: tuning.warmMaxFactor))
    }

    /// memcached's `rel_time_t = age * factor` (a C conversion: truncated, clamped here).
    private static func scaled(_ age: UInt32, by factor: Double) -> UInt32 {
        let product = Double(age) * factor
        guard product.isFinite, product > 0 else { return 0 }
        return product >= Double(UInt32.max) ? UInt32.max : UInt32(product)
    }

    // MARK: lru_pull_tail

    /// What one pull did: items moved, reclaimed or evicted, and (evicting from cold) the chunk.
    struct PullResult {
        var moved = 0
        var chunk: UnsafeMutableRawPointer?
    }

    /// memcached's lru_pull_tail on one queue of a class: looks at up to five tail items, skipping
    /// busy ones and reclaiming expired ones, and acts on the first other one (see the type comment).
    /// With `evict` (cold only) that item is evicted and its chunk returned, still counted as used;
    /// a reclaimed chunk is returned the same way.
    func pullTail(_ classID: Int, _ queue: LRUSegment, totalBytes: Int = 0, maxAge: UInt32 = 0,
                  evict: Bool = false) -> PullResult {
        lrus.locks.lock(classID)
        defer { lrus.locks.unlock(classID) }
        let now = clock.now
        var result = PullResult()
        // The closure answers true once it has acted on an item (the walk stops), nil to go on.
        _ = firstAtTail(from: lrus.queueTail(classID, queue.queue)) { (item, hash) -> Bool? in
            result.moved += 1
            if isDead(item, now: now) {
                let chunk = detach(item, hash: hash, classID: classID, dead: true, now: now)
                if evict { result.chunk = chunk; return true }
                slabs.give(chunk, classID: classID)
                return nil  // reclaimed: look at the next one
            }
            switch queue {
            case .hot, .warm:
                if !settleTail(item, of: queue, classID: classID, totalBytes: totalBytes, maxAge: maxAge, now: now) {
                    result.moved -= 1
                }
            case .cold:
                if evict {
                    guard configuration.evictionsEnabled else { result.moved -= 1; return true }
                    if item.isActive { lrus.states[classID].evictedActive += 1 }
                    result.chunk = detach(item, hash: hash, classID: classID, dead: false, now: now)
                } else if item.isActive && tuning.segmented {
                    item.isActive = false
                    lrus.transfer(item, to: LRUSegment.warm.queue)
                    lrus.states[classID].movesToMain += 1
                } else {
                    result.moved -= 1
                }
            case .temp:
                result.moved -= 1  // temp items only leave when they expire
            }
            return true
        }
        return result
    }

    /// A hot or warm tail item: active → warm (spending the mark); over the segment's share or idle
    /// past `maxAge` → cold; else it stays. False when it stays. Caller holds the LRU lock and stripe.
    private func settleTail(_ item: Item, of queue: LRUSegment, classID: Int, totalBytes: Int,
                            maxAge: UInt32, now: UInt32) -> Bool {
        if item.isActive {
            item.isActive = false
            if queue == .warm {
                lrus.moveToHead(item, in: LRUSegment.warm.queue)
                lrus.states[classID].movesWithinQueue += 1
            } else {
                lrus.transfer(item, to: LRUSegment.warm.queue)
                lrus.states[classID].movesToMain += 1
            }
            return true
        }
        // memcached: a hot limit that works out to 0 falls back to the warm percentage.
        var limit = queue == .hot ? totalBytes * Int(tuning.hotPercent) / 100 : 0
        if limit == 0 { limit = totalBytes * Int(tuning.warmPercent) / 100 }
        if lrus.states[classID][queue.queue].bytes > limit || now &- item.lastAccess > maxAge {
            lrus.transfer(item, to: LRUSegment.cold.queue)
            lrus.states[classID].movesToCold += 1
            return true
        }
        return false
    }
}
