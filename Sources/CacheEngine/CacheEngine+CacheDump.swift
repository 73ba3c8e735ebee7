/// One item as `stats cachedump` lists it.
public struct DumpedItem {
    public let key: UnsafeRawBufferPointer
    public let valueLength: Int
    /// Unix time of expiry; 0 when it never expires (memcached prints it so).
    public let expiry: Int64
}

extension CacheEngine {
    /// `stats cachedump`: hands the items of one class to `visit`, newest first, until `limit` items
    /// (0: no limit) or until `visit` answers false. memcached lists only its COLD queue; this walks
    /// every queue of the class (hot, warm, cold, temp; S3-FIFO's small and main), head to tail.
    /// Like memcached it lists what is linked (an expired item not yet reclaimed too) and leaves out
    /// binary keys. Runs under the class's LRU lock, taking each item's stripe by try-lock (an item
    /// whose stripe is busy is left out): `visit` must not call the engine.
    public func cachedump(classID: Int, limit: Int, _ visit: (DumpedItem) -> Bool) {
        guard classID > 0, classID < lrus.classCount else { return }
        lrus.locks.lock(classID)
        defer { lrus.locks.unlock(classID) }
        var shown = 0
        for queue in LRUQueue.all {
            var reference = lrus.queueHead(classID, queue)
            while reference != 0 {
                if limit > 0 && shown >= limit { return }
                let item = arena.item(reference)
                reference = item.lruNext
                guard let entry = dumpEntry(item) else { continue }
                guard visit(entry) else { return }
                shown += 1
            }
        }
    }

    /// The item's listing, read under its stripe; nil for a binary key or a busy stripe.
    private func dumpEntry(_ item: Item) -> DumpedItem? {
        let stripe = table.stripe(KeyHash.hash(item.key))
        guard table.stripes.tryLock(stripe) else { return nil }
        defer { table.stripes.unlock(stripe) }
        guard !item.keyIsBinary else { return nil }
        let expiry = item.expiry == 0 ? 0 : clock.processStarted + Int64(item.expiry)
        return DumpedItem(key: item.key, valueLength: item.valueLength, expiry: expiry)
    }
}
