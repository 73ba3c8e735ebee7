/// One least-recently-used list per slab class, most recent at the head, plus the class's item
/// counts and eviction figures. Everything of class N is guarded by LRU lock N, which is taken after
/// an item's stripe lock (the eviction path, which goes the other way, only try-locks stripes).
final class LRULists: @unchecked Sendable {
    struct ClassState {
        var head: UInt32 = 0
        var tail: UInt32 = 0
        var count = 0
        var bytes = 0
        var totalItems: UInt64 = 0
        var evicted: UInt64 = 0
        var evictedNonzero: UInt64 = 0
        var evictedTime: UInt32 = 0
        var outOfMemory: UInt64 = 0
        var reclaimed: UInt64 = 0
        var expiredUnfetched: UInt64 = 0
        var evictedUnfetched: UInt64 = 0

        mutating func resetFigures() {
            totalItems = 0; evicted = 0; evictedNonzero = 0; evictedTime = 0; outOfMemory = 0
            reclaimed = 0; expiredUnfetched = 0; evictedUnfetched = 0
        }
    }

    let arena: SlabArena
    let states: UnsafeMutablePointer<ClassState>
    let locks: MutexArray
    let classCount: Int

    init(arena: SlabArena, classCount: Int) {
        self.arena = arena
        self.classCount = classCount
        states = .allocate(capacity: classCount)
        states.initialize(repeating: ClassState(), count: classCount)
        locks = MutexArray(count: classCount)
    }

    func destroy() {
        states.deallocate()
        locks.destroy()
    }

    /// Caller holds the class's LRU lock.
    func pushHead(_ item: Item) {
        let classID = item.slabClass
        let reference = arena.reference(item.raw)
        item.lruPrev = 0
        item.lruNext = states[classID].head
        if states[classID].head != 0 {
            arena.item(states[classID].head).lruPrev = reference
        }
        states[classID].head = reference
        if states[classID].tail == 0 { states[classID].tail = reference }
        states[classID].count += 1
        states[classID].bytes += item.totalSize
        states[classID].totalItems += 1
    }

    /// Caller holds the class's LRU lock.
    func remove(_ item: Item) {
        let classID = item.slabClass
        let previous = item.lruPrev
        let next = item.lruNext
        if previous != 0 { arena.item(previous).lruNext = next } else { states[classID].head = next }
        if next != 0 { arena.item(next).lruPrev = previous } else { states[classID].tail = previous }
        item.lruPrev = 0
        item.lruNext = 0
        states[classID].count -= 1
        states[classID].bytes -= item.totalSize
    }

    /// Moves a linked item to the head. Caller holds the item's stripe lock; takes the LRU lock.
    func bump(_ item: Item) {
        let classID = item.slabClass
        locks.lock(classID)
        let reference = arena.reference(item.raw)
        if states[classID].head != reference {
            remove(item)
            pushHead(item)
            states[classID].totalItems -= 1  // a move, not a new item
        }
        locks.unlock(classID)
    }
}
