import Locking
#if canImport(Glibc)
import Glibc
#endif

/// All item memory: one reserved address range, handed out one page at a time. The range is mapped
/// with MAP_NORESERVE, so only pages actually given to slab classes (and touched) become resident.
///
/// `memoryLimit` bounds the pages handed out, with memcached's one exception: a slab class that has
/// no page yet may take one beyond the limit, so a value size first seen after memory is full is
/// stored (evicting within its own page later) instead of refused. Those pages are capped at
/// `ArenaLayout.pagesBeyondLimitCap` (63, memcached's one page per class) whatever the number of
/// classes, so item memory stays below `memoryLimit` plus 63 pages — in practice a few pages, since
/// few classes start late. A class that finds the allowance spent is refused here; the rebalancer
/// then moves it a page from another class (SlabRebalancer.swift).
///
/// Pages come back from slab classes only through the global page pool (memcached's slab class 0,
/// `slabs reassign N 0`, PagePool.swift): a pool page is still item memory (it counts toward
/// `total_malloced`) until a class takes it again, which it does before any fresh page and whatever
/// the limit. While the limit is below what is held, pool pages are *released* instead, as memcached
/// frees them: their memory goes back to the system and a later fresh page reuses their address.
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
    /// Pages beyond the limit, at most one per slab class and `ArenaLayout.pagesBeyondLimitCap` in all
    /// (reserved address space, not memory).
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
    /// The slab class each handed-out page belongs to (guarded by the page lock): 0 for a pool page,
    /// `releasedOwner` for a released one.
    private let pageOwners: UnsafeMutablePointer<UInt8>
    /// The global page pool and the released pages (guarded by the page lock).
    private var pool: PagePool
    private var released: PagePool

    /// The owner byte of a released page: no slab class (at most 127) and not the pool.
    static let releasedOwner: UInt8 = 0xFF

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
        pool = PagePool(capacity: layout.totalPages)
        released = PagePool(capacity: layout.totalPages)
    }

    func unmap() {
        mapping.unmap()
        pageOwners.deallocate()
        pool.deallocate()
        released.deallocate()
    }

    /// The pages handed out so far and the class of each (saved for a warm restart).
    func ownersSnapshot() -> [UInt8] {
        pageLock.withLock { Array(UnsafeBufferPointer(start: pageOwners, count: pagesHandedOut)) }
    }

    /// Takes back the pages a warm restart found in the memory file, with their classes (0: the
    /// page was in the pool, and is again). Only at start-up, before any page is handed out; `owners`
    /// has been checked against the layout.
    func adoptPages(_ owners: [UInt8]) {
        pageLock.withLock {
            precondition(pagesHandedOut == 0 && owners.count <= pageCount + firstPageAllowance)
            for (index, owner) in owners.enumerated() {
                pageOwners[index] = owner
                if owner == 0 { pool.push(index) }
            }
            pagesHandedOut = owners.count
        }
    }

    /// A page for `classID`: from the pool if it holds one (whatever the limit, as memcached's
    /// `do_slabs_newslab`), else a fresh one, or nil when the memory limit is reached (unless it is
    /// the class's first page).
    func takePage(for classID: Int, firstOfItsClass: Bool) -> UnsafeMutableRawPointer? {
        pageLock.withLock {
            if let index = pool.pop() { return give(index, to: classID) }
            let limit = firstOfItsClass ? pageLimit + firstPageAllowance : pageLimit
            guard pagesHandedOut - released.count < limit else { return nil }
            if let index = released.pop() { return give(index, to: classID) }
            guard pagesHandedOut < pageCount + firstPageAllowance else { return nil }
            pagesHandedOut += 1
            return give(pagesHandedOut - 1, to: classID)
        }
    }

    /// A pool page for `classID` (`slabs reassign 0 N`); nil unless the pool holds two or more, as
    /// memcached refuses to move a class's last page, the pool's included.
    func takePoolPage(for classID: Int) -> UnsafeMutableRawPointer? {
        pageLock.withLock {
            guard pool.count >= 2, let index = pool.pop() else { return nil }
            return give(index, to: classID)
        }
    }

    /// An emptied page of a class joins the pool (`slabs reassign N 0`); released at once while the
    /// memory limit is below what is held (a lowered `cache_memlimit`).
    func returnToPool(_ page: UnsafeMutableRawPointer) {
        pageLock.withLock {
            let index = (page - base) / pageSize
            pageOwners[index] = 0
            pool.push(index)
            releasePoolPagesOverLimit()
        }
    }

    /// Pages in the pool (`slab_global_page_pool`).
    var poolPages: Int {
        pageLock.withLock { pool.count }
    }

    /// Caller holds the page lock.
    private func give(_ index: Int, to classID: Int) -> UnsafeMutableRawPointer {
        pageOwners[index] = UInt8(classID)
        return base + index * pageSize
    }

    /// memcached's `memory_release`: pool pages go back to the system while more is held than the
    /// limit allows. Not with `-e`, whose file must keep every page for a restart (memcached keeps
    /// them too: its memory file is preallocated). Caller holds the page lock.
    private func releasePoolPagesOverLimit() {
        guard mapping.fileDescriptor < 0 else { return }
        while pagesHandedOut - released.count > pageLimit, let index = pool.pop() {
            // The kernel drops the page's memory; it reads as zeros when handed out again. Under
            // `-k` the locked page stays resident, but it is no longer counted, as memcached's free().
            _ = madvise(base + index * pageSize, pageSize, MADV_DONTNEED)
            pageOwners[index] = SlabArena.releasedOwner
            released.push(index)
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
            releasePoolPagesOverLimit()
            return true
        }
    }

    /// Pages reserved at start-up: the most a page limit may be.
    var reservedPages: Int { pageCount }

    var currentPageLimit: Int {
        pageLock.withLock { pageLimit }
    }

    /// Pages given to slab classes or held in the pool (`total_malloced`): released pages are not.
    var pagesInUse: Int {
        pageLock.withLock { pagesHandedOut - released.count }
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
