import Networking

/// One thread's counters, written only by that thread and readable from any for `stats`
/// (`CounterSlots`).
///
/// What the network layer counts (bytes, connections, yields, TLS handshakes) lives in `network`,
/// which this thread's `Server.WorkerSetup` hands to Networking; reading or adding one of those
/// counters here goes there. The per-slab-class counters (`ClassCounter`: memcached's slab_stats
/// and lru_hits) live in `classSlots`, one row per class; the global figures memcached sums from
/// them (`Counter.summedClassCounters`) are read as those sums, never kept twice.
public final class CounterBlock: @unchecked Sendable {
    @usableFromInline let slots = CounterSlots(count: Counter.allCases.count)
    @usableFromInline let classSlots = CounterSlots(count: ClassCounter.slotCount)
    /// The same thread's network counters.
    public let network = NetworkCounters()

    public init() {}

    deinit {
        slots.deallocate()
        classSlots.deallocate()
    }

    /// Adds to a counter; must be called only from the thread that owns this block. Always inlined:
    /// callers name a constant counter, so the network-or-session choice folds away.
    @inlinable @inline(__always)
    public func add(_ counter: Counter, _ amount: UInt64 = 1) {
        assert(!counter.isClassSum, "\(counter) is summed from the per-class counters: count it in a class")
        if let networkCounter = counter.networkCounter { return network.add(networkCounter, amount) }
        slots.add(counter.rawValue, amount)
    }

    /// Counts one event of an item of class `slabClass` (the class the engine reported); owner
    /// thread only.
    @inlinable @inline(__always)
    public func add(_ counter: ClassCounter, slabClass: Int) {
        assert(slabClass >= 0 && slabClass < ClassCounter.classLimit)
        classSlots.add(ClassCounter.slot(counter, slabClass: slabClass), 1)
    }

    /// Counts a read that hit an item of class `slabClass` in LRU queue `queue` (0-3), as the engine
    /// reported them (`ItemView`, `MetaItem`): memcached's lru_hits. Owner thread only.
    @inlinable @inline(__always)
    public func countHit(slabClass: Int, queue: Int) {
        assert(slabClass >= 0 && slabClass < ClassCounter.classLimit && queue >= 0 && queue < 4)
        classSlots.add(ClassCounter.hitSlot(slabClass: slabClass, queue: queue), 1)
    }

    public func value(_ counter: Counter) -> UInt64 {
        if let networkCounter = counter.networkCounter { return network.value(networkCounter) }
        if let sources = counter.summedClassCounters {
            var sum: UInt64 = 0
            for slabClass in 0..<ClassCounter.classLimit {
                for source in sources { sum &+= value(source, slabClass: slabClass) }
            }
            return sum
        }
        return slots.value(counter.rawValue)
    }

    public func value(_ counter: ClassCounter, slabClass: Int) -> UInt64 {
        classSlots.value(ClassCounter.slot(counter, slabClass: slabClass))
    }

    /// A class slot by index (`ClassCounter.slot`), for the registry's sums.
    func classValue(atSlot slot: Int) -> UInt64 { classSlots.value(slot) }
}
