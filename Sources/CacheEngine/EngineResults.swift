/// How a store request asks to combine with what is already cached.
public enum StoreMode: Sendable {
    case set, add, replace, append, prepend, cas
}

public enum StoreResult: Sendable, Equatable {
    case stored
    case notStored
    /// `cas` whose unique value no longer matches.
    case exists
    /// `cas` on a missing key.
    case notFound
    case tooLarge
    case outOfMemory
}

/// Why a lookup did or did not find a live item; the split feeds get_expired / get_flushed.
public enum LookupResult: Sendable, Equatable {
    case hit
    case miss
    case expired
    case flushed
}

public enum ArithmeticResult: Sendable, Equatable {
    case value(UInt64)
    case notFound
    case nonNumeric
    case outOfMemory
}

/// A read-only view of one live item, valid only inside the closure that receives it
/// (the item's stripe lock is held for that long).
public struct ItemView {
    public let key: UnsafeRawBufferPointer
    /// One segment, or several for a chunked item: copy it with `forEachSegment` or `copyBytes`.
    public let value: ItemValue
    public let flags: UInt32
    public let cas: UInt64
    /// Relative expiry (engine clock seconds); 0 means never.
    public let expiry: UInt32
    public let lastAccess: UInt32
    /// The item's slab class and the index (0-3) of the LRU queue it was in when read: what the
    /// caller counts per class (memcached's per-thread slab_stats and lru_hits). The engine keeps no
    /// hit counters itself, so a read writes nothing shared for statistics.
    public let slabClass: Int
    public let queue: Int
    /// The item's chunk, for `CacheEngine.pin` (nil in views not made by the engine).
    @usableFromInline let chunk: UnsafeMutableRawPointer?

    @inlinable
    public init(key: UnsafeRawBufferPointer, value: ItemValue, flags: UInt32, cas: UInt64, expiry: UInt32, lastAccess: UInt32,
                slabClass: Int = 0, queue: Int = 0, chunk: UnsafeMutableRawPointer? = nil) {
        self.chunk = chunk
        self.slabClass = slabClass
        self.queue = queue
        self.key = key
        self.value = value
        self.flags = flags
        self.cas = cas
        self.expiry = expiry
        self.lastAccess = lastAccess
    }
}
