/// An eviction policy: where a new item is queued, what a read or an update does to it, and which
/// item makes room when a slab class is full. One engine runs one, chosen at start-up
/// (`InstalledStrategy`); the engine calls it through that type's one switch, specialised for the
/// concrete policy, so the get and set paths make no call through an existential.
///
/// Every method runs under the item's stripe lock (reads, stores) or the class's LRU lock (making
/// room, reporting), as its comment says; a policy reaches the queues through `engine.lrus` and
/// keeps whatever it must know of an item in the policy bits of its state byte (ItemFlags.swift).
///
/// Most requirements have defaults that fit a one-queue policy, so a sketch needs little more than
/// `evict` (see FIFO in docs/architecture.md).
protocol EvictionStrategy {
    /// The bits of an item's state byte that name its queue (within ItemFlags.policyMask; 0 for a
    /// policy with one queue, index 0).
    static var queueMask: UInt8 { get }

    /// Sets a new item's queue (`setQueueIndex`) and policy bits before it is linked at that
    /// queue's head. Caller holds the item's stripe.
    func admit(_ item: Item, hash: UInt32, in engine: CacheEngine)

    /// A read (get, gat, mg). Caller holds the item's stripe.
    func noteFetch(_ item: Item, in engine: CacheEngine)

    /// A use that is not a read: add on an existing key, incr/decr in place. Caller holds the
    /// item's stripe.
    func noteUpdate(_ item: Item, in engine: CacheEngine)

    /// touch / gat's new expiry (memcached counts it as a fetch for its segmented LRU only).
    func noteTouch(_ item: Item, in engine: CacheEngine)

    /// A chunk for a class whose free list and pages are spent, or nil (out of memory). Called with
    /// no LRU lock held, possibly with a stripe held.
    func makeRoom(_ classID: Int, in engine: CacheEngine) -> UnsafeMutableRawPointer?

    /// For the default `makeRoom`: the chunk of an item this policy evicts (`engine.detach`), nil if
    /// none can go now. Caller holds the class's LRU lock; stripes may only be try-locked.
    func evict(_ classID: Int, in engine: CacheEngine) -> UnsafeMutableRawPointer?

    /// The class's hot/warm/cold/temp figures for `stats items` (memcached's names); `hits` gives
    /// the reads counted (by the caller of `itemStatistics`) on each of the class's queues. Caller
    /// holds the class's LRU lock.
    func describeQueues(_ classID: Int, _ state: LRULists.ClassState, hits: (LRUQueue) -> UInt64,
                        into entry: inout ItemClassStatistics, in engine: CacheEngine)

    /// Whether the engine runs the LRU maintainer thread for this policy.
    var runsMaintainer: Bool { get }

    /// One round of the maintainer's work on a class; items moved (see LRUMaintainer).
    func juggle(_ classID: Int, in engine: CacheEngine) -> Int

    /// Frees what the policy allocated, at engine shutdown.
    func destroy()
}

extension EvictionStrategy {
    static var queueMask: UInt8 { 0 }

    @inline(__always)
    func admit(_ item: Item, hash: UInt32, in engine: CacheEngine) {}

    @inline(__always)
    func noteFetch(_ item: Item, in engine: CacheEngine) {
        item.wasFetched = true
        noteUpdate(item, in: engine)
    }

    @inline(__always)
    func noteUpdate(_ item: Item, in engine: CacheEngine) {}

    @inline(__always)
    func noteTouch(_ item: Item, in engine: CacheEngine) { noteUpdate(item, in: engine) }

    /// Reclaims a dead item near a queue's tail, else (unless -M) evicts by `evict`.
    func makeRoom(_ classID: Int, in engine: CacheEngine) -> UnsafeMutableRawPointer? {
        engine.reclaimOrEvict(classID, by: self)
    }

    /// One queue, reported as cold (memcached's flat mode).
    func describeQueues(_ classID: Int, _ state: LRULists.ClassState, hits: (LRUQueue) -> UInt64,
                        into entry: inout ItemClassStatistics, in engine: CacheEngine) {
        entry.numberCold = state.count
        entry.age = engine.tailAge(classID, LRUQueue(0))
        entry.hitsToCold = hits(LRUQueue(0))
    }

    var runsMaintainer: Bool { false }

    func juggle(_ classID: Int, in engine: CacheEngine) -> Int { 0 }

    func destroy() {}
}
