/// The queues of a slab class, by index into `LRULists.ClassState.queues`.
///
/// Segmented LRU (memcached 1.6) uses all four: new items enter `hot`; items fetched twice are
/// *active*; the maintainer moves hot and warm tails to `cold` (or active ones to `warm`), and
/// evictions take the `cold` tail; items whose TTL is at most `temporary_ttl` live in `temp` and are
/// never evicted, only reclaimed when expired. S3-FIFO uses index 0 as its small queue and 1 as its
/// main queue; plain LRU uses index 1 only.
enum LRUSegment: Int, CaseIterable {
    case hot = 0
    case warm = 1
    case cold = 2
    case temp = 3

    static let small = LRUSegment.hot
    static let main = LRUSegment.warm
}
