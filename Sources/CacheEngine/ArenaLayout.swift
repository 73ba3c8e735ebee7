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
    /// Pages beyond the limit: one per slab class that starts late, up to `pagesBeyondLimitCap`
    /// (reserved address space, not memory).
    let firstPageAllowance: Int
    /// log2 of the chunk alignment.
    let shift: Int

    /// The most pages ever handed out beyond the memory limit, whatever the number of classes: memcached's
    /// worst case (a first page for each of its 63 classes), so a finer class table (up to 127 classes)
    /// does not raise how far item memory may pass `-m`. A class that finds the allowance spent gets a
    /// page moved from another class instead (SlabRebalancer's first-page moves).
    static let pagesBeyondLimitCap = 63

    init(memoryLimit: Int, pageSize: Int, pagesBeyondLimit: Int = ArenaLayout.pagesBeyondLimitCap, growthRoom: Int) {
        self.pageSize = pageSize
        pageLimit = max(1, memoryLimit / pageSize)
        pageCount = pageLimit + max(0, growthRoom / pageSize)
        firstPageAllowance = pagesBeyondLimit
        var shift = 3
        while ((pageCount + pagesBeyondLimit) * pageSize >> shift) >= Int(UInt32.max) { shift += 1 }
        self.shift = shift
    }

    /// Every page that can ever be handed out.
    var totalPages: Int { pageCount + firstPageAllowance }

    /// Bytes of address space (and of the memory file) the arena spans.
    var bytes: Int { totalPages * pageSize }
}
