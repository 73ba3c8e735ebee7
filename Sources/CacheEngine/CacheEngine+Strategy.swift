/// The engine's calls into its eviction policy (EvictionStrategy.swift). Each is a small action that
/// `InstalledStrategy.run` hands to the concrete policy; `@inline(__always)` lets the compiler fold
/// the switch and the policy's method into the caller, so the read and store paths cost what a
/// hand-written branch would.
extension CacheEngine {
    // MARK: Reads and stores (caller holds the item's stripe)

    /// A read of a live item, told to the policy. (Reads are counted by the caller, per class and
    /// queue, from what the read reports: `ItemView.queue`, `MetaItem.queue`.)
    @inline(__always)
    func noteFetch(_ item: Item) {
        strategy.run(Use(kind: .fetch, item: item), in: self)
    }

    /// A use that is not a read (add on an existing key, incr/decr in place).
    @inline(__always)
    func noteUpdate(_ item: Item) { strategy.run(Use(kind: .update, item: item), in: self) }

    @inline(__always)
    func noteTouch(_ item: Item) { strategy.run(Use(kind: .touch, item: item), in: self) }

    /// Sets a new item's queue before `link` puts it at that queue's head.
    @inline(__always)
    func admit(_ item: Item, hash: UInt32) { strategy.run(Admit(item: item, hash: hash), in: self) }

    /// Advances the item's access time if it has not moved for `bumpInterval` seconds; true if it
    /// did (the policies that bump move the item then). memcached's access time advances as rarely.
    @inline(__always)
    func refreshAccessIfDue(_ item: Item) -> Bool {
        let now = clock.now
        guard item.lastAccess &+ CacheEngine.bumpInterval < now else { return false }
        item.lastAccess = now
        return true
    }

    /// The policy's way of making room in a full class (see `obtainChunk`).
    @inline(__always)
    func makeRoom(_ classID: Int) -> UnsafeMutableRawPointer? { strategy.run(MakeRoom(classID: classID), in: self) }

    // MARK: Start-up, statistics, maintenance

    var strategyRunsMaintainer: Bool { strategy.run(RunsMaintainer(), in: self) }

    /// The class's figures for `stats items`, as the policy reports them. Caller holds the LRU lock.
    func queueFigures(_ classID: Int, _ state: LRULists.ClassState, hits: (LRUQueue) -> UInt64) -> ItemClassStatistics {
        withoutActuallyEscaping(hits) { hits in
            strategy.run(DescribeQueues(classID: classID, state: state, hits: hits), in: self)
        }
    }

    /// One round of the LRU maintainer on a class; items moved. Called by the maintainer thread.
    func juggleSegments(_ classID: Int) -> Int { strategy.run(Juggle(classID: classID), in: self) }

    func destroyStrategy() { strategy.destroy() }
}

// The actions.

/// A read, update or touch (the kind is a constant at each call site, so the switch folds away).
private struct Use: StrategyAction {
    enum Kind { case fetch, update, touch }
    let kind: Kind
    let item: Item
    @inline(__always) func with<S: EvictionStrategy>(_ strategy: S, in engine: CacheEngine) {
        switch kind {
        case .fetch: strategy.noteFetch(item, in: engine)
        case .update: strategy.noteUpdate(item, in: engine)
        case .touch: strategy.noteTouch(item, in: engine)
        }
    }
}

private struct Admit: StrategyAction {
    let item: Item
    let hash: UInt32
    @inline(__always) func with<S: EvictionStrategy>(_ strategy: S, in engine: CacheEngine) { strategy.admit(item, hash: hash, in: engine) }
}

private struct MakeRoom: StrategyAction {
    let classID: Int
    @inline(__always) func with<S: EvictionStrategy>(_ strategy: S, in engine: CacheEngine) -> UnsafeMutableRawPointer? {
        strategy.makeRoom(classID, in: engine)
    }
}

private struct RunsMaintainer: StrategyAction {
    func with<S: EvictionStrategy>(_ strategy: S, in engine: CacheEngine) -> Bool { strategy.runsMaintainer }
}

private struct DescribeQueues: StrategyAction {
    let classID: Int
    let state: LRULists.ClassState
    let hits: (LRUQueue) -> UInt64
    func with<S: EvictionStrategy>(_ strategy: S, in engine: CacheEngine) -> ItemClassStatistics {
        var entry = ItemClassStatistics()
        strategy.describeQueues(classID, state, hits: hits, into: &entry, in: engine)
        return entry
    }
}

private struct Juggle: StrategyAction {
    let classID: Int
    func with<S: EvictionStrategy>(_ strategy: S, in engine: CacheEngine) -> Int { strategy.juggle(classID, in: engine) }
}

