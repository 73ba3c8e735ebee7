import Atomics
import Locking

/// `stats sizes`: how many linked items there are of each size, in 32-byte buckets, as memcached 1.6
/// keeps it (off until `stats sizes_enable` or `-o track_sizes`). Sizes are memcached's own
/// (`Item.memcachedSize`), so the histogram reads the same as memcached's for the same items.
///
/// Like memcached, only items whose CAS is at least the CAS counter at the moment of enabling are
/// counted: items linked before then were never added, so they must not be subtracted either. An
/// item's CAS that changes while it is linked is reported through `changeCAS` for the same reason.
///
/// Updates come from `LRULists.insert/remove` (LRU lock and the item's stripe held). The buckets are
/// guarded by their own lock, a leaf lock taken after everything else; while the histogram is off
/// the only cost on that path is one relaxed atomic load.
final class SizeHistogram: @unchecked Sendable {
    static let bucketWidth = 32

    private let enabled = ManagedAtomic<Bool>(false)
    private let lock = Lock()
    /// Items per bucket (bucket b holds sizes in (32(b-1), 32b]); nil while off.
    private var buckets: UnsafeMutablePointer<UInt32>?
    private let bucketCount: Int
    private var casMinimum: UInt64 = 0

    init(itemSizeMax: Int) {
        bucketCount = itemSizeMax / SizeHistogram.bucketWidth + 1
    }

    deinit {
        buckets?.deallocate()
    }

    var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    /// Starts counting items linked from now on (those with CAS ≥ `casMinimum`). No effect when on.
    func enable(casMinimum: UInt64) {
        lock.withLock {
            guard buckets == nil else { return }
            let storage = UnsafeMutablePointer<UInt32>.allocate(capacity: bucketCount)
            storage.initialize(repeating: 0, count: bucketCount)
            buckets = storage
            self.casMinimum = casMinimum
            enabled.store(true, ordering: .relaxed)
        }
    }

    func disable() {
        lock.withLock {
            enabled.store(false, ordering: .relaxed)
            buckets?.deallocate()
            buckets = nil
        }
    }

    @inline(__always)
    func add(_ item: Item) {
        if isEnabled { adjust(size: item.memcachedSize, cas: item.cas, by: 1) }
    }

    @inline(__always)
    func remove(_ item: Item) {
        if isEnabled { adjust(size: item.memcachedSize, cas: item.cas, by: -1) }
    }

    /// A linked item's CAS is about to change from `old` to `new` (in-place incr, meta E flag, md I).
    @inline(__always)
    func changeCAS(of item: Item, from old: UInt64, to new: UInt64) {
        guard isEnabled else { return }
        let size = item.memcachedSize
        adjust(size: size, cas: old, by: -1)
        adjust(size: size, cas: new, by: 1)
    }

    /// The non-empty buckets as (label, count), smallest first; nil when off. Bucket b is labelled
    /// 32·b, the largest size it holds, as memcached labels it.
    func snapshot() -> [(size: Int, count: UInt32)]? {
        lock.withLock {
            guard let buckets else { return nil }
            var result: [(size: Int, count: UInt32)] = []
            for index in 0..<bucketCount where buckets[index] != 0 {
                result.append((index * SizeHistogram.bucketWidth, buckets[index]))
            }
            return result
        }
    }

    private func adjust(size: Int, cas: UInt64, by delta: Int32) {
        lock.withLock {
            guard let buckets, cas >= casMinimum else { return }
            let bucket = (size + SizeHistogram.bucketWidth - 1) / SizeHistogram.bucketWidth
            guard bucket < bucketCount else { return }
            // Never below zero, whatever happens to an item that slipped past the CAS rule.
            if delta > 0 || buckets[bucket] > 0 { buckets[bucket] = UInt32(bitPattern: Int32(bitPattern: buckets[bucket]) &+ delta) }
        }
    }
}
