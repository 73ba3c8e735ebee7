/// The engine's calls into its eviction policy (EvictionStrategy.swift). Each is a small action that
/// `InstalledStrategy.run` hands to the concrete policy; `@inline(__always)` lets the compiler fold
/// the switch and the policy's method into the caller, so the read and store paths cost what a
/// hand-written branch would.
extension CacheEngine {
    // MARK: Reads and stores (caller holds the item's stripe)

    /// A read of a live item: counted per queue for `stats items`, then told to the policy.
    @inline(__always)
    func noteFetch(_ item: Item) {
        queueHits.count(classID: item.slabClass, queue: lrus.queue(of: item), reference: arena.reference(item.raw))
        strategy.run(Fetch(item: item, engine: self))
    }

    /// A use that is not a read (add on an existing key, incr/decr in place).
    @inline(__always)
    func noteUpdate(_ item: Item) { strategy.run(Update(item: item, engine: self)) }

    @inline(__always)
    func noteTouch(_ item: Item) { strategy.run(Touch(item: item, engine: self)) }

    /// Sets a new item's queue before `link` puts it at that queue's head.
    @inline(__always)
    func admit(_ item: Item, hash: UInt32) { strategy.run(Admit(item: item, hash: hash, engine: self)) }

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
    func makeRoom(_ classID: Int) -> UnsafeMutableRawPointer? { strategy.run(MakeRoom(classID: classID, engine: self)) }

    // MARK: Start-up, statistics, maintenance

    /// The policy's queue bits, for `LRULists`.
    static func queueMask(of strategy: InstalledStrategy) -> UInt8 { strategy.run(QueueMask()) }

    var strategyRunsMaintainer: Bool { strategy.run(RunsMaintainer()) }

    /// The class's figures for `stats items`, as the policy reports them. Caller holds the LRU lock.
    func queueFigures(_ classID: Int, _ state: LRULists.ClassState) -> ItemClassStatistics {
        strategy.run(DescribeQueues(classID: classID, state: state, engine: self))
    }

    /// One round of the LRU maintainer on a class; items moved. Called by the maintainer thread.
    func juggleSegments(_ classID: Int) -> Int { strategy.run(Juggle(classID: classID, engine: self)) }

    func destroyStrategy() { strategy.run(Destroy()) }
}

// The actions. `unowned(unsafe)`: an action lives for one call of an engine method, never longer.

private struct Fetch: StrategyAction {
    let item: Item
    unowned(unsafe) let engine: CacheEngine
    @inline(__always) func with<S: EvictionStrategy>(_ strategy: S) { strategy.noteFetch(item, in: engine) }
}

private struct Update: StrategyAction {
    let item: Item
    unowned(unsafe) let engine: CacheEngine
    @inline(__always) func with<S: EvictionStrategy>(_ strategy: S) { strategy.noteUpdate(item, in: engine) }
}

private struct Touch: StrategyAction {
    let item: Item
    unowned(unsafe) let engine: CacheEngine
    @inline(__always) func with<S: EvictionStrategy>(_ strategy: S) { strategy.noteTouch(item, in: engine) }
}

private struct Admit: StrategyAction {
    let item: Item
    let hash: UInt32
    unowned(unsafe) let engine: CacheEngine
    @inline(__always) func with<S: EvictionStrategy>(_ strategy: S) { strategy.admit(item, hash: hash, in: engine) }
}

private struct MakeRoom: StrategyAction {
    let classID: Int
    unowned(unsafe) let engine: CacheEngine
    @inline(__always) func with<S: EvictionStrategy>(_ strategy: S) -> UnsafeMutableRawPointer? {
        strategy.makeRoom(classID, in: engine)
    }
}

private struct QueueMask: StrategyAction {
    func with<S: EvictionStrategy>(_ strategy: S) -> UInt8 { S.queueMask }
}

private struct RunsMaintainer: StrategyAction {
    func with<S: EvictionStrategy>(_ strategy: S) -> Bool { strategy.runsMaintainer }
}

private struct DescribeQueues: StrategyAction {
    let classID: Int
    let state: LRULists.ClassState
    unowned(unsafe) let engine: CacheEngine
    func with<S: EvictionStrategy>(_ strategy: S) -> ItemClassStatistics {
        var entry = ItemClassStatistics()
        strategy.describeQueues(classID, state, into: &entry, in: engine)
        return entry
    }
}

private struct Juggle: StrategyAction {
    let classID: Int
    unowned(unsafe) let engine: CacheEngine
    func with<S: EvictionStrategy>(_ strategy: S) -> Int { strategy.juggle(classID, in: engine) }
}

private struct Destroy: StrategyAction {
    func with<S: EvictionStrategy>(_ strategy: S) { strategy.destroy() }
}
