/// Sizing and policy of one cache engine; the server fills it from memcached-style flags.
public struct EngineConfiguration: Sendable {
    /// Bytes of item memory (`-m` megabytes); slab pages are carved from this budget only.
    public var memoryLimit: Int = 64 << 20
    /// How far `cache_memlimit` may raise `memoryLimit` at run time (address space reserved up front,
    /// never touched until used); 0 with `-k`, where locked memory would make the reservation resident.
    public var memoryLimitGrowthRoom: Int = EngineConfiguration.defaultGrowthRoom
    /// Room for the limit to quadruple, at least up to 1 GB.
    public static let defaultGrowthRoom = -1
    /// Smallest key+value space of the first slab class (`-n`).
    public var chunkSizeMin: Int = 48
    /// Growth factor between consecutive slab classes (`-f`; 1.08 unless given, memcached's 1.25: see
    /// SlabSizeClasses.swift for why).
    public var growthFactor: Double = EngineConfiguration.defaultGrowthFactor
    public static let defaultGrowthFactor = SlabSizeClasses.defaultGrowthFactor
    /// Largest item accepted: header + key + value (`-I`).
    public var itemSizeMax: Int = 1 << 20
    /// Size of the memory unit handed to a slab class: 1 MB whatever `-I` is.
    public var slabPageSize: Int = 1 << 20
    /// Largest chunk (`-o slab_chunk_max`, at least 512); larger items are chained chunks of this size.
    public var slabChunkMax: Int = 1 << 19
    /// The smallest `slabChunkMax` the chunked item layout allows (a head chunk holds header and key).
    public static let minimumSlabChunkMax = ChunkedItem.minimumChunkSize
    /// `false` with `-M`: a full cache refuses stores instead of evicting.
    public var evictionsEnabled: Bool = true
    /// `false` with `-C`: items carry no CAS value and `gets` reports 0.
    public var casEnabled: Bool = true
    /// `-o slab_automove=N`: 0 pages move only on `slabs reassign`; 1 (memcached's default) from classes
    /// with spare memory to classes that keep evicting; 2 also from classes that are not evicting.
    public var slabAutomove: Int = 1
    /// `-o slab_automove_ratio` (memcached's default 0.8): with automove 1, a non-evicting class gives a
    /// page to an evicting one only if the destination's oldest item is younger than this fraction of
    /// the source's.
    public var slabAutomoveRatio: Double = 0.8
    /// `-o slab_automove_window` (seconds, memcached's default 30): a class is "evicting" when it
    /// evicted in more than half of the last this-many seconds, or had more than a quarter of all
    /// evictions over them.
    public var slabAutomoveWindow: Int = 30
    /// Which items make room when memory is full (`-o eviction_policy=s3fifo|segmented|lru`).
    public var evictionPolicy: EvictionPolicy = .s3fifo
    /// The segmented LRU's limits and its maintainer thread (used with `evictionPolicy == .segmented`).
    public var segmentedLRU = SegmentedLRUSettings()
    /// Initial hash table size as a power of two (`-o hashpower`).
    public var hashPowerInitial: Int = 16
    /// Run the LRU crawler thread (`-o lru_crawler` / `no_lru_crawler`). Off for a bare engine; the
    /// server turns it on by default, as memcached does.
    public var lruCrawler: Bool = false
    /// Microseconds the crawler sleeps after every 1000 items (`-o lru_crawler_sleep`, at most 1 s).
    public var lruCrawlerSleep: UInt32 = 100
    /// Items per queue one crawl looks at, 0 for all (`-o lru_crawler_tocrawl`).
    public var lruCrawlerToCrawl: UInt32 = 0
    /// Keep the `stats sizes` histogram from the start (`-o track_sizes`).
    public var trackSizes: Bool = false
    /// `-e`: item memory lives in this file (on a tmpfs), and a restart after a graceful stop takes
    /// the items back (WarmRestart.swift). nil: anonymous memory.
    public var memoryFile: String? = nil

    public init() {}
}

/// How a full slab class chooses the item to evict.
public enum EvictionPolicy: String, Sendable, CaseIterable {
    /// A least-recently-used queue; a read moves an item to the head at most once a minute.
    case lru
    /// memcached 1.6's segmented LRU: hot, warm, cold (and temp) queues per class, kept in shape by
    /// a maintainer thread; active items are rescued from cold instead of being evicted.
    case segmented
    /// S3-FIFO (Yang et al., SOSP 2023): new items wait in a small FIFO; those read there move to the
    /// main FIFO, the others are evicted early and remembered in a ghost filter (a returning key goes
    /// straight to main). Main gives items read since they were queued another round.
    case s3fifo
}

/// memcached's segmented-LRU settings (`-o hot_lru_pct, warm_lru_pct, hot_max_factor,
/// warm_max_factor, temporary_ttl, no_lru_maintainer`), with memcached's defaults. The percentages
/// and factors, the mode and the temporary TTL can change at run time (`lru tune|mode|temp_ttl`).
public struct SegmentedLRUSettings: Sendable, Equatable {
    /// Share of a class's bytes the hot segment may hold.
    public var hotPercent: UInt32 = 20
    /// Share of a class's bytes the warm segment may hold.
    public var warmPercent: UInt32 = 40
    /// A hot item idle longer than the cold tail's age times this moves to cold.
    public var hotMaxFactor: Double = 0.2
    /// A warm item idle longer than the cold tail's age times this moves to cold.
    public var warmMaxFactor: Double = 2.0
    /// Items stored with a TTL of at most this many seconds go to the temp segment (nil: no temp segment).
    public var temporaryTTL: UInt32? = nil
    /// The maintainer thread juggles the segments; without it they are juggled on allocation.
    public var maintainer: Bool = true

    public init() {}
}
