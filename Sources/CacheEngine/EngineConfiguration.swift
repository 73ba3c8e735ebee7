/// Sizing and policy of one cache engine; the server fills it from memcached-style flags.
public struct EngineConfiguration: Sendable {
    /// Bytes of item memory (`-m` megabytes); slab pages are carved from this budget only.
    public var memoryLimit: Int = 64 << 20
    /// Smallest key+value space of the first slab class (`-n`).
    public var chunkSizeMin: Int = 48
    /// Growth factor between consecutive slab classes (`-f`).
    public var growthFactor: Double = 1.25
    /// Largest item accepted: header + key + value (`-I`).
    public var itemSizeMax: Int = 1 << 20
    /// Size of the memory unit handed to a slab class. Never smaller than `itemSizeMax`.
    public var slabPageSize: Int = 1 << 20
    /// Largest chunk of the geometric classes (`-o slab_chunk_max`); items above it use the whole-page class.
    public var slabChunkMax: Int = 1 << 19
    /// `false` with `-M`: a full cache refuses stores instead of evicting.
    public var evictionsEnabled: Bool = true
    /// `false` with `-C`: items carry no CAS value and `gets` reports 0.
    public var casEnabled: Bool = true
    /// Initial hash table size as a power of two (`-o hashpower`).
    public var hashPowerInitial: Int = 16

    public init() {}
}
