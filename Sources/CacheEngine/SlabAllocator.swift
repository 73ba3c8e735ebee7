/// Free chunks per slab class. A class gets whole pages from the arena and splits them into chunks of
/// its size; freed chunks go back to the class's free list (linked through their first 4 bytes).
/// Each class's list and counts are guarded by that class's slab lock (last in the lock order).
final class SlabAllocator: @unchecked Sendable {
    struct ClassState {
        var freeHead: UInt32 = 0
        var freeCount = 0
        var totalPages = 0
        var usedChunks = 0
    }

    let arena: SlabArena
    let sizes: SlabSizeClasses
    private let states: UnsafeMutablePointer<ClassState>
    private let locks: MutexArray

    init(arena: SlabArena, sizes: SlabSizeClasses) {
        self.arena = arena
        self.sizes = sizes
        let classCount = sizes.largestClass + 1
        states = .allocate(capacity: classCount)
        states.initialize(repeating: ClassState(), count: classCount)
        locks = MutexArray(count: classCount)
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

    /// Returns a chunk to its class.
    func give(_ chunk: UnsafeMutableRawPointer, classID: Int) {
        locks.lock(classID)
        defer { locks.unlock(classID) }
        chunk.storeBytes(of: states[classID].freeHead, as: UInt32.self)
        states[classID].freeHead = arena.reference(chunk)
        states[classID].freeCount += 1
        states[classID].usedChunks -= 1
    }

    /// Caller holds the class lock.
    private func addPage(_ classID: Int) -> Bool {
        guard let page = arena.takePage(firstOfItsClass: states[classID].totalPages == 0) else { return false }
        let chunkSize = sizes.chunkSizes[classID]
        let chunks = sizes.chunksPerPage(classID)
        // Thread the chunks in address order so the first allocations touch the page front to back.
        for index in stride(from: chunks - 1, through: 0, by: -1) {
            let chunk = page + index * chunkSize
            chunk.storeBytes(of: states[classID].freeHead, as: UInt32.self)
            states[classID].freeHead = arena.reference(chunk)
        }
        states[classID].freeCount += chunks
        states[classID].totalPages += 1
        return true
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
