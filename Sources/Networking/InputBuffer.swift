/// Bytes read from a connection and not yet consumed by its session. One per connection, reused:
/// reads go into the free tail, the session consumes from the front, and the unconsumed rest is moved
/// to the front only when the tail runs out. Grows when one request does not fit; shrinks back once
/// empty so an occasional large item does not pin memory on an idle connection.
struct InputBuffer {
    private(set) var storage: UnsafeMutableRawPointer
    private(set) var capacity: Int
    let initialCapacity: Int
    /// Capacity kept when empty; above it the buffer returns to `initialCapacity`.
    let keepCapacity: Int
    private var readerIndex = 0
    private var writerIndex = 0

    init(capacity: Int, keepCapacity: Int) {
        initialCapacity = capacity
        self.keepCapacity = max(capacity, keepCapacity)
        self.capacity = capacity
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    mutating func deallocate() {
        storage.deallocate()
        capacity = 0
        readerIndex = 0
        writerIndex = 0
    }

    var readableCount: Int { writerIndex - readerIndex }
    var isFull: Bool { readerIndex == 0 && writerIndex == capacity }

    /// The bytes waiting for the session.
    var readable: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage + readerIndex, count: writerIndex - readerIndex)
    }

    /// Room for the next read: compacts first, so the returned space is as large as possible
    /// without growing. Empty only when the buffer is full of unconsumed bytes.
    mutating func writableSpace() -> UnsafeMutableRawBufferPointer {
        if writerIndex == capacity && readerIndex > 0 { compact() }
        return UnsafeMutableRawBufferPointer(start: storage + writerIndex, count: capacity - writerIndex)
    }

    mutating func commitRead(_ count: Int) {
        writerIndex += count
    }

    /// Drops what the session handled; rewinds (and gives back a burst's memory) when nothing is left.
    mutating func consume(_ count: Int) {
        readerIndex += count
        if readerIndex == writerIndex {
            readerIndex = 0
            writerIndex = 0
            if capacity > keepCapacity { resize(to: initialCapacity) }
        }
    }

    /// Doubles the capacity (at least to `minimum`) so a request larger than the buffer can arrive whole.
    mutating func grow(minimum: Int = 0) {
        var newCapacity = capacity * 2
        while newCapacity < minimum { newCapacity *= 2 }
        resize(to: newCapacity)
    }

    private mutating func compact() {
        let pending = writerIndex - readerIndex
        if pending > 0 { storage.copyMemory(from: storage + readerIndex, byteCount: pending) }
        readerIndex = 0
        writerIndex = pending
    }

    private mutating func resize(to newCapacity: Int) {
        compact()
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        if writerIndex > 0 { newStorage.copyMemory(from: storage, byteCount: writerIndex) }
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }
}
