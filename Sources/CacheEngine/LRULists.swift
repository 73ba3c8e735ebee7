import Locking

/// The eviction queues of each slab class, plus the class's item counts and eviction figures.
///
/// Every class has four queues, most recent at the head (see `LRUQueue`; the eviction policy says
/// which it uses). Everything of class N is guarded by LRU lock N, taken after an item's stripe lock (the
/// eviction and maintenance paths, which go the other way, only try-lock stripes). An item's queue is
/// recorded in its state byte, which belongs to its stripe: callers that move an item between queues
/// hold its stripe.
///
/// Each queue also has a crawler cursor: the next item the LRU crawler will look at. Whoever
/// unlinks that item moves the cursor on to its neighbour (towards the head), so the crawler can
/// let go of the LRU lock between batches and resume without ever holding a reference to an item
/// that has since been freed (memcached links a pseudo-item into the queue for the same purpose).
final class LRULists: @unchecked Sendable {
    struct Queue {
        var head: UInt32 = 0
        var tail: UInt32 = 0
        var count = 0
        /// Bytes of the items in this queue (memcached's sizes_bytes, which the segment limits use).
        var bytes = 0
        /// The crawler's next item in this queue (0: no crawl in progress, or it reached the head).
        var cursor: UInt32 = 0
    }

    struct ClassState {
        var queues = (Queue(), Queue(), Queue(), Queue())
        var bytes = 0
        var totalItems: UInt64 = 0
        var evicted: UInt64 = 0
        var evictedNonzero: UInt64 = 0
        var evictedTime: UInt32 = 0
        var evictedActive: UInt64 = 0
        var outOfMemory: UInt64 = 0
        var reclaimed: UInt64 = 0
        var expiredUnfetched: UInt64 = 0
        var evictedUnfetched: UInt64 = 0
        /// Pinned items passed over at a queue's tail (memcached's lrutail_reflocked).
        var tailReflocked: UInt64 = 0
        /// Segmented: hot or warm tails moved to cold (moves_to_cold).
        var movesToCold: UInt64 = 0
        /// Segmented: active items moved to warm; S3-FIFO: items moved from small to main (moves_to_warm).
        var movesToMain: UInt64 = 0
        /// Items given another round in their queue instead of being evicted (moves_within_lru).
        var movesWithinQueue: UInt64 = 0
        /// Allocations that had to reclaim or evict from the queues themselves (direct_reclaims).
        var directReclaims: UInt64 = 0
        /// Dead items the LRU crawler unlinked (crawler_reclaimed) and items it looked at.
        var crawlerReclaimed: UInt64 = 0
        var crawlerItemsChecked: UInt64 = 0

        subscript(_ queue: LRUQueue) -> Queue {
            get {
                switch queue.index {
                case 0: return queues.0
                case 1: return queues.1
                case 2: return queues.2
                default: return queues.3
                }
            }
            set {
                switch queue.index {
                case 0: queues.0 = newValue
                case 1: queues.1 = newValue
                case 2: queues.2 = newValue
                default: queues.3 = newValue
                }
            }
        }

        var count: Int { queues.0.count + queues.1.count + queues.2.count + queues.3.count }
        /// The item evictions come closest to (for automove): the tail of queue 2, else 1, else 0
        /// (see `LRUQueue` for how policies number their queues).
        var oldest: UInt32 {
            if queues.2.tail != 0 { return queues.2.tail }
            return queues.1.tail != 0 ? queues.1.tail : queues.0.tail
        }

        mutating func resetFigures() {
            totalItems = 0; evicted = 0; evictedNonzero = 0; evictedTime = 0; evictedActive = 0; outOfMemory = 0
            reclaimed = 0; expiredUnfetched = 0; evictedUnfetched = 0; movesToCold = 0; movesToMain = 0
            movesWithinQueue = 0; directReclaims = 0; tailReflocked = 0
            crawlerReclaimed = 0; crawlerItemsChecked = 0
        }
    }

    let arena: SlabArena
    let states: UnsafeMutablePointer<ClassState>
    let locks: MutexArray
    let classCount: Int
    /// The bits of an item's state byte that name its queue: the policy's (see ItemFlags.swift).
    let queueMask: UInt8
    /// `stats sizes`: told of every item linked and unlinked.
    let sizeHistogram: SizeHistogram

    init(arena: SlabArena, classCount: Int, queueMask: UInt8, sizeHistogram: SizeHistogram) {
        self.arena = arena
        self.classCount = classCount
        self.queueMask = queueMask
        self.sizeHistogram = sizeHistogram
        states = .allocate(capacity: classCount)
        states.initialize(repeating: ClassState(), count: classCount)
        locks = MutexArray(count: classCount, layout: .contended)
    }

    func destroy() {
        states.deallocate()
        locks.destroy()
    }

    /// The queue an item is linked in, from its state byte. Caller holds the item's stripe (or the
    /// LRU lock, under which queue bits are only written together with the stripe).
    @inline(__always)
    func queue(of item: Item) -> LRUQueue { LRUQueue(item.queueIndex(queueMask)) }

    /// Links a new item at the head of the queue its state names. Caller holds the LRU lock and the
    /// item's stripe.
    func insert(_ item: Item) {
        link(item, atHeadOf: queue(of: item))
        states[item.slabClass].bytes += item.totalSize
        states[item.slabClass].totalItems += 1
        sizeHistogram.add(item)
    }

    /// Unlinks an item from the queue its state names. Caller holds the LRU lock and the item's stripe.
    func remove(_ item: Item) {
        unlink(item, from: queue(of: item))
        states[item.slabClass].bytes -= item.totalSize
        sizeHistogram.remove(item)
    }

    /// Moves an item to the head of the queue it is in, named by the caller (who may not hold the
    /// item's stripe, so does not read its state). Caller holds the LRU lock.
    func moveToHead(_ item: Item, in queue: LRUQueue) {
        unlink(item, from: queue)
        link(item, atHeadOf: queue)
    }

    /// Moves an item to the head of another queue. Caller holds the LRU lock and the item's stripe.
    func transfer(_ item: Item, to destination: LRUQueue) {
        unlink(item, from: queue(of: item))
        item.setQueueIndex(destination.index, queueMask)
        link(item, atHeadOf: destination)
    }

    /// Moves a linked item to the head of its queue. Caller holds the item's stripe; takes the LRU lock.
    func bump(_ item: Item) {
        let classID = item.slabClass
        locks.lock(classID)
        let queue = queue(of: item)
        if states[classID][queue].head != arena.reference(item.raw) {
            moveToHead(item, in: queue)
        }
        locks.unlock(classID)
    }

    func queueHead(_ classID: Int, _ queue: LRUQueue) -> UInt32 { states[classID][queue].head }
    func queueTail(_ classID: Int, _ queue: LRUQueue) -> UInt32 { states[classID][queue].tail }

    func queueCount(_ classID: Int, _ queue: LRUQueue) -> Int { states[classID][queue].count }

    /// The crawler cursor of a queue (see the type's comment). Caller holds the LRU lock.
    func cursor(_ classID: Int, _ queue: LRUQueue) -> UInt32 { states[classID][queue].cursor }

    func setCursor(_ classID: Int, _ queue: LRUQueue, to reference: UInt32) {
        states[classID][queue].cursor = reference
    }

    private func link(_ item: Item, atHeadOf queue: LRUQueue) {
        let reference = arena.reference(item.raw)
        let size = item.totalSize
        let classID = item.slabClass
        var list = states[classID][queue]
        item.lruPrev = 0
        item.lruNext = list.head
        if list.head != 0 { arena.item(list.head).lruPrev = reference }
        list.head = reference
        if list.tail == 0 { list.tail = reference }
        list.count += 1
        list.bytes += size
        states[classID][queue] = list
    }

    private func unlink(_ item: Item, from queue: LRUQueue) {
        let previous = item.lruPrev
        let next = item.lruNext
        let classID = item.slabClass
        var list = states[classID][queue]
        if list.cursor != 0 && list.cursor == arena.reference(item.raw) { list.cursor = previous }
        if previous != 0 { arena.item(previous).lruNext = next } else { list.head = next }
        if next != 0 { arena.item(next).lruPrev = previous } else { list.tail = previous }
        list.count -= 1
        list.bytes -= item.totalSize
        states[classID][queue] = list
        item.lruPrev = 0
        item.lruNext = 0
    }
}
