#if canImport(Glibc)
import Glibc
#endif

/// A growable byte buffer that responses are appended to and the network layer drains from the front.
/// One per connection, reused across requests: appending does not allocate once it has grown.
public struct OutputBuffer {
    public private(set) var storage: UnsafeMutableRawPointer
    public private(set) var capacity: Int
    /// Bytes already handed to the socket.
    public private(set) var readerIndex: Int = 0
    /// End of the written bytes.
    public private(set) var writerIndex: Int = 0

    public init(capacity: Int = 2048) {
        self.capacity = max(capacity, 64)
        storage = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    /// Frees the memory; the buffer must not be used afterwards.
    public mutating func deallocate() {
        storage.deallocate()
        capacity = 0
        readerIndex = 0
        writerIndex = 0
    }

    /// Bytes waiting to be sent.
    @inlinable public var readableCount: Int { writerIndex - readerIndex }
    @inlinable public var isEmpty: Bool { writerIndex == readerIndex }

    /// The unsent bytes.
    @inlinable public var readableBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage + readerIndex, count: writerIndex - readerIndex)
    }

    /// Marks `count` bytes as sent; when all are sent the buffer rewinds.
    public mutating func consume(_ count: Int) {
        precondition(count <= readableCount)
        readerIndex += count
        if readerIndex == writerIndex {
            readerIndex = 0
            writerIndex = 0
        }
    }

    /// Makes room for `count` more bytes and returns where they go; `commitWrite` makes them readable.
    public mutating func reserve(_ count: Int) -> UnsafeMutableRawPointer {
        if writerIndex + count > capacity { grow(toFit: count) }
        return storage + writerIndex
    }

    public mutating func commitWrite(_ count: Int) {
        writerIndex += count
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
        if readerIndex > 0 {
            let pending = writerIndex - readerIndex
            storage.copyMemory(from: storage + readerIndex, byteCount: pending)
            readerIndex = 0
            writerIndex = pending
            if writerIndex + count <= capacity { return }
        }
        var newCapacity = capacity * 2
        while newCapacity < writerIndex + count { newCapacity *= 2 }
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newStorage.copyMemory(from: storage, byteCount: writerIndex)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    /// Drops everything written after the first `keeping` unsent bytes. A multiget that fails
    /// half-way answers only its error, as memcached discards the VALUE lines it had stacked.
    public mutating func truncateReadable(to keeping: Int) {
        precondition(keeping >= 0 && keeping <= readableCount)
        writerIndex = readerIndex + keeping
    }

    /// Gives back memory after a burst (a large multiget) once everything is sent.
    public mutating func shrink(to target: Int) {
        guard isEmpty, capacity > target else { return }
        storage.deallocate()
        storage = UnsafeMutableRawPointer.allocate(byteCount: target, alignment: 16)
        capacity = target
    }
}
