/// What a `watch` log line reports about an item beyond its key: read only while someone watches,
/// so pending items and lookups carry nothing extra for it.
extension PendingItem {
    public var key: UnsafeRawBufferPointer { Item(chunk).key }
    public var slabClass: Int { Item(chunk).slabClass }
    /// Engine-clock second it expires at (0: never).
    public var expiry: UInt32 { Item(chunk).expiry }
}

extension CacheEngine {
    /// The class and value length of the live item under `key`, without counting it as a fetch or
    /// moving it: what an append or prepend made, for its log line.
    public func storedShape(of key: UnsafeRawBufferPointer) -> (slabClass: Int, size: Int)? {
        withStripe(of: key) { hash in
            guard let item = findLive(key, hash: hash).0 else { return nil }
            return (item.slabClass, item.valueLength)
        }
    }
}

/// What a `watch` line says of a key's item, read without touching it.
public struct WatchedLookup: Sendable {
    public var result: LookupResult
    public var slabClass = 0
    public var size = 0
    /// Engine-clock second it expires at (0: never).
    public var expiry: UInt32 = 0
}

extension CacheEngine {
    /// How a lookup of `key` would end, with the item's class, value length and expiry on a hit;
    /// unlike a command's lookup it neither bumps nor frees the item, so watching changes nothing.
    public func watchedLookup(_ key: UnsafeRawBufferPointer) -> WatchedLookup {
        withStripe(of: key) { hash in
            guard let item = table.find(key, hash: hash) else { return WatchedLookup(result: .miss) }
            let now = clock.now
            if item.isExpired(now: now) { return WatchedLookup(result: .expired) }
            if isFlushed(item, now: now) { return WatchedLookup(result: .flushed) }
            return WatchedLookup(result: .hit, slabClass: item.slabClass, size: item.valueLength, expiry: item.expiry)
        }
    }
}
