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
    public var evictedActive: UInt64 = 0       // evicted_active
    public var movesToCold: UInt64 = 0         // moves_to_cold
    public var movesToWarm: UInt64 = 0         // moves_to_warm
    public var movesWithinLRU: UInt64 = 0      // moves_within_lru
    public var directReclaims: UInt64 = 0      // direct_reclaims
    /// Bumps lost (lru_bumps_dropped): always 0, readers move cold items themselves (see CacheEngine+Segmented.swift).
    public var lruBumpsDropped: UInt64 = 0
    /// Rounds of the LRU maintainer thread (lru_maintainer_juggles); nil when it does not run.
    public var lruMaintainerJuggles: UInt64? = nil
    public var totalMalloced: UInt64 = 0       // total_malloced
    public var globalPagePool: UInt64 = 0      // slab_global_page_pool
    public var hashPowerLevel: Int = 0         // hash_power_level
    public var hashBytes: UInt64 = 0           // hash_bytes
    public var hashIsExpanding: Bool = false   // hash_is_expanding
    public var slabsMoved: UInt64 = 0          // slabs_moved
    public var slabReassignRunning = false     // slab_reassign_running
    public var slabReassignEvictions: UInt64 = 0  // slab_reassign_evictions_nomem (live items evicted from moving pages)
    public var slabReassignBusyItems: UInt64 = 0  // slab_reassign_busy_items
    public var slabReassignBusyDeletes: UInt64 = 0  // slab_reassign_busy_deletes (items a response still sent)
    public var lruCrawlerEnabled = false       // whether lru_crawler_* lines are printed
    public var lruCrawlerRunning = false       // lru_crawler_running
    public var lruCrawlerStarts: UInt32 = 0    // lru_crawler_starts
    public var crawlerReclaimed: UInt64 = 0    // crawler_reclaimed
    public var crawlerItemsChecked: UInt64 = 0 // crawler_items_checked
    public var tailReflocked: UInt64 = 0       // lrutail_reflocked: pinned items passed over at a tail
    /// Items a response pins (sends from slab memory), and the bytes of those already unlinked.
    public var pinnedItems: UInt64 = 0
    public var pinnedOrphanBytes: UInt64 = 0
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
/// The hot/warm/cold/temp figures are mapped from the policy's own queues (see docs/architecture.md).
public struct ItemClassStatistics: Sendable {
    public var classID: Int = 0
    public var number: Int = 0            // items:N:number
    public var numberHot: Int = 0
    public var numberWarm: Int = 0
    public var numberCold: Int = 0
    public var numberTemp: Int = 0
    public var ageHot: UInt32 = 0
    public var ageWarm: UInt32 = 0
    public var age: UInt32 = 0            // items:N:age (seconds since the LRU tail was accessed)
    public var memRequested: UInt64 = 0   // bytes of the class's items
    public var evicted: UInt64 = 0
    public var evictedNonzero: UInt64 = 0
    public var evictedTime: UInt32 = 0
    public var outOfMemory: UInt64 = 0
    public var reclaimed: UInt64 = 0
    public var expiredUnfetched: UInt64 = 0
    public var evictedUnfetched: UInt64 = 0
    public var evictedActive: UInt64 = 0
    public var movesToCold: UInt64 = 0
    public var movesToWarm: UInt64 = 0
    public var movesWithinLRU: UInt64 = 0
    public var directReclaims: UInt64 = 0
    public var hitsToHot: UInt64 = 0
    public var hitsToWarm: UInt64 = 0
    public var hitsToCold: UInt64 = 0
    public var hitsToTemp: UInt64 = 0
    public var crawlerReclaimed: UInt64 = 0
    public var crawlerItemsChecked: UInt64 = 0
    public var tailReflocked: UInt64 = 0
    public init() {}
}
