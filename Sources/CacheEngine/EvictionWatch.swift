import Atomics
import Locking

/// The engine's one hook for `watch evictions`: the server installs what to do with an evicted
/// item and switches the hook on while a watcher wants evictions. The engine knows nothing of
/// watchers or protocols; while the switch is off an eviction costs one relaxed load here.
public final class EvictionWatch: @unchecked Sendable {
    private let on = ManagedAtomic<Bool>(false)
    private let report = Locked<(@Sendable (EvictedItem) -> Void)?>(nil)

    public init() {}

    /// What an eviction is reported to (set once, before the server starts).
    public func install(_ body: @escaping @Sendable (EvictedItem) -> Void) {
        report.withLock { $0 = body }
    }

    public func switchOn(_ value: Bool) { on.store(value, ordering: .relaxed) }

    @inline(__always)
    var isOn: Bool { on.load(ordering: .relaxed) }

    /// Called with the item's stripe and its class's LRU lock held: `body` must not call the engine.
    func evicted(_ item: EvictedItem) {
        report.withLock { $0 }?(item)
    }
}

/// An item as it leaves the cache by eviction (memcached's eviction log entry).
public struct EvictedItem {
    /// Valid only during the report.
    public let key: UnsafeRawBufferPointer
    public let wasFetched: Bool
    /// Seconds it had left to live; -1 for an item without expiry.
    public let secondsToLive: Int
    /// Seconds since it was last accessed.
    public let secondsSinceAccess: Int
    public let slabClass: Int
    /// Its value's length.
    public let size: Int
}

extension CacheEngine {
    /// Reports an item being evicted when someone watches (caller holds its stripe and LRU lock).
    @inline(__always)
    func reportEviction(_ item: Item, now: UInt32) {
        guard evictionWatch.isOn else { return }
        let expiry = item.expiry
        evictionWatch.evicted(EvictedItem(
            key: item.key, wasFetched: item.wasFetched,
            secondsToLive: expiry == 0 ? -1 : Int(Int64(expiry) - Int64(now)),
            secondsSinceAccess: Int(now &- item.lastAccess), slabClass: item.slabClass, size: item.valueLength))
    }
}
