/// Items larger than the largest slab class (`slab_chunk_max`) are "chunked": stored across several
/// chunks of the largest class instead of one big block, so slab pages stay 1 MB whatever `-I` is.
///
///     head chunk (an ordinary item header with the chain bit set, dataOffset 32 to 44):
///       0…27   fixed item header (Item.swift), then cas (8, with CAS) and flags (4, when non-zero)
///       dataOffset - 4  4  chain: reference of the first value chunk
///       dataOffset      …  key, then the first value bytes, up to the end of the chunk
///     value chunk (slab_chunk_max bytes):
///       0      4  reference of the next value chunk (0 = last)
///       4      …  value bytes, up to the end of the chunk (the last one may be partly used)
///
/// All chunks come from the largest class, so a chunked item is one item of that class: one entry in
/// the hash table and in that class's queue, evicted, deleted or replaced as a whole; its memory is
/// the class's chunks, counted against `-m` like any other. Bit 1 of the layout byte marks it
/// (ItemFlags.chained), the byte that holds `dataOffset`, so the one-chunk path tests a byte it reads anyway.
@usableFromInline
enum ChunkedItem {
    /// Bytes of one chain reference.
    @usableFromInline static let linkSize = 4
    /// The smallest largest-chunk this layout supports: a head chunk must hold a 44-byte header and
    /// a 250-byte key.
    static let minimumChunkSize = 512

    /// Value chunks an item needs besides its head chunk.
    static func valueChunkCount(headerAndKey: Int, valueLength: Int, chunkSize: Int) -> Int {
        let inHead = max(0, chunkSize - headerAndKey)
        let rest = max(0, valueLength - inHead)
        let perChunk = chunkSize - linkSize
        return (rest + perChunk - 1) / perChunk
    }
}

/// What a reader or writer needs to follow a chain: where the arena is and how large a chunk is.
@usableFromInline
struct ChunkGeometry {
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let shift: Int
    /// Bytes of a chunk of the largest class.
    @usableFromInline let chunkSize: Int

    init(base: UnsafeMutableRawPointer, shift: Int, chunkSize: Int) {
        self.base = base
        self.shift = shift
        self.chunkSize = chunkSize
    }

    /// Value bytes one value chunk holds.
    @usableFromInline var payload: Int { @inline(__always) get { chunkSize - ChunkedItem.linkSize } }

    @inlinable @inline(__always)
    func chunk(_ reference: UInt32) -> UnsafeMutableRawPointer { base + (Int(reference &- 1) << shift) }
}

extension Item {
    /// The layout byte's chain bit (ItemFlags.chained).
    var isChunked: Bool { @inline(__always) get { layout & ItemFlags.chained != 0 } }

    /// A chunked item's first value chunk (0 = none yet).
    var chainHead: UInt32 {
        get { raw.load(fromByteOffset: dataOffset - ChunkedItem.linkSize, as: UInt32.self) }
        nonmutating set { raw.storeBytes(of: newValue, toByteOffset: dataOffset - ChunkedItem.linkSize, as: UInt32.self) }
    }

    /// Value bytes stored in the item's own chunk.
    @inline(__always)
    func valueBytesInHead(chunkSize: Int) -> Int {
        isChunked ? min(valueLength, chunkSize - dataOffset - keyLength) : valueLength
    }
}
