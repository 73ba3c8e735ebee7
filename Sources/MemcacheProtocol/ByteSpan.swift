/// A run of bytes inside the buffer a request is parsed from, as an offset and a length.
/// Offsets rather than pointers keep the value meaningful for as long as that buffer is,
/// and cost nothing to store in the preallocated token table.
public struct ByteSpan: Equatable, Sendable {
    public var start: Int
    public var count: Int

    @inlinable
    public init(start: Int, count: Int) {
        self.start = start
        self.count = count
    }

    @inlinable public var end: Int { start + count }
    @inlinable public var isEmpty: Bool { count == 0 }
}

extension UnsafeRawBufferPointer {
    /// The bytes of `span` in this buffer.
    @inlinable
    public subscript(span span: ByteSpan) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[span.start..<span.end])
    }

    /// Whether the bytes of `span` equal an ASCII literal (like memcached's `strcmp` on a token).
    @inlinable
    public func span(_ span: ByteSpan, equals literal: StaticString) -> Bool {
        guard span.count == literal.utf8CodeUnitCount else { return false }
        let other = literal.utf8Start
        for index in 0..<span.count where self[span.start + index] != other[index] {
            return false
        }
        return true
    }

    /// Whether the bytes of `span` begin with an ASCII literal (memcached's `strncmp`).
    @inlinable
    public func span(_ span: ByteSpan, hasPrefix literal: StaticString) -> Bool {
        guard span.count >= literal.utf8CodeUnitCount else { return false }
        return self.span(ByteSpan(start: span.start, count: literal.utf8CodeUnitCount), equals: literal)
    }
}
