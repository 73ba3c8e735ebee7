import Locking

/// All item memory: one reserved address range, handed out one page at a time. The range is mapped
/// with MAP_NORESERVE, so only pages actually given to slab classes (and touched) become resident.
///
/// `memoryLimit` bounds the pages handed out, with memcached's one exception: a slab class that has
/// no page yet may take one beyond the limit, so a value size first seen after memory is full is
/// stored (evicting within its own page later) instead of refused. Item memory therefore stays below
/// `memoryLimit` plus one page per slab class — in practice a few pages, since few classes start late.
///
/// Because every chunk lives inside this one range, an item is named by a 32-bit reference (its offset
/// divided by the alignment, plus one so that 0 means "none") instead of a 64-bit pointer. The same
/// offsets hold wherever the range is mapped, which is what lets `-e` keep items in a file and map
/// it again after a restart (ArenaMapping.swift, WarmRestart.swift).
final class SlabArena: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let pageSize: Int
    /// Pages reserved for the memory limit, including what `cache_memlimit` may grow it to.
    let pageCount: Int
    /// Pages beyond the limit, at most one per slab class (reserved address space, not memory).
    let firstPageAllowance: Int
    /// Pages within the memory limit now (`cache_memlimit` moves it, within `pageCount`).
    private var pageLimit: Int
    /// log2 of the chunk alignment: 8-byte alignment addresses 32 GB of arena in 32 bits.
    let shift: Int
    var alignment: Int { 1 << shift }
    /// Anonymous memory, or the `-e` memory file (ArenaMapping.swift).
    let mapping: ArenaMapping
    let layout: ArenaLayout

    private var pagesHandedOut = 0
    private let pageLock = Lock()
    /// The slab class each handed-out page belongs to (guarded by the page lock).
    private let pageOwners: UnsafeMutablePointer<UInt8>

    init(layout: ArenaLayout, mapping: ArenaMapping) {
        pageSize = layout.pageSize
        pageLimit = layout.pageLimit
        pageCount = layout.pageCount
        firstPageAllowance = layout.firstPageAllowance
        shift = layout.shift
        self.mapping = mapping
        self.layout = layout
        base = mapping.base
        pageOwners = .allocate(capacity: layout.totalPages)
        pageOwners.initialize(repeating: 0, count: layout.totalPages)
    }

    func unmap() {
        mapping.unmap()
        pageOwners.deallocate()
    }

    /// The pages handed out so far and the class of each (saved for a warm restart).
    func ownersSnapshot() -> [UInt8] {
        pageLock.withLock { Array(UnsafeBufferPointer(start: pageOwners, count: pagesHandedOut)) }
    }

    /// Takes back the pages a warm restart found in the memory file, with their classes. Only at
    /// start-up, before any page is handed out; `owners` has been checked against the layout.
    func adoptPages(_ owners: [UInt8]) {
        pageLock.withLock {
            precondition(pagesHandedOut == 0 && owners.count <= pageCount + firstPageAllowance)
            for (index, owner) in owners.enumerated() { pageOwners[index] = owner }
            pagesHandedOut = owners.count
        }
    }

    /// A fresh page, or nil when the memory limit is reached (unless it is the class's first page).
    func takePage(for classID: Int, firstOfItsClass: Bool) -> UnsafeMutableRawPointer? {
        pageLock.withLock {
            let limit = firstOfItsClass ? pageLimit + firstPageAllowance : pageLimit
            guard pagesHandedOut < min(limit, pageCount + firstPageAllowance) else { return nil }
            let page = base + pagesHandedOut * pageSize
            pageOwners[pagesHandedOut] = UInt8(classID)
            pagesHandedOut += 1
            return page
        }
    }

    /// The last page handed to `classID`, if any (a rebalancing source).
    func lastPage(of classID: Int) -> UnsafeMutableRawPointer? {
        pageLock.withLock {
            var index = pagesHandedOut - 1
            while index >= 0, pageOwners[index] != UInt8(classID) { index -= 1 }
            return index >= 0 ? base + index * pageSize : nil
        }
    }

    /// Records that a page moved to another class.
    func setOwner(of page: UnsafeMutableRawPointer, to classID: Int) {
        pageLock.withLock { pageOwners[(page - base) / pageSize] = UInt8(classID) }
    }

    /// The memory limit in pages; a new limit applies to pages handed out from now on (pages already
    /// handed out stay with their classes). False when `pages` is beyond the reserved range.
    func setPageLimit(_ pages: Int) -> Bool {
        pageLock.withLock {
            guard pages >= 1, pages <= pageCount else { return false }
            pageLimit = pages
            return true
        }
    }

    /// Pages reserved at start-up: the most a page limit may be.
    var reservedPages: Int { pageCount }

    var currentPageLimit: Int {
        pageLock.withLock { pageLimit }
    }

    var pagesInUse: Int {
        pageLock.withLock { pagesHandedOut }
    }

    @inline(__always)
    func reference(_ pointer: UnsafeMutableRawPointer) -> UInt32 {
        UInt32(truncatingIfNeeded: (pointer - base) >> shift) &+ 1
    }

    @inline(__always)
    func pointer(_ reference: UInt32) -> UnsafeMutableRawPointer {
        base + (Int(reference &- 1) << shift)
    }

    @inline(__always)
    func item(_ reference: UInt32) -> Item { Item(pointer(reference)) }
}
