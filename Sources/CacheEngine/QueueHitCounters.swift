import Atomics

/// Fetch hits per slab class and queue (memcached's lru_hits, shown as `hits_to_hot|warm|cold|temp`).
/// memcached keeps them per worker thread; the engine knows no threads, so the counters are spread
/// over a few shards chosen by the item's address, which keeps readers of different keys off each
/// other's cache lines. Relaxed atomic adds: `stats` sums the shards.
final class QueueHitCounters: @unchecked Sendable {
    private static let shardCount = 16
    private let classCount: Int
    private let slots: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>
    private var slotCount: Int { QueueHitCounters.shardCount * classCount * 4 }

    init(classCount: Int) {
        self.classCount = classCount
        slots = .allocate(capacity: QueueHitCounters.shardCount * classCount * 4)
        slots.initialize(repeating: UnsafeAtomic<UInt64>.Storage(0), count: QueueHitCounters.shardCount * classCount * 4)
    }

    func destroy() {
        slots.deinitialize(count: slotCount)
        slots.deallocate()
    }

    @inline(__always)
    private func slot(shard: Int, classID: Int, queue: LRUQueue) -> UnsafeAtomic<UInt64> {
        let index: Int = (shard * classCount + classID) * 4 + queue.index
        return UnsafeAtomic<UInt64>(at: slots + index)
    }

    @inline(__always)
    func count(classID: Int, queue: LRUQueue, reference: UInt32) {
        let shard = Int(truncatingIfNeeded: (reference >> 4) & UInt32(QueueHitCounters.shardCount - 1))
        slot(shard: shard, classID: classID, queue: queue).wrappingIncrement(ordering: .relaxed)
    }

    func total(classID: Int, queue: LRUQueue) -> UInt64 {
        var sum: UInt64 = 0
        for shard in 0..<QueueHitCounters.shardCount {
            sum &+= slot(shard: shard, classID: classID, queue: queue).load(ordering: .relaxed)
        }
        return sum
    }

    /// `stats reset`.
    func reset() {
        for index in 0..<slotCount { UnsafeAtomic<UInt64>(at: slots + index).store(0, ordering: .relaxed) }
    }
}
