/// The shared cache: slab memory, hash table, per-class LRUs. Thread-safe; see docs/architecture.md
/// for which lock protects what. Keys are raw bytes (at most 250); nothing here knows a protocol.
///
/// Stores are two-phase, as in memcached: `allocate` reserves a chunk sized for the value before the
/// data arrives (so a too-large or out-of-memory item is known before reading it), the caller fills
/// `PendingItem.value`, then `commit` links it (or `release` gives it back).
public final class CacheEngine: @unchecked Sendable {
    public let configuration: EngineConfiguration
    public let clock: CacheClock

    public init(configuration: EngineConfiguration, clock: CacheClock = CacheClock()) {
        fatalError("unimplemented")
    }

    /// Stops the background hash-expansion thread. Call once when the engine is no longer used.
    public func shutdown() {}

    /// Looks a key up; on a hit `body` sees the item while its stripe lock is held (do not call the engine from it).
    public func get(_ key: UnsafeRawBufferPointer, _ body: (ItemView) -> Void) -> LookupResult { fatalError() }

    /// `gat`: like `get`, and sets the expiry (protocol exptime) of a hit first.
    public func getAndTouch(_ key: UnsafeRawBufferPointer, exptime: Int64, _ body: (ItemView) -> Void) -> LookupResult { fatalError() }

    public func allocate(key: UnsafeRawBufferPointer, flags: UInt32, exptime: Int64, valueLength: Int) -> AllocationResult { fatalError() }
    public func commit(_ item: PendingItem, mode: StoreMode, compareCAS: UInt64 = 0) -> StoreResult { fatalError() }
    public func release(_ item: PendingItem) {}

    /// Convenience for tests and small values: allocate, copy, commit.
    public func store(_ mode: StoreMode, key: UnsafeRawBufferPointer, flags: UInt32, exptime: Int64,
                      value: UnsafeRawBufferPointer, compareCAS: UInt64 = 0) -> StoreResult { fatalError() }

    /// Removes a live item; false when there was none (or it had expired).
    public func delete(_ key: UnsafeRawBufferPointer) -> Bool { fatalError() }

    /// Sets the expiry of a live item; `.hit` when it existed.
    public func touch(_ key: UnsafeRawBufferPointer, exptime: Int64) -> LookupResult { fatalError() }

    /// incr / decr on a decimal value: incr wraps at 2^64, decr floors at 0; a shorter result is padded
    /// with spaces in place as memcached does.
    public func arithmetic(_ key: UnsafeRawBufferPointer, increment: Bool, delta: UInt64) -> ArithmeticResult { fatalError() }

    /// flush_all: every item stored up to now (delay 0) or up to `delay` from now becomes invisible.
    public func flushAll(delay: Int64) {}

    public func statistics() -> EngineStatistics { fatalError() }
    public func slabStatistics() -> [SlabClassStatistics] { fatalError() }
    public func itemStatistics() -> [ItemClassStatistics] { fatalError() }
    public func resetStatistics() {}
}

public enum AllocationResult {
    case allocated(PendingItem)
    case tooLarge
    case outOfMemory
}

/// A chunk reserved by `allocate` and not yet linked; owned by the caller until `commit` or `release`.
public struct PendingItem {
    @usableFromInline let chunk: UnsafeMutableRawPointer
    /// Where the value's bytes go (exactly `valueLength` bytes).
    public let value: UnsafeMutableRawBufferPointer

    init(chunk: UnsafeMutableRawPointer, value: UnsafeMutableRawBufferPointer) {
        self.chunk = chunk
        self.value = value
    }
}
