/// Bytes read from a connection and not yet consumed by its session. A block is taken from the
/// worker's `BufferPool` for a read and given back once the buffer is empty and the worker's sweep
/// finds the connection idle, so an idle connection costs no buffer. Reads go
/// into the free tail, the session consumes from the front, and the unconsumed rest is moved to the
/// front only when the tail runs out. Grows past the pool's block size when one request does not
/// fit; such a buffer is freed once empty.
struct InputBuffer {
    private(set) var storage: UnsafeMutableRawPointer?
    private(set) var capacity = 0
    /// unowned(unsafe): the worker owns the pool and outlives its connections.
    private unowned(unsafe) let pool: BufferPool
    /// The pool's block size, kept here so the request path does not follow the pool reference.
    private let blockSize: Int
    private var readerIndex = 0
    private var writerIndex = 0

    init(pool: BufferPool) {
        self.pool = pool
        blockSize = pool.blockSize
    }

    /// Gives the memory back, whatever it holds.
    mutating func deallocate() {
        readerIndex = 0
        writerIndex = 0
        releaseStorage()
    }

    var readableCount: Int { writerIndex - readerIndex }
    var isFull: Bool { capacity > 0 && readerIndex == 0 && writerIndex == capacity }
    var hasStorage: Bool { storage != nil }

    /// The bytes waiting for the session.
    var readable: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage.map { $0 + readerIndex }, count: writerIndex - readerIndex)
    }

    /// Takes a block from the pool for the next read; false when `-o read_buf_mem_limit` allows none.
    @inline(__always)
    mutating func acquireStorage() -> Bool {
        guard storage == nil else { return true }
        guard let block = pool.take() else { return false }
        storage = block
        capacity = blockSize
        return true
    }

    /// Room for the next read: compacts first, so the returned space is as large as possible
    /// without growing. Empty only when the buffer is full of unconsumed bytes (or has no storage).
    mutating func writableSpace() -> UnsafeMutableRawBufferPointer {
        guard let storage else { return UnsafeMutableRawBufferPointer(start: nil, count: 0) }
        if writerIndex == capacity && readerIndex > 0 { compact() }
        return UnsafeMutableRawBufferPointer(start: storage + writerIndex, count: capacity - writerIndex)
    }

    mutating func commitRead(_ count: Int) {
        writerIndex += count
    }

    /// Drops what the session handled; rewinds when nothing is left, and frees a buffer grown for
    /// one large request at once.
    @inline(__always)
    mutating func consume(_ count: Int) {
        readerIndex += count
        if readerIndex == writerIndex {
            readerIndex = 0
            writerIndex = 0
            if capacity != blockSize { releaseStorage() }
        }
    }

    /// Gives the block back if nothing waits in it.
    mutating func releaseIfEmpty() {
        if readerIndex == writerIndex { releaseStorage() }
    }

    /// Doubles the capacity (at least to `minimum`) so a request larger than the buffer can arrive whole.
    mutating func grow(minimum: Int = 0) {
        var newCapacity = capacity * 2
        while newCapacity < minimum { newCapacity *= 2 }
        compact()
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        if writerIndex > 0, let storage { newStorage.copyMemory(from: storage, byteCount: writerIndex) }
        releaseStorage()
        storage = newStorage
        capacity = newCapacity
    }

    private mutating func compact() {
        let pending = writerIndex - readerIndex
        if pending > 0, let storage { storage.copyMemory(from: storage + readerIndex, byteCount: pending) }
        readerIndex = 0
        writerIndex = pending
    }

    /// A pool block goes back to the pool; a grown buffer is freed.
    private mutating func releaseStorage() {
        guard let block = storage else { return }
        if capacity == blockSize { pool.give(block) } else { block.deallocate() }
        storage = nil
        capacity = 0
    }
}
