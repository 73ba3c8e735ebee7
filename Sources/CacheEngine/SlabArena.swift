import Locking
#if canImport(Glibc)
import Glibc
#endif

/// All item memory: one reserved address range, handed out one page at a time. The range is mapped
/// with MAP_NORESERVE, so only pages actually given to slab classes (and touched) become resident.
///
/// `memoryLimit` bounds the pages handed out, with memcached's one exception: a slab class that has
/// no page yet may take one beyond the limit, so a value size first seen after memory is full is
/// stored (evicting within its own page later) instead of refused. Item memory therefore stays below
/// `memoryLimit` plus one page per slab class — in practice a few pages, since few classes start late.
///
/// Because every chunk lives inside this one range, an item is named by a 32-bit reference (its offset
/// divided by the alignment, plus one so that 0 means "none") instead of a 64-bit pointer.
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

    private var pagesHandedOut = 0
    private let pageLock = Lock()
    /// The slab class each handed-out page belongs to (guarded by the page lock).
    private let pageOwners: UnsafeMutablePointer<UInt8>

    /// `growthRoom`: how far beyond `memoryLimit` `cache_memlimit` may raise the limit later
    /// (address space reserved now, so that item references stay 32-bit offsets into one range).
    init(memoryLimit: Int, pageSize: Int, slabClassLimit: Int, growthRoom: Int = 0) {
        self.pageSize = pageSize
        pageLimit = max(1, memoryLimit / pageSize)
        pageCount = pageLimit + max(0, growthRoom / pageSize)
        firstPageAllowance = slabClassLimit
        let bytes = (pageCount + firstPageAllowance) * pageSize
        var shift = 3
        while (bytes >> shift) >= Int(UInt32.max) { shift += 1 }
        self.shift = shift
        let mapped = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let mapped, mapped != MAP_FAILED else {
            fatalError("swiftcached: cannot reserve \(bytes) bytes of address space for item memory")
        }
        base = mapped
        pageOwners = .allocate(capacity: pageCount + firstPageAllowance)
        pageOwners.initialize(repeating: 0, count: pageCount + firstPageAllowance)
    }

    func unmap() {
        munmap(base, (pageCount + firstPageAllowance) * pageSize)
        pageOwners.deallocate()
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
