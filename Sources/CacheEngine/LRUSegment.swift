/// The segmented LRU's queues (memcached 1.6): new items enter `hot`; items fetched twice are
/// *active*; the maintainer moves hot and warm tails to `cold` (or active ones to `warm`), and
/// evictions take the `cold` tail; items whose TTL is at most `temporary_ttl` live in `temp` and are
/// never evicted, only reclaimed when expired.
enum LRUSegment: Int, CaseIterable {
    case hot = 0
    case warm = 1
    case cold = 2
    case temp = 3

    @inline(__always) var queue: LRUQueue { LRUQueue(rawValue) }

    init(_ queue: LRUQueue) { self.init(rawValue: queue.index)! }
}
