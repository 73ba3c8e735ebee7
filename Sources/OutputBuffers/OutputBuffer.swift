#if canImport(Glibc)
import Glibc
#endif

/// Lets go of what a splice pinned once its bytes are sent (or dropped): the engine's item pins.
public protocol SpliceOwner: AnyObject {
    func releaseSplice(_ token: UInt32)
}

/// A growable byte buffer that responses are appended to and the network layer drains from the front.
/// One per connection, reused across requests: appending does not allocate once it has grown.
///
/// Besides its own bytes it can hold *splices*: bytes that stay where they are (a pinned item's value
/// in slab memory) and go out in their place in the stream, so a large value is never copied. A
/// splice may carry a token, handed back to its `SpliceOwner` once its bytes are sent or dropped.
/// With no splice pending the buffer is one contiguous range (`readableBytes`), as it always was.
public struct OutputBuffer {
    public private(set) var storage: UnsafeMutableRawPointer
    public private(set) var capacity: Int
    /// Bytes already handed to the socket.
    public var readerIndex: Int { readIndex }
    /// End of the written bytes.
    public var writerIndex: Int { writeIndex }
    @usableFromInline var readIndex = 0
    @usableFromInline var writeIndex = 0
    /// Pending splices, oldest first; nil until the first one.
    @usableFromInline var splices: SpliceQueue?
    /// Unsent bytes of the pending splices.
    public private(set) var splicedCount: Int = 0
    /// Who takes splice tokens back (set with the first token).
    private var owner: SpliceOwner?

    public init(capacity: Int = 2048) {
        self.capacity = max(capacity, 64)
        storage = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    /// A buffer with no memory of its own yet (`adopt` lends it some; the first append that needs
    /// room allocates otherwise). Connections borrow their memory from a pool only while busy.
    public static var unallocated: OutputBuffer { OutputBuffer(storage: OutputBuffer.noStorage, capacity: 0) }

    private init(storage: UnsafeMutableRawPointer, capacity: Int) {
        self.storage = storage
        self.capacity = capacity
    }

    /// Stands for "no storage": never read or written (capacity 0), never freed.
    private static let noStorage = UnsafeMutableRawPointer(bitPattern: 64)!

    @inlinable public var hasStorage: Bool { capacity > 0 }

    /// Lends `block` (of `capacity` bytes) to a buffer that has no storage.
    public mutating func adopt(_ block: UnsafeMutableRawPointer, capacity: Int) {
        precondition(self.capacity == 0 && isEmpty, "adopt on a buffer that has storage")
        storage = block
        self.capacity = capacity
    }

    /// Hands the storage of an empty buffer back (the buffer then has none); nil if it has none.
    public mutating func surrender() -> (block: UnsafeMutableRawPointer, capacity: Int)? {
        precondition(isEmpty, "surrender with output pending")
        guard capacity > 0 else { return nil }
        let lent = (storage, capacity)
        storage = OutputBuffer.noStorage
        capacity = 0
        rewind()
        return lent
    }

    /// Frees the memory (and lets go of pending splices); the buffer must not be used afterwards.
    public mutating func deallocate() {
        splices.map { dropSplices(from: $0.pushed - $0.count) }
        splices?.deallocate()
        splices = nil
        if capacity > 0 { storage.deallocate() }
        capacity = 0
        readIndex = 0
        writeIndex = 0
    }

    /// Bytes waiting to be sent, spliced ones included.
    @inlinable public var readableCount: Int { writeIndex - readIndex + splicedCount }
    @inlinable public var isEmpty: Bool { writeIndex == readIndex && splicedCount == 0 }
    /// Whether splices are pending: then the unsent bytes are not one range (`gather`, `flattenSplices`).
    @inlinable public var hasSplices: Bool { splicedCount > 0 }
    /// Bytes this buffer itself holds unsent (what it costs in memory, splices aside).
    @inlinable public var ownedCount: Int { writeIndex - readIndex }
    /// Splices pending, sent or not yet (each pinned value counts once per piece).
    public var spliceCount: Int { splices?.count ?? 0 }

    /// The unsent bytes, when no splice is pending (see `gather` otherwise).
    @inlinable public var readableBytes: UnsafeRawBufferPointer {
        precondition(splicedCount == 0, "readableBytes with splices pending: use gather or flattenSplices")
        return UnsafeRawBufferPointer(start: storage + readIndex, count: writeIndex - readIndex)
    }

    /// Marks `count` bytes as sent, splices included (their tokens go back as they complete);
    /// when all are sent the buffer rewinds.
    @inlinable
    public mutating func consume(_ count: Int) {
        precondition(count <= readableCount)
        guard splicedCount > 0 else {
            readIndex += count
            if readIndex == writeIndex { rewind() }
            return
        }
        consumeWithSplices(count)
    }

    @inlinable mutating func rewind() {
        readIndex = 0
        writeIndex = 0
    }

    /// Makes room for `count` more bytes and returns where they go; `commitWrite` makes them readable.
    public mutating func reserve(_ count: Int) -> UnsafeMutableRawPointer {
        if writeIndex + count > capacity { grow(toFit: count) }
        return storage + writeIndex
    }

    public mutating func commitWrite(_ count: Int) {
        writeIndex += count
    }

    @inlinable
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let destination = reserve(bytes.count)
        destination.copyMemory(from: base, byteCount: bytes.count)
        commitWrite(bytes.count)
    }

    @inlinable
    public mutating func append(_ literal: StaticString) {
        append(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    @inlinable
    public mutating func append(byte: UInt8) {
        reserve(1).storeBytes(of: byte, as: UInt8.self)
        commitWrite(1)
    }

    /// Appends the decimal digits of `value`.
    public mutating func appendDecimal(_ value: UInt64) {
        let destination = reserve(DecimalDigits.maxCount)
        commitWrite(DecimalDigits.write(value, to: destination))
    }

    public mutating func appendDecimal(_ value: Int64) {
        if value < 0 {
            append(byte: UInt8(ascii: "-"))
            appendDecimal(UInt64(bitPattern: 0 &- value))
        } else {
            appendDecimal(UInt64(value))
        }
    }

    /// Keeps unsent bytes at the front so the tail can be reused, then grows if still short.
    private mutating func grow(toFit count: Int) {
        if readIndex > 0 {
            let pending = writeIndex - readIndex
            storage.copyMemory(from: storage + readIndex, byteCount: pending)
            splices?.shiftPositions(by: readIndex)
            readIndex = 0
            writeIndex = pending
            if writeIndex + count <= capacity { return }
        }
        var newCapacity = max(capacity * 2, 64)
        while newCapacity < writeIndex + count { newCapacity *= 2 }
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        if writeIndex > 0 { newStorage.copyMemory(from: storage, byteCount: writeIndex) }
        if capacity > 0 { storage.deallocate() }
        storage = newStorage
        capacity = newCapacity
    }

    /// Where the output stands now, to drop what follows with `rollBack(to:)`.
    public struct Mark {
        public let writeIndex: Int
        public let splices: Int
    }

    public var mark: Mark { Mark(writeIndex: writeIndex, splices: splices?.pushed ?? 0) }

    /// Bytes this buffer holds beyond `mark` (spliced bytes aside).
    public func ownedBytes(since mark: Mark) -> Int { writeIndex - mark.writeIndex }
    /// Splices added since `mark`.
    public func splices(since mark: Mark) -> Int { (splices?.pushed ?? 0) - mark.splices }

    /// Drops everything written after `mark` (nothing of it may have been sent), splices included.
    /// A multiget that fails half-way answers only its error, as memcached discards the VALUE lines
    /// it had stacked.
    public mutating func rollBack(to mark: Mark) {
        precondition(mark.writeIndex >= readIndex && mark.writeIndex <= writeIndex)
        dropSplices(from: mark.splices)
        writeIndex = mark.writeIndex
    }

    /// Gives back memory after a burst (a large multiget) once everything is sent.
    public mutating func shrink(to target: Int) {
        guard isEmpty, capacity > target, target > 0 else { return }
        storage.deallocate()
        storage = UnsafeMutableRawPointer.allocate(byteCount: target, alignment: 16)
        capacity = target
        if let queue = splices, queue.capacity > SpliceQueue.initialCapacity {
            queue.deallocate()
            splices = nil
        }
    }

    // MARK: Splices

    /// Sends `bytes` in place at this point of the stream, without copying them; `token` (if not 0)
    /// goes back to `owner` once they are sent or dropped. The bytes must stay valid until then.
    public mutating func appendSplice(_ bytes: UnsafeRawBufferPointer, token: UInt32 = 0, owner: SpliceOwner? = nil) {
        guard let base = bytes.baseAddress else { return }
        precondition(bytes.count > 0, "an empty splice")
        if let owner { self.owner = owner }
        if splices == nil { splices = SpliceQueue() }
        splices!.push(Splice(position: writeIndex, base: base, count: bytes.count, token: token))
        splicedCount += bytes.count
    }

    /// Fills `vectors` (room for `limit`) with the unsent bytes in stream order; returns how many.
    public func gather(into vectors: UnsafeMutablePointer<iovec>, limit: Int) -> Int {
        var used = 0
        var index = readIndex
        func add(_ base: UnsafeRawPointer, _ count: Int) {
            guard count > 0, used < limit else { return }
            vectors[used] = iovec(iov_base: UnsafeMutableRawPointer(mutating: base), iov_len: count)
            used += 1
        }
        splices?.forEachPending { splice in
            if splice.position > index {
                add(storage + index, splice.position - index)
                index = splice.position
            }
            add(splice.base + splice.sent, splice.count - splice.sent)
            return used < limit
        }
        if used < limit { add(storage + index, writeIndex - index) }
        return used
    }

    /// Copies every pending splice into the buffer in its place and lets go of them, so the unsent
    /// bytes are one range again (a datagram is cut from contiguous bytes).
    public mutating func flattenSplices() {
        guard splicedCount > 0 else { return }
        let total = readableCount
        let newCapacity = max(total, capacity)
        let flat = UnsafeMutableRawPointer.allocate(byteCount: max(newCapacity, 64), alignment: 16)
        var offset = 0
        forEachUnsentRange { range in
            if let base = range.baseAddress, range.count > 0 { (flat + offset).copyMemory(from: base, byteCount: range.count) }
            offset += range.count
        }
        splices.map { dropSplices(from: $0.pushed - $0.count) }
        if capacity > 0 { storage.deallocate() }
        storage = flat
        capacity = max(newCapacity, 64)
        readIndex = 0
        writeIndex = total
    }

    /// A copy of every unsent byte in stream order, splices included (for tests and diagnostics).
    public var unsentBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(readableCount)
        forEachUnsentRange { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Calls `body` with each unsent range in stream order.
    private func forEachUnsentRange(_ body: (UnsafeRawBufferPointer) -> Void) {
        var index = readIndex
        splices?.forEachPending { splice in
            if splice.position > index {
                body(UnsafeRawBufferPointer(start: storage + index, count: splice.position - index))
                index = splice.position
            }
            body(UnsafeRawBufferPointer(start: splice.base + splice.sent, count: splice.count - splice.sent))
            return true
        }
        body(UnsafeRawBufferPointer(start: storage + index, count: writeIndex - index))
    }

    @usableFromInline mutating func consumeWithSplices(_ count: Int) {
        var left = count
        while left > 0 {
            if let next = splices?.first, next.position == readIndex {
                let taken = min(left, next.count - next.sent)
                left -= taken
                splicedCount -= taken
                if next.sent + taken == next.count {
                    splices!.popFirst()
                    if next.token != 0 { owner?.releaseSplice(next.token) }
                } else {
                    splices!.advanceFirst(by: taken)
                }
            } else {
                let end = splices?.first?.position ?? writeIndex
                let taken = min(left, end - readIndex)
                precondition(taken > 0, "consumed past the written bytes")
                readIndex += taken
                left -= taken
            }
        }
        // Splices that sit at the very end of what was consumed and are empty cannot exist (count > 0).
        if splicedCount == 0 && readIndex == writeIndex { rewind() }
    }

    /// Drops the splices pushed after the first `keeping` (none of them sent), handing their tokens back.
    private mutating func dropSplices(from keeping: Int) {
        guard var queue = splices else { return }
        while queue.count > 0 && queue.pushed > keeping {
            let last = queue.popLast()
            splicedCount -= last.count - last.sent
            if last.token != 0 { owner?.releaseSplice(last.token) }
        }
        splices = queue
    }
}
