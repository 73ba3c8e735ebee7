import Atomics

/// Chained hash table of item references with striped locks. The stripe of a key is the low bits of
/// its hash, and there are never more stripes than buckets, so every bucket (in the old and in the new
/// table while growing) belongs to exactly one stripe: holding a key's stripe lock is holding its bucket.
///
/// Growth is incremental: `beginExpansion` takes every stripe for a moment to swap in a table twice as
/// large; `migrateNextBucket` then moves one old bucket at a time under that bucket's stripe alone, so
/// workers on other stripes go on; lookups of buckets not yet moved use the old table.
final class HashTable: @unchecked Sendable {
    static let maximumLockPower = 12

    let arena: SlabArena
    let stripes: MutexArray
    let lockMask: Int

    // Written only while every stripe is held; read under any one stripe.
    private(set) var hashPower: Int
    private var buckets: UnsafeMutablePointer<UInt32>
    private var oldBuckets: UnsafeMutablePointer<UInt32>?
    private var oldPower = 0
    private(set) var isExpanding = false
    /// Old buckets below this index have moved. Written under the moved bucket's stripe; an atomic so
    /// that readers holding other stripes read it without a data race.
    private let expandBucket = ManagedAtomic<Int>(0)

    init(arena: SlabArena, initialPower: Int) {
        self.arena = arena
        hashPower = max(initialPower, 1)
        buckets = HashTable.makeBuckets(power: hashPower)
        let lockPower = min(hashPower, HashTable.maximumLockPower)
        stripes = MutexArray(count: 1 << lockPower)
        lockMask = (1 << lockPower) - 1
    }

    func destroy() {
        buckets.deallocate()
        oldBuckets?.deallocate()
        stripes.destroy()
    }

    private static func makeBuckets(power: Int) -> UnsafeMutablePointer<UInt32> {
        let buckets = UnsafeMutablePointer<UInt32>.allocate(capacity: 1 << power)
        buckets.initialize(repeating: 0, count: 1 << power)
        return buckets
    }

    var bucketCount: Int { 1 << hashPower }
    var bytes: Int { (1 << hashPower) * MemoryLayout<UInt32>.size }

    @inline(__always)
    func stripe(_ hash: UInt32) -> Int { Int(hash) & lockMask }

    /// The bucket head a hash maps to now. Caller holds the hash's stripe.
    @inline(__always)
    private func bucket(_ hash: UInt32) -> UnsafeMutablePointer<UInt32> {
        if isExpanding, let oldBuckets {
            let oldIndex = Int(hash) & ((1 << oldPower) - 1)
            if oldIndex >= expandBucket.load(ordering: .relaxed) {
                return oldBuckets + oldIndex
            }
        }
        return buckets + (Int(hash) & ((1 << hashPower) - 1))
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

    // MARK: Growth

    /// Swaps in a table twice as large. Holds every stripe for the length of two pointer swaps.
    func beginExpansion() {
        let larger = HashTable.makeBuckets(power: hashPower + 1)
        stripes.lockAll()
        oldBuckets = buckets
        oldPower = hashPower
        buckets = larger
        hashPower += 1
        expandBucket.store(0, ordering: .relaxed)
        isExpanding = true
        stripes.unlockAll()
    }

    /// Moves the next old bucket into the new table under its stripe; false once all have moved.
    func migrateNextBucket() -> Bool {
        let index = expandBucket.load(ordering: .relaxed)
        guard index < (1 << oldPower), let oldBuckets else { return false }
        let stripeIndex = index & lockMask
        stripes.lock(stripeIndex)
        var reference = oldBuckets[index]
        while reference != 0 {
            let item = arena.item(reference)
            let next = item.hashNext
            let newHead = buckets + (Int(KeyHash.hash(item.key)) & ((1 << hashPower) - 1))
            item.hashNext = newHead.pointee
            newHead.pointee = reference
            reference = next
        }
        oldBuckets[index] = 0
        expandBucket.store(index + 1, ordering: .relaxed)
        stripes.unlock(stripeIndex)
        return true
    }

    func finishExpansion() {
        stripes.lockAll()
        oldBuckets?.deallocate()
        oldBuckets = nil
        isExpanding = false
        stripes.unlockAll()
    }

    /// Reads the size figures consistently (under stripe 0, since they change only under all stripes).
    func sizeFigures() -> (power: Int, bytes: Int, expanding: Bool) {
        stripes.lock(0)
        defer { stripes.unlock(0) }
        return (hashPower, bytes, isExpanding)
    }
}
