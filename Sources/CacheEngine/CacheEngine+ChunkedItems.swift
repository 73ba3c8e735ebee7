/// Allocating and freeing items of one chunk or of many (chunked items, see ChunkedItem.swift).
///
/// A chunked item takes its chunks one at a time through `obtainChunk`, so each may come from the
/// free list, a new page or an eviction (which frees a whole victim, chunked or not). The chain is
/// linked as it grows and ends in 0, so a store that cannot get every chunk gives back exactly the
/// ones it took and fails: nothing is ever linked half-built.
extension CacheEngine {
    /// An unlinked item with room for `valueLength` bytes of value: one chunk when it fits the largest
    /// class, else a chain of that class's chunks. Nil when memory cannot be had. The caller has
    /// checked the size limit. May be called while holding a stripe (eviction only try-locks).
    func reserveItem(key: UnsafeRawBufferPointer, flags: UInt32, expiry: UInt32, valueLength: Int) -> Item? {
        if let classID = sizes.classFor(size: Item.size(keyLength: key.count, valueLength: valueLength, flags: flags, withCAS: withCAS)) {
            guard let chunk = obtainChunk(classID) else { return nil }
            let item = Item(chunk)
            item.initialize(slabClass: classID, key: key, valueLength: valueLength, flags: flags,
                            expiry: expiry, now: clock.now, withCAS: withCAS)
            return item
        }
        return reserveChunkedItem(key: key, flags: flags, expiry: expiry, valueLength: valueLength)
    }

    private func reserveChunkedItem(key: UnsafeRawBufferPointer, flags: UInt32, expiry: UInt32, valueLength: Int) -> Item? {
        let classID = sizes.largestClass
        guard let head = obtainChunk(classID) else { return nil }
        let item = Item(head)
        item.initialize(slabClass: classID, key: key, valueLength: valueLength, flags: flags,
                        expiry: expiry, now: clock.now, withCAS: withCAS, chunked: true)
        item.chainHead = 0
        let valueChunks = ChunkedItem.valueChunkCount(headerAndKey: item.dataOffset + key.count, valueLength: valueLength,
                                                      chunkSize: geometry.chunkSize)
        // Where the next chunk's reference goes: the head's chain field, then each chunk's link.
        var link = head + (item.dataOffset - ChunkedItem.linkSize)
        for _ in 0..<valueChunks {
            guard let chunk = obtainChunk(classID) else {
                freeChunks(of: item)
                return nil
            }
            chunk.storeBytes(of: UInt32(0), as: UInt32.self)
            link.storeBytes(of: arena.reference(chunk), as: UInt32.self)
            link = chunk
        }
        return item
    }

    /// Gives every chunk of an unlinked item back to its class (or to a page evacuation); a pinned
    /// item's go back when its last reader unpins it (CacheEngine+Pinning.swift). Caller holds the
    /// item's stripe if the item was ever linked (only a linked item can be pinned).
    @inline(__always)
    func freeChunks(of item: Item) {
        if item.isPinned { return orphan(item) }
        if item.isChunked { freeValueChunks(of: item) }
        slabs.give(item.raw, classID: item.slabClass)
    }

    /// Gives back a chunked item's value chunks, keeping its head chunk (an evictor reuses it).
    func freeValueChunks(of item: Item) {
        var reference = item.chainHead
        item.chainHead = 0
        while reference != 0 {
            let chunk = arena.pointer(reference)
            reference = chunk.load(as: UInt32.self)  // read before `give` overwrites it with the free-list link
            slabs.give(chunk, classID: item.slabClass)
        }
    }

    /// Whether any chunk of the item lies in `page`. Its chain cannot change while it is in a queue,
    /// so the LRU lock the caller holds is enough.
    func occupies(_ item: Item, page: UnsafeMutableRawPointer) -> Bool {
        let end = page + arena.pageSize
        if item.raw >= page && item.raw < end { return true }
        guard item.isChunked else { return false }
        var reference = item.chainHead
        while reference != 0 {
            let chunk = arena.pointer(reference)
            if chunk >= page && chunk < end { return true }
            reference = chunk.load(as: UInt32.self)
        }
        return false
    }

    /// Copies an item's whole value into `writer`.
    func copyValue(of item: Item, into writer: inout ValueWriter) {
        ItemValue(item, geometry: geometry).forEachSegment { writer.write($0) }
    }
}
