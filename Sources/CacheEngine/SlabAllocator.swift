import Locking

/// Free chunks per slab class. A class gets whole pages from the arena (the global page pool's first,
/// SlabArena.swift) and splits them into chunks of its size; freed chunks go back to the class's free list (linked through their first 4 bytes).
/// Each class's list and counts are guarded by that class's slab lock (last in the lock order).
///
/// Page moves (see SlabRebalancer.swift): while a page of a class is being evacuated, its free chunks
/// are off the free list and every chunk of it that comes back (`give`) or is taken away by the
/// rebalancer is counted instead of reused; when all of them are counted the page can change class.
final class SlabAllocator: @unchecked Sendable {
    struct ClassState {
        var freeHead: UInt32 = 0
        var freeCount = 0
        var totalPages = 0
        var usedChunks = 0
        /// The page being evacuated, or nil.
        var evacuating: UnsafeMutableRawPointer?
        /// Chunks of that page accounted for so far.
        var evacuated = 0
    }

    let arena: SlabArena
    let sizes: SlabSizeClasses
    /// Classes refused their first page because the pages allowed beyond the limit are spent.
    let firstPageWaits = FirstPageWaits()
    private let states: UnsafeMutablePointer<ClassState>
    private let locks: MutexArray

    init(arena: SlabArena, sizes: SlabSizeClasses) {
        self.arena = arena
        self.sizes = sizes
        let classCount = sizes.largestClass + 1
        states = .allocate(capacity: classCount)
        states.initialize(repeating: ClassState(), count: classCount)
        locks = MutexArray(count: classCount, layout: .contended)
    }

    func destroy() {
        states.deallocate()
        locks.destroy()
    }

    /// A free chunk of the class, taking a new page when the list is empty; nil when memory is exhausted.
    func take(_ classID: Int) -> UnsafeMutableRawPointer? {
        locks.lock(classID)
        defer { locks.unlock(classID) }
        if states[classID].freeHead == 0, !addPage(classID) {
            return nil
        }
        let reference = states[classID].freeHead
        let chunk = arena.pointer(reference)
        states[classID].freeHead = chunk.load(as: UInt32.self)
        states[classID].freeCount -= 1
        states[classID].usedChunks += 1
        return chunk
    }

    /// Returns a chunk to its class (or, if its page is being evacuated, to the evacuation).
    func give(_ chunk: UnsafeMutableRawPointer, classID: Int) {
        locks.lock(classID)
        defer { locks.unlock(classID) }
        if isInEvacuatingPage(chunk, classID) {
            states[classID].usedChunks -= 1
            states[classID].evacuated += 1
            return
        }
        chunk.storeBytes(of: states[classID].freeHead, as: UInt32.self)
        states[classID].freeHead = arena.reference(chunk)
        states[classID].freeCount += 1
        states[classID].usedChunks -= 1
    }

    /// Caller holds the class lock.
    private func addPage(_ classID: Int) -> Bool {
        let first = states[classID].totalPages == 0
        guard let page = arena.takePage(for: classID, firstOfItsClass: first) else {
            if first { firstPageWaits.insert(classID) }
            return false
        }
        threadChunks(of: page, into: classID)
        return true
    }

    /// Splits a page into the class's free list. Caller holds the class lock.
    private func threadChunks(of page: UnsafeMutableRawPointer, into classID: Int) {
        threadChunks(of: page, into: classID) { _ in false }
    }

    /// A page a warm restart took back from the memory file: its chunks that no item holds
    /// (`isUsed` false, by chunk index) become the class's free chunks. Start-up only.
    func adoptPage(_ page: UnsafeMutableRawPointer, classID: Int, isUsed: (Int) -> Bool) {
        locks.lock(classID)
        defer { locks.unlock(classID) }
        threadChunks(of: page, into: classID, isUsed: isUsed)
    }

    /// Adds a page to a class: chunks in use are counted, the others go on the free list, threaded
    /// in address order so the first allocations touch the page front to back. Caller holds the
    /// class lock.
    private func threadChunks(of page: UnsafeMutableRawPointer, into classID: Int, isUsed: (Int) -> Bool) {
        let chunkSize = sizes.chunkSizes[classID]
        for index in stride(from: sizes.chunksPerPage(classID) - 1, through: 0, by: -1) {
            if isUsed(index) {
                states[classID].usedChunks += 1
                continue
            }
            let chunk = page + index * chunkSize
            chunk.storeBytes(of: states[classID].freeHead, as: UInt32.self)
            states[classID].freeHead = arena.reference(chunk)
            states[classID].freeCount += 1
        }
        states[classID].totalPages += 1
    }

    // MARK: Evacuation (rebalancer thread)

    /// Starts evacuating the class's last page: its free chunks leave the free list. Nil when the class
    /// has fewer than two pages (memcached's NOSPARE) or is already evacuating.
    func beginEvacuation(_ classID: Int) -> UnsafeMutableRawPointer? {
        locks.lock(classID)
        defer { locks.unlock(classID) }
        guard states[classID].totalPages >= 2, states[classID].evacuating == nil,
              let page = arena.lastPage(of: classID) else { return nil }
        states[classID].evacuating = page
        states[classID].evacuated = 0
        // Walk the list through the addresses of its links, starting at the head field itself.
        var link = (UnsafeMutableRawPointer(states + classID) + MemoryLayout<ClassState>.offset(of: \.freeHead)!)
            .assumingMemoryBound(to: UInt32.self)
        while link.pointee != 0 {
            let chunk = arena.pointer(link.pointee)
            if isInEvacuatingPage(chunk, classID) {
                link.pointee = chunk.load(as: UInt32.self)
                states[classID].freeCount -= 1
                states[classID].evacuated += 1
            } else {
                link = chunk.assumingMemoryBound(to: UInt32.self)
            }
        }
        return page
    }

    /// Whether every chunk of the evacuating page is accounted for.
    func isEvacuated(_ classID: Int) -> Bool {
        locks.lock(classID)
        defer { locks.unlock(classID) }
        return states[classID].evacuated == sizes.chunksPerPage(classID)
    }

    /// Ends an evacuation and gives the empty page to `destination`'s free list, or to the global
    /// page pool when `destination` is 0.
    func movePage(from source: Int, to destination: Int) {
        locks.lock(source)
        let page = states[source].evacuating!
        states[source].evacuating = nil
        states[source].evacuated = 0
        states[source].totalPages -= 1
        locks.unlock(source)
        guard destination != 0 else {
            arena.returnToPool(page)
            return
        }
        arena.setOwner(of: page, to: destination)
        locks.lock(destination)
        threadChunks(of: page, into: destination)
        locks.unlock(destination)
    }

    /// `slabs reassign 0 N`: a pool page joins `destination`'s free list; nothing to evacuate. False
    /// when the pool holds fewer than two pages.
    func movePoolPage(to destination: Int) -> Bool {
        guard let page = arena.takePoolPage(for: destination) else { return false }
        locks.lock(destination)
        threadChunks(of: page, into: destination)
        locks.unlock(destination)
        return true
    }

    /// Caller holds the class lock.
    @inline(__always)
    private func isInEvacuatingPage(_ chunk: UnsafeMutableRawPointer, _ classID: Int) -> Bool {
        guard let page = states[classID].evacuating else { return false }
        return chunk >= page && chunk < page + arena.pageSize
    }

    func statistics(_ classID: Int) -> SlabClassStatistics {
        locks.lock(classID)
        defer { locks.unlock(classID) }
        var result = SlabClassStatistics()
        result.classID = classID
        result.chunkSize = sizes.chunkSizes[classID]
        result.chunksPerPage = sizes.chunksPerPage(classID)
        result.totalPages = states[classID].totalPages
        result.totalChunks = states[classID].totalPages * result.chunksPerPage
        result.usedChunks = states[classID].usedChunks
        result.freeChunks = states[classID].freeCount
        result.freeChunksEnd = 0
        return result
    }
}
