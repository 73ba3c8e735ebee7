import CacheEngine

/// The lines memcached 1.6.18 logs around commands other than get/gets/gat/gats: every command that
/// looks its key up (touch, incr, decr, delete, the meta commands, the binary ones) logs that lookup
/// as `type=item_get`, and every store logs the lookup its store makes before `type=item_store`.
/// These run only while someone watches the stream, and look the key up once more for its line (the
/// command's own lookup carries nothing for watchers), without moving or freeing the item; another
/// client's change between the two lookups can make the line differ from what the command saw.
extension WatchHub {
    /// `fetchers`: the lookup a command is about to make of `key`.
    func logLookup(_ key: UnsafeRawBufferPointer, in engine: CacheEngine, descriptor: Int32) {
        let found = engine.watchedLookup(key)
        itemFetched(key, found.result, slabClass: found.slabClass, descriptor: descriptor, size: found.size)
    }

    /// An item ma made itself on a miss (N): memcached stores it with add, whose own lookup finds
    /// nothing (`fetchers`) before the add succeeds (`mutations`). (mg's N links its item without a
    /// store: only its own lookup is logged.)
    func logCreated(_ key: UnsafeRawBufferPointer, in engine: CacheEngine, descriptor: Int32) {
        if self.switch.isOn(.fetchers) { itemFetched(key, .miss, slabClass: 0, descriptor: descriptor, size: 0) }
        guard self.switch.isOn(.mutations) else { return }
        let made = engine.watchedLookup(key)
        // memcached adds the item without an expiry and gives it N's afterwards: its line says ttl=0.
        itemStored(key, .stored, command: .add, ttl: 0, slabClass: made.slabClass, descriptor: descriptor, size: made.size)
    }

    /// Commits `pending` through `commit`, logging the store's lookup (`fetchers`) and its outcome
    /// (`mutations`) as memcached does. `pending` is read before the commit, which may free it.
    func commitLogged<Outcome>(_ pending: PendingItem, _ mode: StoreMode, in engine: CacheEngine, descriptor: Int32,
                               commit: () -> Outcome, result: (Outcome) -> StoreResult) -> Outcome {
        let item = WatchedItem(pending)
        let key = Array(pending.key)
        if self.switch.isOn(.fetchers) { key.withUnsafeBytes { logLookup($0, in: engine, descriptor: descriptor) } }
        let outcome = commit()
        if self.switch.isOn(.mutations) { logStore(item, key: key, result(outcome), mode, in: engine, descriptor: descriptor) }
        return outcome
    }

    /// A meta or binary store's commit (ms, set/add/…, the add of a binary incr's initial value),
    /// logged; callers test their `watchSwitch` for `.stores` first and call `engine.commitMeta`
    /// themselves otherwise, so the path nobody watches reads nothing of the hub. Out of line so
    /// the store paths stay as small as they were.
    @inline(never)
    func commitMetaLogged(_ pending: PendingItem, _ options: MetaStoreOptions, in engine: CacheEngine,
                                  descriptor: Int32) -> (result: StoreResult, cas: UInt64, comparedClass: Int) {
        commitLogged(pending, options.mode, in: engine, descriptor: descriptor,
                     commit: { engine.commitMeta(pending, options) }, result: { $0.result })
    }

    /// `mutations`: a store's outcome; `item` was read before the commit.
    func logStore(_ item: WatchedItem, key: [UInt8], _ result: StoreResult, _ mode: StoreMode,
                  in engine: CacheEngine, descriptor: Int32) {
        let ttl = Self.secondsLeft(item.expiry, in: engine)
        var item = item
        key.withUnsafeBytes { key in
            // memcached reports what an append or prepend made: the joined value.
            if result == .stored, mode == .append || mode == .prepend, let made = engine.storedShape(of: key) {
                (item.slabClass, item.size) = made
            }
            itemStored(key, result, command: mode, ttl: ttl, slabClass: item.slabClass, descriptor: descriptor, size: item.size)
        }
    }

    /// A line's `ttl=`: seconds until `expiry` (0: never expires, or already gone).
    private static func secondsLeft(_ expiry: UInt32, in engine: CacheEngine) -> Int {
        let now = engine.clock.now
        return expiry > now ? Int(expiry - now) : 0
    }
}

/// What a log line says of an item, copied out while the engine showed it.
struct WatchedItem {
    var slabClass: Int
    var size: Int
    var expiry: UInt32

    init(_ pending: PendingItem) {
        slabClass = pending.slabClass
        size = pending.valueLength
        expiry = pending.expiry
    }
}
