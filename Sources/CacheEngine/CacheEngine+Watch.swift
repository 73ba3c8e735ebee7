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
