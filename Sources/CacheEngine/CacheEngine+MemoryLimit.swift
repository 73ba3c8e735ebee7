/// `cache_memlimit`: the item memory limit changed at run time, as memcached's
/// `slabs_adjust_mem_limit`. A new limit governs the pages handed out from then on: raising it lets
/// the slab classes take more pages; lowering it below what they already hold stops new pages until
/// they shrink (pages are not taken back from classes — memcached 1.6.18 does not free them either)
/// and returns pages of the global page pool to the system while more is held than the limit, as
/// memcached's `memory_release` frees them (SlabArena.swift).
extension CacheEngine {
    /// Bytes of item memory the slab classes may take now (`limit_maxbytes`, `maxbytes`).
    public var memoryLimit: Int { arena.currentPageLimit * arena.pageSize }

    /// The highest limit `adjustMemoryLimit` accepts: what was reserved at start-up.
    public var maximumMemoryLimit: Int { arena.reservedPages * arena.pageSize }

    /// False when `bytes` is beyond what was reserved at start-up (`memoryLimitGrowthRoom`).
    public func adjustMemoryLimit(to bytes: Int) -> Bool {
        arena.setPageLimit(max(1, bytes / arena.pageSize))
    }

    /// The address space reserved beyond `-m` for `cache_memlimit`: room for the limit to quadruple,
    /// at least up to 1 GB, but never so much that items would need a coarser alignment to stay
    /// addressable by 32-bit references (the alignment `-m` alone needs is kept).
    static func growthRoom(for configuration: EngineConfiguration) -> Int {
        let limit = configuration.memoryLimit
        guard configuration.memoryLimitGrowthRoom == EngineConfiguration.defaultGrowthRoom else {
            return max(0, configuration.memoryLimitGrowthRoom)
        }
        let allowance = ArenaLayout.pagesBeyondLimitCap * configuration.slabPageSize
        var shift = 3
        while ((limit + allowance) >> shift) >= Int(UInt32.max) { shift += 1 }
        let addressable = (Int(UInt32.max) - 1) << shift
        let wanted = max(4 * limit, 1 << 30)
        return max(0, min(wanted, addressable - allowance - configuration.slabPageSize) - limit)
    }
}
