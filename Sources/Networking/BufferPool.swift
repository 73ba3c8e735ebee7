/// The read and response buffers of one worker's connections: fixed-size blocks lent to a
/// connection only while it has unparsed input or unsent output, and taken back when it has none,
/// so an idle connection holds no buffer (memcached's rbuf/resp pools do the same). A few free
/// blocks are kept for reuse, so serving a request allocates nothing.
///
/// Owned by one worker thread (no lock); the byte total all workers' pools hold is shared through
/// `BufferMemory`, which enforces `-o read_buf_mem_limit`.
public final class BufferPool {
    /// The size of every block a worker's pool lends (public: `stats` reports response buffers in
    /// bytes as lent blocks times this).
    public static let standardBlockSize = 16 * 1024

    let blockSize: Int
    private let memory: BufferMemory
    private var free: [UnsafeMutableRawPointer] = []
    /// Free blocks kept beyond this go back to the allocator.
    private let maxFree: Int

    init(blockSize: Int, maxFree: Int = 64, memory: BufferMemory) {
        self.blockSize = blockSize
        self.maxFree = maxFree
        self.memory = memory
        free.reserveCapacity(maxFree)
    }

    deinit {
        for block in free { block.deallocate() }
        memory.release(blocks: free.count, blockSize: blockSize, free: free.count)
    }

    /// A block, or nil when `-o read_buf_mem_limit` leaves no room for another.
    func take() -> UnsafeMutableRawPointer? {
        if let block = free.popLast() {
            memory.noteReused(blockSize)
            return block
        }
        guard memory.reserve(blockSize) else { return nil }
        return UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 16)
    }

    /// Takes a block back (from the buffer it was lent to, unchanged in size).
    func give(_ block: UnsafeMutableRawPointer) {
        if free.count < maxFree {
            free.append(block)
            memory.noteFreed(blockSize)
        } else {
            block.deallocate()
            memory.release(blocks: 1, blockSize: blockSize, free: 0)
        }
    }

    /// A lent block was freed by the buffer holding it (it grew past the block size).
    func forget() { memory.release(blocks: 1, blockSize: blockSize, free: 0) }
}
