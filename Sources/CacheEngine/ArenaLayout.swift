/// The shape of the slab arena, worked out from the settings alone before anything is mapped: how
/// many pages it reserves and which alignment keeps every chunk addressable by a 32-bit reference.
/// A warm restart compares the layout saved beside the memory file with this one before it trusts
/// a single reference in the file (WarmRestart.swift).
struct ArenaLayout: Equatable {
    let pageSize: Int
    /// Pages within the memory limit at start.
    let pageLimit: Int
    /// Pages reserved for the memory limit, including what `cache_memlimit` may grow it to.
    let pageCount: Int
    /// Pages beyond the limit, at most one per slab class (reserved address space, not memory).
    let firstPageAllowance: Int
    /// log2 of the chunk alignment.
    let shift: Int

    init(memoryLimit: Int, pageSize: Int, slabClassLimit: Int, growthRoom: Int) {
        self.pageSize = pageSize
        pageLimit = max(1, memoryLimit / pageSize)
        pageCount = pageLimit + max(0, growthRoom / pageSize)
        firstPageAllowance = slabClassLimit
        var shift = 3
        while ((pageCount + slabClassLimit) * pageSize >> shift) >= Int(UInt32.max) { shift += 1 }
        self.shift = shift
    }

    /// Every page that can ever be handed out.
    var totalPages: Int { pageCount + firstPageAllowance }

    /// Bytes of address space (and of the memory file) the arena spans.
    var bytes: Int { totalPages * pageSize }
}
