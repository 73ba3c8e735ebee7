/// Pinned items: a response that sends a value straight from slab memory (no copy into the
/// connection's buffer) pins the item while its stripe is held, and unpins it once the bytes are sent.
///
/// A pinned item may still be deleted, replaced, expired, flushed or moved off its page: it is then
/// unlinked as usual (no reader can find it any more) but its chunks are not given back until the
/// last reader unpins it — `freeChunks` orphans it instead. Eviction and reclaiming at a queue's
/// tail pass pinned items over (`lrutail_reflocked`), as memcached passes over referenced items.
extension CacheEngine {
    /// Pins the item a read handed out. Call inside the read's closure (the stripe is held); the
    /// value's bytes then stay valid after it returns, until `unpin` with the returned token.
    public func pin(_ view: ItemView) -> UInt32 {
        guard let chunk = view.chunk else { preconditionFailure("pin of a view the engine did not make") }
        return pin(Item(chunk))
    }

    /// Pins the item a meta read handed out; see `pin(_: ItemView)`.
    public func pin(_ item: MetaItem) -> UInt32 { pin(item.item) }

    private func pin(_ item: Item) -> UInt32 {
        let reference = arena.reference(item.raw)
        pins.acquire(reference, bytes: item.totalSize)
        item.isPinned = true
        return reference
    }

    /// Lets go of a pin: the item's last reader gives an orphaned item's chunks back. Takes the
    /// item's stripe, so call it with no engine lock held.
    public func unpin(_ token: UInt32) {
        let item = arena.item(token)
        // The key is intact: the chunks of a pinned item are not reused, linked or not.
        let hash = KeyHash.hash(item.key)
        let stripe = table.stripe(hash)
        table.stripes.lock(stripe)
        defer { table.stripes.unlock(stripe) }
        let release = pins.release(token)
        guard release.remaining == 0 else { return }
        item.isPinned = false
        if release.orphaned { freeChunks(of: item) }
    }

    /// A pinned item was unlinked: its last reader frees it (kept out of line: `freeChunks` is on
    /// every delete's path and this is the rare case).
    @inline(never)
    func orphan(_ item: Item) {
        pins.orphan(arena.reference(item.raw))
    }

    /// How many items are pinned, and what the unlinked ones among them hold.
    func pinFigures() -> PinTable.Figures { pins.figures() }
}
