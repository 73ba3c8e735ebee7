/// The per-class counters of all threads at one moment, less what `stats reset` set aside
/// (`CounterRegistry.classTotals`).
public struct ClassTotals: Sendable {
    /// By `ClassCounter.slot`.
    let values: [UInt64]

    public subscript(counter: ClassCounter, slabClass slabClass: Int) -> UInt64 {
        values[ClassCounter.slot(counter, slabClass: slabClass)]
    }

    /// Reads that hit an item of the class in queue `queue` (memcached's lru_hits).
    public func hits(slabClass: Int, queue: Int) -> UInt64 {
        values[ClassCounter.hitSlot(slabClass: slabClass, queue: queue)]
    }

    /// The class's get_hits: its hits on every queue, as memcached sums its lru_hits.
    public func getHits(slabClass: Int) -> UInt64 {
        (0..<ClassCounter.hitCounters.count).reduce(0) { $0 &+ hits(slabClass: slabClass, queue: $1) }
    }
}
