/// The words of one command line, split on spaces as memcached's `tokenize_command` splits them.
/// Allocated once per connection and refilled for every line, so parsing allocates nothing.
public final class TokenTable {
    /// memcached keeps at most 23 words of a line (24 with its terminal marker); what follows stays
    /// unsplit. Commands other than the get family never accept that many, so the cap only matters
    /// for recognising "too many tokens" the way memcached does.
    public static let maxTokens = 23

    private let storage: UnsafeMutablePointer<ByteSpan>
    /// Number of words found (at most `maxTokens`).
    public private(set) var count = 0
    /// Where the unsplit rest of the line starts when the line had more words than `maxTokens`.
    public private(set) var remainderStart: Int? = nil
    /// End of the line the table was filled from.
    public private(set) var lineEnd = 0

    public init() {
        storage = .allocate(capacity: TokenTable.maxTokens)
        storage.initialize(repeating: ByteSpan(start: 0, count: 0), count: TokenTable.maxTokens)
    }

    deinit {
        storage.deinitialize(count: TokenTable.maxTokens)
        storage.deallocate()
    }

    @inlinable
    public subscript(index: Int) -> ByteSpan {
        precondition(index < count)
        return token(at: index)
    }

    @usableFromInline
    func token(at index: Int) -> ByteSpan { storage[index] }

    /// Splits `line` (a span of `bytes`) into words separated by runs of spaces.
    public func fill(from bytes: UnsafeRawBufferPointer, line: ByteSpan) {
        count = 0
        remainderStart = nil
        lineEnd = line.end
        var position = line.start
        while position < line.end {
            while position < line.end && bytes[position] == 0x20 { position += 1 }
            if position == line.end { break }
            if count == TokenTable.maxTokens {
                remainderStart = position
                return
            }
            let start = position
            while position < line.end && bytes[position] != 0x20 { position += 1 }
            storage[count] = ByteSpan(start: start, count: position - start)
            count += 1
        }
    }

    /// Every word from word `index` to the end of the line, including the unsplit rest: the key
    /// list of get/gets/gat/gats, which has no length limit.
    public func words(from index: Int) -> WordIterator {
        let start = index < count ? storage[index].start : (remainderStart ?? lineEnd)
        return WordIterator(position: start, end: lineEnd)
    }
}

/// Walks the space-separated words of a line one at a time without storing them.
public struct WordIterator {
    @usableFromInline var position: Int
    @usableFromInline let end: Int

    @inlinable
    public init(position: Int, end: Int) {
        self.position = position
        self.end = end
    }

    @inlinable
    public mutating func next(in bytes: UnsafeRawBufferPointer) -> ByteSpan? {
        while position < end && bytes[position] == 0x20 { position += 1 }
        guard position < end else { return nil }
        let start = position
        while position < end && bytes[position] != 0x20 { position += 1 }
        return ByteSpan(start: start, count: position - start)
    }
}
