/// The bytes of an item's value, read-only: one segment for an item in one chunk (every item up to
/// `slab_chunk_max`), several for a chunked item (ChunkedItem.swift). Valid only while the item's
/// stripe is held, like the `ItemView` or `MetaItem` that hands it out.
public struct ItemValue {
    public let count: Int
    @usableFromInline let head: UnsafeRawBufferPointer
    @usableFromInline let chain: UInt32
    @usableFromInline let geometry: ChunkGeometry

    init(_ item: Item, geometry: ChunkGeometry) {
        count = item.valueLength
        head = UnsafeRawBufferPointer(start: item.valuePointer, count: item.valueBytesInHead(chunkSize: geometry.chunkSize))
        chain = item.isChunked ? item.chainHead : 0
        self.geometry = geometry
    }

    /// The whole value when it lies in one piece; nil for a chunked item.
    @inlinable public var contiguous: UnsafeRawBufferPointer? { head.count == count ? head : nil }

    /// Calls `body` with each piece of the value, in order (once, for an item in one chunk).
    @inlinable
    public func forEachSegment(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        try body(head)
        var remaining = count - head.count
        var reference = chain
        while remaining > 0 {
            let chunk = geometry.chunk(reference)
            reference = chunk.load(as: UInt32.self)
            let length = min(remaining, geometry.payload)
            try body(UnsafeRawBufferPointer(start: chunk + ChunkedItem.linkSize, count: length))
            remaining -= length
        }
    }

    /// Copies the whole value to `destination` (which has room for `count` bytes).
    @inlinable
    public func copyBytes(to destination: UnsafeMutableRawPointer) {
        var offset = 0
        forEachSegment { segment in
            if let source = segment.baseAddress, segment.count > 0 {
                (destination + offset).copyMemory(from: source, byteCount: segment.count)
            }
            offset += segment.count
        }
    }
}

/// A cursor that fills an item's value front to back, chunk by chunk: how a store's data block goes
/// into a pending item as it arrives, whatever the item's layout.
public struct ValueWriter {
    @usableFromInline var segment: UnsafeMutableRawPointer
    @usableFromInline var segmentRemaining: Int
    /// Value bytes after the current segment.
    @usableFromInline var afterSegment: Int
    @usableFromInline var next: UInt32
    @usableFromInline let geometry: ChunkGeometry

    init(_ item: Item, geometry: ChunkGeometry) {
        segment = item.valuePointer
        segmentRemaining = item.valueBytesInHead(chunkSize: geometry.chunkSize)
        afterSegment = item.valueLength - segmentRemaining
        next = item.isChunked ? item.chainHead : 0
        self.geometry = geometry
    }

    /// Bytes still to be written.
    @inlinable public var remaining: Int { segmentRemaining + afterSegment }

    /// Appends `bytes` to the value; at most `remaining` bytes.
    @inlinable
    public mutating func write(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= remaining, "value written beyond its length")
        guard var source = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            if segmentRemaining == 0 { advance() }
            let length = min(left, segmentRemaining)
            segment.copyMemory(from: source, byteCount: length)
            segment += length
            source += length
            segmentRemaining -= length
            left -= length
        }
    }

    /// Moves to the next value chunk.
    @usableFromInline
    mutating func advance() {
        let chunk = geometry.chunk(next)
        next = chunk.load(as: UInt32.self)
        segment = chunk + ChunkedItem.linkSize
        segmentRemaining = min(afterSegment, geometry.payload)
        afterSegment -= segmentRemaining
    }
}
