/// The eviction queues of each slab class, plus the class's item counts and eviction figures.
///
/// Every class has two queues, most recent at the head: with the LRU policy only `main` is used;
/// with S3-FIFO new items enter `small` and the items worth keeping move to `main` (see
/// CacheEngine+Eviction.swift). Everything of class N is guarded by LRU lock N, taken after an item's
/// stripe lock (the eviction path, which goes the other way, only try-locks stripes). An item's queue
/// is recorded in its state byte, which belongs to its stripe: callers that move an item between
/// queues hold its stripe.
final class LRULists: @unchecked Sendable {
    struct Queue {
        var head: UInt32 = 0
        var tail: UInt32 = 0
        var count = 0
    }

    struct ClassState {
        var small = Queue()
        var main = Queue()
        var bytes = 0
        var totalItems: UInt64 = 0
        var evicted: UInt64 = 0
        var evictedNonzero: UInt64 = 0
        var evictedTime: UInt32 = 0
        var outOfMemory: UInt64 = 0
        var reclaimed: UInt64 = 0
        var expiredUnfetched: UInt64 = 0
        var evictedUnfetched: UInt64 = 0
        /// S3-FIFO: items moved from the small queue to the main one (memcached's moves_to_warm).
        var movesToMain: UInt64 = 0
        /// Items given another round in their queue instead of being evicted (moves_within_lru).
        var movesWithinQueue: UInt64 = 0

        var count: Int { small.count + main.count }
        /// The least recently queued item of either queue (for `stats items` age).
        var oldest: UInt32 { main.tail != 0 ? main.tail : small.tail }

        mutating func resetFigures() {
            totalItems = 0; evicted = 0; evictedNonzero = 0; evictedTime = 0; outOfMemory = 0
            reclaimed = 0; expiredUnfetched = 0; evictedUnfetched = 0; movesToMain = 0; movesWithinQueue = 0
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

    /// Links a new item at the head of the queue its state names. Caller holds the LRU lock and the
    /// item's stripe.
    func insert(_ item: Item) {
        link(item, atHeadOf: item.inMainQueue)
        states[item.slabClass].bytes += item.totalSize
        states[item.slabClass].totalItems += 1
    }

    /// Unlinks an item from the queue its state names. Caller holds the LRU lock and the item's stripe.
    func remove(_ item: Item) {
        unlink(item, fromMain: item.inMainQueue)
        states[item.slabClass].bytes -= item.totalSize
    }

    /// Moves an item to the head of the queue it is in, named by the caller (who may not hold the
    /// item's stripe, so does not read its state). Caller holds the LRU lock.
    func moveToHead(_ item: Item, inMain: Bool) {
        unlink(item, fromMain: inMain)
        link(item, atHeadOf: inMain)
    }

    /// Moves an item to the head of the other queue. Caller holds the LRU lock and the item's stripe.
    func transfer(_ item: Item, toMain: Bool) {
        unlink(item, fromMain: item.inMainQueue)
        item.inMainQueue = toMain
        link(item, atHeadOf: toMain)
    }

    /// Moves a linked item to the head of its queue. Caller holds the item's stripe; takes the LRU lock.
    func bump(_ item: Item) {
        let classID = item.slabClass
        locks.lock(classID)
        let inMain = item.inMainQueue
        if queueHead(classID, main: inMain) != arena.reference(item.raw) {
            moveToHead(item, inMain: inMain)
        }
        locks.unlock(classID)
    }

    func queueHead(_ classID: Int, main: Bool) -> UInt32 {
        main ? states[classID].main.head : states[classID].small.head
    }

    func queueTail(_ classID: Int, main: Bool) -> UInt32 {
        main ? states[classID].main.tail : states[classID].small.tail
    }

    private func link(_ item: Item, atHeadOf main: Bool) {
        let reference = arena.reference(item.raw)
        withQueue(item.slabClass, main: main) { queue in
            item.lruPrev = 0
            item.lruNext = queue.head
            if queue.head != 0 { arena.item(queue.head).lruPrev = reference }
            queue.head = reference
            if queue.tail == 0 { queue.tail = reference }
            queue.count += 1
        }
    }

    private func unlink(_ item: Item, fromMain main: Bool) {
        let previous = item.lruPrev
        let next = item.lruNext
        withQueue(item.slabClass, main: main) { queue in
            if previous != 0 { arena.item(previous).lruNext = next } else { queue.head = next }
            if next != 0 { arena.item(next).lruPrev = previous } else { queue.tail = previous }
            queue.count -= 1
        }
        item.lruPrev = 0
        item.lruNext = 0
    }

    @inline(__always)
    private func withQueue(_ classID: Int, main: Bool, _ body: (inout Queue) -> Void) {
        if main { body(&states[classID].main) } else { body(&states[classID].small) }
    }
}
