/// The per-slab-class counters behind `stats slabs` and `stats items`' hits_to_* lines: memcached's
/// per-thread `slab_stats` and `lru_hits`, kept in each thread's `CounterBlock` like the others.
///
/// A class's counters are one row of `ClassCounter.rowWidth` slots; the first four are the reads
/// that hit an item of the class, by the index of the LRU queue it was in (memcached's lru_hits,
/// whose sum is the class's get_hits). The global get_hits, cmd_set, delete_hits, ... are the sums
/// over all classes, as in memcached, so a request counts once, in its class's row.
public enum ClassCounter: Int, CaseIterable, Sendable {
    /// Reads that hit, by queue index (`ItemView.queue`); their sum is the class's get_hits.
    case hitsQueue0, hitsQueue1, hitsQueue2, hitsQueue3
    case cmdSet, deleteHits, incrHits, decrHits, casHits, casBadval, touchHits

    /// Slots per class: a power of two, so a slot's index is a shift and an or.
    public static let rowWidth = 16
    public static let rowShift = 4
    /// Rows kept: one per 7-bit class id (SlabSizeClasses.maximumClasses is 127; memcached keeps 64).
    public static let classLimit = 128
    public static let slotCount = classLimit * rowWidth

    /// The slot of this counter for class `slabClass`.
    @inlinable @inline(__always)
    public static func slot(_ counter: ClassCounter, slabClass: Int) -> Int {
        slabClass &<< rowShift | counter.rawValue
    }

    /// The slot of the hits on queue `queue` (0-3) of class `slabClass`.
    @inlinable @inline(__always)
    public static func hitSlot(slabClass: Int, queue: Int) -> Int {
        slabClass &<< rowShift | queue
    }

    /// The counters `stats slabs` prints after get_hits (the sum of the four hit slots), in its order.
    public static let slabsOrder: [(name: String, counter: ClassCounter)] = [
        ("cmd_set", .cmdSet), ("delete_hits", .deleteHits), ("incr_hits", .incrHits), ("decr_hits", .decrHits),
        ("cas_hits", .casHits), ("cas_badval", .casBadval), ("touch_hits", .touchHits),
    ]

    /// The hit slots.
    public static let hitCounters: [ClassCounter] = [.hitsQueue0, .hitsQueue1, .hitsQueue2, .hitsQueue3]
}
