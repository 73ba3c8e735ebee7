import Atomics
import Locking

/// Chained hash table of item references with striped locks. The stripe of a key is the low bits of
/// its hash, and there are never more stripes than buckets, so every bucket (in the old and in the new
/// table while growing) belongs to exactly one stripe: holding a key's stripe lock is holding its bucket.
///
/// Growth takes no global lock. Each size of the table is a `TableGeneration`, an immutable record
/// published through an atomic pointer; while growing, a generation names both tables and has its
/// own count of old buckets already moved. The expander publishes the new generation, then moves old
/// buckets one at a time, each under its own stripe. A worker holding stripe S reads the current
/// generation after taking S: if its bucket has moved, the move was done under S before it took S, so
/// it sees that generation (or a later one) and a progress count past its bucket; if its bucket has
/// not moved, the old table still holds it, whichever generation it read. The old table is freed after
/// every bucket has moved, when no worker can still need it.
final class HashTable: @unchecked Sendable {
    static let maximumLockPower = 12

    let arena: SlabArena
    let stripes: MutexArray
    let lockMask: Int
    private let current: ManagedAtomic<UnsafeMutablePointer<TableGeneration>>
    /// Every generation ever published, freed at shutdown (a worker may read a stale one briefly).
    private var generations: [UnsafeMutablePointer<TableGeneration>] = []

    init(arena: SlabArena, initialPower: Int) {
        self.arena = arena
        let power = max(initialPower, 1)
        let lockPower = min(power, HashTable.maximumLockPower)
        stripes = MutexArray(count: 1 << lockPower, layout: .contended)
        lockMask = (1 << lockPower) - 1
        let first = TableGeneration.make(buckets: HashTable.makeBuckets(power: power), power: power, old: nil)
        generations.append(first)
        current = ManagedAtomic(first)
    }

    func destroy() {
        let last = current.load(ordering: .acquiring).pointee
        ZeroPages.free(last.buckets, count: 1 << last.power)
        if let old = last.oldBuckets { ZeroPages.free(old, count: last.oldMask + 1) }
        for generation in generations {
            generation.pointee.progress.destroy()
            generation.deallocate()
        }
        generations.removeAll()
        stripes.destroy()
    }

    /// Empty buckets as zero pages: a page becomes resident when a key first lands in it, so a
    /// table larger than the items need (`-o hashpower`, or a fresh one) costs only what is used.
    private static func makeBuckets(power: Int) -> UnsafeMutablePointer<UInt32> {
        ZeroPages.allocate(UInt32.self, count: 1 << power)
    }

    @inline(__always)
    func stripe(_ hash: UInt32) -> Int { Int(hash) & lockMask }

    /// The bucket head a hash maps to now. Caller holds the hash's stripe.
    @inline(__always)
    private func bucket(_ hash: UInt32) -> UnsafeMutablePointer<UInt32> {
        let generation = current.load(ordering: .acquiring).pointee
        if let old = generation.oldBuckets {
            let oldIndex = Int(hash) & generation.oldMask
            if oldIndex >= generation.progress.load(ordering: .relaxed) {
                return old + oldIndex
            }
        }
        return generation.buckets + (Int(hash) & generation.mask)
    }

    /// Caller holds the hash's stripe.
    @inline(__always)
    func find(_ key: UnsafeRawBufferPointer, hash: UInt32) -> Item? {
        var reference = bucket(hash).pointee
        while reference != 0 {
            let item = arena.item(reference)
            if item.keyEquals(key) { return item }
            reference = item.hashNext
        }
        return nil
    }

    /// Caller holds the hash's stripe.
    func insert(_ item: Item, hash: UInt32) {
        let head = bucket(hash)
        item.hashNext = head.pointee
        head.pointee = arena.reference(item.raw)
    }

    /// Caller holds the hash's stripe.
    func remove(_ item: Item, hash: UInt32) {
        let target = arena.reference(item.raw)
        var link = bucket(hash)
        while link.pointee != 0 {
            if link.pointee == target {
                link.pointee = item.hashNext
                item.hashNext = 0
                return
            }
            link = arena.pointer(link.pointee).assumingMemoryBound(to: UInt32.self)
        }
    }

    // MARK: Growth (expander thread only)

    /// Publishes a generation with a table twice as large, the current one becoming the old table.
    func beginExpansion() {
        let now = current.load(ordering: .acquiring).pointee
        let power = now.power + 1
        let next = TableGeneration.make(buckets: HashTable.makeBuckets(power: power), power: power, old: (now.buckets, now.power))
        generations.append(next)
        current.store(next, ordering: .releasing)
    }

    /// Moves the next old bucket into the new table under its stripe; false once all have moved.
    func migrateNextBucket() -> Bool {
        let generation = current.load(ordering: .acquiring).pointee
        let index = generation.progress.load(ordering: .relaxed)
        guard let old = generation.oldBuckets, index <= generation.oldMask else { return false }
        let stripeIndex = index & lockMask
        stripes.lock(stripeIndex)
        var reference = old[index]
        while reference != 0 {
            let item = arena.item(reference)
            let next = item.hashNext
            let newHead = generation.buckets + (Int(KeyHash.hash(item.key)) & generation.mask)
            item.hashNext = newHead.pointee
            newHead.pointee = reference
            reference = next
        }
        old[index] = 0
        generation.progress.store(index + 1, ordering: .relaxed)
        stripes.unlock(stripeIndex)
        return true
    }

    /// Publishes the new table alone and frees the old one (every bucket has moved).
    func finishExpansion() {
        let generation = current.load(ordering: .acquiring).pointee
        let settled = TableGeneration.make(buckets: generation.buckets, power: generation.power, old: nil)
        generations.append(settled)
        current.store(settled, ordering: .releasing)
        if let old = generation.oldBuckets { ZeroPages.free(old, count: generation.oldMask + 1) }
    }

    func sizeFigures() -> (power: Int, bytes: Int, expanding: Bool) {
        let generation = current.load(ordering: .acquiring).pointee
        return (generation.power, (1 << generation.power) * MemoryLayout<UInt32>.size, generation.oldBuckets != nil)
    }
}

/// One size of the hash table: immutable once published, except the count of old buckets moved.
struct TableGeneration {
    let buckets: UnsafeMutablePointer<UInt32>
    let power: Int
    var mask: Int { (1 << power) - 1 }
    /// The smaller table being emptied into `buckets`; nil when not growing.
    let oldBuckets: UnsafeMutablePointer<UInt32>?
    let oldMask: Int
    /// Old buckets below this index have moved.
    let progress: UnsafeAtomic<Int>

    static func make(buckets: UnsafeMutablePointer<UInt32>, power: Int,
                     old: (buckets: UnsafeMutablePointer<UInt32>, power: Int)?) -> UnsafeMutablePointer<TableGeneration> {
        let generation = UnsafeMutablePointer<TableGeneration>.allocate(capacity: 1)
        generation.initialize(to: TableGeneration(buckets: buckets, power: power, oldBuckets: old?.buckets,
                                                  oldMask: old.map { (1 << $0.power) - 1 } ?? 0,
                                                  progress: .create(0)))
        return generation
    }
}
