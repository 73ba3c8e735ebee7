/// Engine-wide figures for `stats` (memcached names in comments).
public struct EngineStatistics: Sendable {
    public var limitMaxbytes: UInt64 = 0       // limit_maxbytes
    public var bytes: UInt64 = 0               // bytes
    public var currItems: UInt64 = 0           // curr_items
    public var totalItems: UInt64 = 0          // total_items
    public var evictions: UInt64 = 0           // evictions
    public var reclaimed: UInt64 = 0           // reclaimed
    public var expiredUnfetched: UInt64 = 0    // expired_unfetched
    public var evictedUnfetched: UInt64 = 0    // evicted_unfetched
    public var totalMalloced: UInt64 = 0       // total_malloced
    public var hashPowerLevel: Int = 0         // hash_power_level
    public var hashBytes: UInt64 = 0           // hash_bytes
    public var hashIsExpanding: Bool = false   // hash_is_expanding
    public var slabsMoved: UInt64 = 0          // slabs_moved
    public var slabReassignRunning = false     // slab_reassign_running
    public var slabReassignEvictions: UInt64 = 0  // slab_reassign_evictions_nomem (items evicted from moving pages)
    public var slabReassignBusyItems: UInt64 = 0  // slab_reassign_busy_items
    public init() {}
}

/// One slab class for `stats slabs`.
public struct SlabClassStatistics: Sendable {
    public var classID: Int = 0
    public var chunkSize: Int = 0
    public var chunksPerPage: Int = 0
    public var totalPages: Int = 0
    public var totalChunks: Int = 0
    public var usedChunks: Int = 0
    public var freeChunks: Int = 0
    public var freeChunksEnd: Int = 0
    public init() {}
}

/// One slab class for `stats items` (only classes that hold items are reported).
public struct ItemClassStatistics: Sendable {
    public var classID: Int = 0
    public var number: Int = 0            // items:N:number
    public var age: UInt32 = 0            // items:N:age (seconds since the LRU tail was accessed)
    public var evicted: UInt64 = 0
    public var evictedNonzero: UInt64 = 0
    public var evictedTime: UInt32 = 0
    public var outOfMemory: UInt64 = 0
    public var reclaimed: UInt64 = 0
    public var expiredUnfetched: UInt64 = 0
    public var evictedUnfetched: UInt64 = 0
    public init() {}
}
