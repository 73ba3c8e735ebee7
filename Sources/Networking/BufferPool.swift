import Atomics

/// The read and response buffers of one worker's connections: fixed-size blocks lent to a
/// connection only while it has unparsed input or unsent output, and taken back when it has none,
/// so an idle connection holds no buffer (memcached's rbuf/resp pools do the same). A few free
/// blocks are kept for reuse, so serving a request allocates nothing.
///
/// Owned by one worker thread (no lock); the byte total all workers' pools hold is shared through
/// `BufferMemory`, which enforces `-o read_buf_mem_limit` (touched only when a block is allocated
/// or freed), and the pool's free bytes are its own gauge there.
public final class BufferPool {
    /// The size of every block a worker's pool lends (public: `stats` reports response buffers in
    /// bytes as lent blocks times this).
    public static let standardBlockSize = 16 * 1024

    let blockSize: Int
    private let memory: BufferMemory
    /// The free blocks: a stack of at most `maxFree` in memory of its own, so a lend or a return
    /// is a load or store and a count, with no array bookkeeping on the request path.
    private let free: UnsafeMutablePointer<UnsafeMutableRawPointer>
    private var freeCount = 0
    /// Free blocks kept beyond this go back to the allocator.
    private let maxFree: Int
    /// Blocks lent out now, and how many may stay lent between requests (`isOverBudget`).
    private var lent = 0
    private let lendingBudget: Int
    /// The free bytes this pool keeps, for `stats` (`BufferMemory.figures`): written only here.
    private let freeGauge: ManagedAtomic<Int>

    init(blockSize: Int, maxFree: Int = 64, lendingBudget: Int = 256, memory: BufferMemory) {
        self.blockSize = blockSize
        self.maxFree = maxFree
        self.lendingBudget = lendingBudget
        self.memory = memory
        free = .allocate(capacity: maxFree)
        freeGauge = memory.makeFreeGauge()
    }

    deinit {
        for index in 0..<freeCount { free[index].deallocate() }
        memory.release(blocks: freeCount, blockSize: blockSize)
        free.deallocate()
        freeGauge.store(0, ordering: .relaxed)
    }

    /// More blocks are lent than may wait idle in connections until the sweep (256: 4 MB a
    /// worker): connections then give theirs back as soon as they are empty.
    var isOverBudget: Bool { @inline(__always) get { lent > lendingBudget } }

    /// A block, or nil when `-o read_buf_mem_limit` leaves no room for another.
    @inline(__always)
    func take() -> UnsafeMutableRawPointer? {
        lent += 1
        if freeCount > 0 {
            freeCount -= 1
            publishFree()
            return free[freeCount]
        }
        guard memory.reserve(blockSize) else {
            lent -= 1
            return nil
        }
        return UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 16)
    }

    /// Takes a block back (from the buffer it was lent to, unchanged in size).
    @inline(__always)
    func give(_ block: UnsafeMutableRawPointer) {
        lent -= 1
        if freeCount < maxFree {
            free[freeCount] = block
            freeCount += 1
            publishFree()
        } else {
            block.deallocate()
            memory.release(blocks: 1, blockSize: blockSize)
        }
    }

    /// A lent block was freed by the buffer holding it (it grew past the block size).
    func forget() {
        lent -= 1
        memory.release(blocks: 1, blockSize: blockSize)
    }

    /// A plain store by the one thread that writes it: no read-modify-write on a shared line.
    @inline(__always)
    private func publishFree() { freeGauge.store(freeCount * blockSize, ordering: .relaxed) }
}
