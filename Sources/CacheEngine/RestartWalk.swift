/// The first pass of a warm restart: follow every eviction queue the meta file names through the
/// memory file and check each item before anything is changed. The memory file is untrusted input:
/// a reference must name the start of a chunk in a page of the right class, each chunk may be met
/// once, a header must read as one this layout writes, a chain must be exactly as long as its value
/// needs, and a queue exactly as long as the meta file says. The first thing that does not hold
/// refuses the whole file (`.inconsistentMemory`), and the cache starts empty.
struct RestartWalk {
    /// The live items of one queue, head first.
    struct QueueItems {
        let classID: Int
        let references: [UInt32]
    }

    let arena: SlabArena
    let sizes: SlabSizeClasses
    let owners: [UInt8]
    let withCAS: Bool
    let itemSizeMax: Int
    let queueMask: UInt8
    /// Expired or flushed: such an item is dropped, its chunks left free.
    let isDead: (Item) -> Bool
    private(set) var claims: ChunkClaims
    private(set) var dropped = 0

    init(arena: SlabArena, sizes: SlabSizeClasses, owners: [UInt8], withCAS: Bool, itemSizeMax: Int,
         queueMask: UInt8, isDead: @escaping (Item) -> Bool) {
        self.arena = arena
        self.sizes = sizes
        self.owners = owners
        self.withCAS = withCAS
        self.itemSizeMax = itemSizeMax
        self.queueMask = queueMask
        self.isDead = isDead
        claims = ChunkClaims(owners: owners, sizes: sizes)
    }

    /// Every queue's live items; dead ones counted in `dropped`, their chunks left unclaimed.
    mutating func collect(_ queues: [WarmRestartMeta.Queue]) throws(WarmRestartRefusal) -> [QueueItems] {
        var result = [QueueItems]()
        var deadHeads = [Int]()
        for queue in queues {
            var live = [UInt32]()
            var reference = queue.head
            for _ in 0..<queue.count {
                guard reference != 0 else { throw .inconsistentMemory("class \(queue.classID) queue \(queue.queue) ends early") }
                let bit = try claimChunk(reference, classID: queue.classID)
                let item = arena.item(reference)
                try checkHeader(item, classID: queue.classID, queue: queue.queue)
                if isDead(item) {
                    deadHeads.append(bit)
                } else {
                    try claimChain(of: item)
                    live.append(reference)
                }
                reference = item.lruNext
            }
            guard reference == 0 else { throw .inconsistentMemory("class \(queue.classID) queue \(queue.queue) runs on") }
            result.append(QueueItems(classID: queue.classID, references: live))
        }
        for bit in deadHeads { claims.release(bit) }
        dropped = deadHeads.count
        return result
    }

    /// Gives back the chunks of a live item `collect` claimed (head and chain, checked then).
    mutating func release(_ item: Item) {
        if let bit = chunkBit(arena.reference(item.raw), classID: item.slabClass) { claims.release(bit) }
        guard item.isChunked else { return }
        var reference = item.chainHead
        while reference != 0, let bit = chunkBit(reference, classID: sizes.largestClass) {
            claims.release(bit)
            reference = arena.pointer(reference).load(as: UInt32.self)
        }
    }

    /// The claim bit of the chunk `reference` names, which must start a chunk of a page of `classID`
    /// and not have been met before.
    private mutating func claimChunk(_ reference: UInt32, classID: Int) throws(WarmRestartRefusal) -> Int {
        guard let bit = chunkBit(reference, classID: classID) else {
            throw .inconsistentMemory("reference \(reference) is no chunk of class \(classID)")
        }
        guard claims.claim(bit) else { throw .inconsistentMemory("chunk \(reference) is used twice") }
        return bit
    }

    func chunkBit(_ reference: UInt32, classID: Int) -> Int? {
        guard reference != 0 else { return nil }
        let offset = Int(reference - 1) << arena.shift
        let page = offset / arena.pageSize
        guard page < owners.count, Int(owners[page]) == classID else { return nil }
        let within = offset - page * arena.pageSize
        let chunkSize = sizes.chunkSizes[classID]
        guard within % chunkSize == 0, within / chunkSize < sizes.chunksPerPage(classID) else { return nil }
        return claims.bit(page: page, chunk: within / chunkSize)
    }

    /// The header fields the engine relies on when it reads, frees or evicts the item.
    private func checkHeader(_ item: Item, classID: Int, queue: Int) throws(WarmRestartRefusal) {
        let chunked = item.isChunked
        // The layout byte as `initialize` writes it: the offset the stored parts add up to, CAS as the
        // engine runs, stored flags non-zero, the unused bit clear.
        let expectedOffset = Item.headerSize(withCAS: item.hasCAS, storesFlags: item.hasClientFlags, chunked: chunked)
        let chunkSize = sizes.chunkSizes[classID]
        var fits = (1...250).contains(item.keyLength) && item.dataOffset == expectedOffset && item.hasCAS == withCAS
        fits = fits && item.layout & ItemFlags.layoutUnused == 0 && item.hasClientFlags == (item.clientFlags != 0)
        fits = fits && item.valueLength <= itemSizeMax
        fits = fits && item.slabClass == classID && item.isLinked && item.queueIndex(queueMask) == queue
        fits = fits && (chunked ? classID == sizes.largestClass && item.dataOffset + item.keyLength <= chunkSize
                                : item.totalSize <= chunkSize)
        guard fits else { throw .inconsistentMemory("bad item header in class \(classID)") }
    }

    /// A chunked item's value chunks: exactly as many as its value needs, all of the largest class,
    /// the last ending the chain.
    private mutating func claimChain(of item: Item) throws(WarmRestartRefusal) {
        guard item.isChunked else { return }
        let classID = sizes.largestClass
        let needed = ChunkedItem.valueChunkCount(headerAndKey: item.dataOffset + item.keyLength, valueLength: item.valueLength,
                                                 chunkSize: sizes.chunkSizes[classID])
        var reference = item.chainHead
        for _ in 0..<needed {
            guard reference != 0 else { throw .inconsistentMemory("a chunked item's chain ends early") }
            _ = try claimChunk(reference, classID: classID)
            reference = arena.pointer(reference).load(as: UInt32.self)
        }
        guard reference == 0 else { throw .inconsistentMemory("a chunked item's chain runs on") }
    }
}
