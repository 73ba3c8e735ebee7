import Locking

/// Readers of pinned items: how many responses still send each item's bytes straight from slab
/// memory, and whether the item was unlinked meanwhile (then its chunks go back to the slabs when
/// the last reader lets go, not before).
///
/// Only items a response sends without copying are here (large values; see `CacheEngine.pin`), so
/// the table holds at most as many entries as connections have pins waiting. Every operation on an
/// item's record happens with that item's stripe held; the shard mutex only keeps the dictionaries
/// of different stripes apart. It is a leaf: nothing else is taken while it is held.
final class PinTable: @unchecked Sendable {
    struct Record {
        var readers: UInt32
        /// Unlinked (deleted, replaced, expired, flushed, moved off its page) while pinned.
        var orphaned: Bool
        /// Chunks the item holds, for the `pinned` figures.
        var bytes: Int
    }

    /// What `release` found: readers left, and whether the item was orphaned.
    struct Release {
        let remaining: UInt32
        let orphaned: Bool
    }

    /// Figures for stats: distinct pinned items, and the bytes of those already unlinked (memory
    /// that only readers keep from reuse).
    struct Figures {
        var items = 0
        var orphanedItems = 0
        var orphanedBytes = 0
    }

    private static let shardCount = 16
    private let locks = MutexArray(count: PinTable.shardCount)
    /// One dictionary per shard, each at its own fixed address (a Swift array of them would be one
    /// value that threads holding different shard locks mutate at once).
    private let shards: UnsafeMutablePointer<[UInt32: Record]>

    init() {
        shards = .allocate(capacity: PinTable.shardCount)
        shards.initialize(repeating: [:], count: PinTable.shardCount)
        for index in 0..<PinTable.shardCount { shards[index].reserveCapacity(64) }
    }

    deinit {
        shards.deinitialize(count: PinTable.shardCount)
        shards.deallocate()
        locks.destroy()
    }

    @inline(__always) private func shard(_ reference: UInt32) -> Int { Int(reference) & (PinTable.shardCount - 1) }

    /// One more reader of the item at `reference`. Caller holds the item's stripe.
    func acquire(_ reference: UInt32, bytes: Int) {
        let index = shard(reference)
        locks.lock(index)
        shards[index][reference, default: Record(readers: 0, orphaned: false, bytes: bytes)].readers += 1
        locks.unlock(index)
    }

    /// One reader fewer; the record goes when none is left. Caller holds the item's stripe.
    func release(_ reference: UInt32) -> Release {
        let index = shard(reference)
        locks.lock(index)
        defer { locks.unlock(index) }
        guard var record = shards[index][reference] else {
            preconditionFailure("released an item that is not pinned")
        }
        record.readers -= 1
        if record.readers == 0 {
            shards[index][reference] = nil
        } else {
            shards[index][reference] = record
        }
        return Release(remaining: record.readers, orphaned: record.orphaned)
    }

    /// The item was unlinked while pinned: its last reader frees it. Caller holds the item's stripe.
    func orphan(_ reference: UInt32) {
        let index = shard(reference)
        locks.lock(index)
        shards[index][reference]?.orphaned = true
        locks.unlock(index)
    }

    func figures() -> Figures {
        var figures = Figures()
        for index in 0..<PinTable.shardCount {
            locks.lock(index)
            for record in shards[index].values {
                figures.items += 1
                if record.orphaned {
                    figures.orphanedItems += 1
                    figures.orphanedBytes += record.bytes
                }
            }
            locks.unlock(index)
        }
        return figures
    }
}
