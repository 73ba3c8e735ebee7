/// The per-class counters of all threads, less what `stats reset` set aside
/// (`CounterRegistry.withClassTotals`); valid only inside the closure that receives it (the
/// registry's lock is held). A figure is summed over the threads' blocks when asked for.
public struct ClassTotals {
    let blocks: [CounterBlock]
    /// By `ClassCounter.slot`; empty: none set aside.
    let baseline: [UInt64]

    /// Slot `slot` (`ClassCounter.slot`) summed over the blocks, less its baseline.
    func value(atSlot slot: Int) -> UInt64 {
        let sum = blocks.reduce(0) { $0 &+ $1.classValue(atSlot: slot) }
        return baseline.isEmpty ? sum : sum &- baseline[slot]
    }

    public subscript(counter: ClassCounter, slabClass slabClass: Int) -> UInt64 {
        value(atSlot: ClassCounter.slot(counter, slabClass: slabClass))
    }

    /// Reads that hit an item of the class in queue `queue` (memcached's lru_hits).
    public func hits(slabClass: Int, queue: Int) -> UInt64 {
        value(atSlot: ClassCounter.hitSlot(slabClass: slabClass, queue: queue))
    }

    /// The class's get_hits: its hits on every queue, as memcached sums its lru_hits.
    public func getHits(slabClass: Int) -> UInt64 {
        (0..<ClassCounter.hitCounters.count).reduce(0) { $0 &+ hits(slabClass: slabClass, queue: $1) }
    }
}
