import Atomics

/// The shared cache: slab memory, hash table, per-class LRUs. Thread-safe; see docs/architecture.md
/// for which lock protects what. Keys are raw bytes (at most 250); nothing here knows a protocol.
///
/// Stores are two-phase, as in memcached: `allocate` reserves a chunk sized for the value before the
/// data arrives (so a too-large or out-of-memory item is known before reading it), the caller fills
/// the value through `PendingItem.makeWriter()`, then `commit` links it (or `release` gives it back).
/// Values larger than `slab_chunk_max` span several chunks (ChunkedItem.swift).
///
/// Lock order: key stripe → class LRU lock → class slab lock → arena page lock. The eviction path
/// holds an LRU lock and only try-locks stripes, so it never waits against that order.
public final class CacheEngine: @unchecked Sendable {
    /// memcached's ITEM_UPDATE_INTERVAL: a fetched item moves to the LRU head at most this often.
    static let bumpInterval: UInt32 = 60
    /// How many items at an LRU tail are examined for one allocation (memcached looks at 5).
    static let evictionSearchDepth = 5

    public let configuration: EngineConfiguration
    public let clock: CacheClock
    let arena: SlabArena
    let sizes: SlabSizeClasses
    let slabs: SlabAllocator
    let lrus: LRULists
    let table: HashTable
    /// The eviction policy, chosen at start-up (InstalledStrategy.swift).
    let strategy: InstalledStrategy
    /// How value chunks of chunked items are found (arena base, reference shift, largest chunk).
    let geometry: ChunkGeometry
    /// The segmented LRU's run-time settings (`lru tune|mode|temp_ttl`); kept for every policy so
    /// `lru tune` answers alike. Only the segmented policy reads them.
    public let tuning: LRUTuning
    /// Readers of items sent straight from slab memory (CacheEngine+Pinning.swift).
    let pins = PinTable()
    /// `watch evictions`: off unless a watcher wants evictions (EvictionWatch.swift).
    public let evictionWatch = EvictionWatch()
    private(set) var maintainer: LRUMaintainer?
    private var expander: HashExpander?
    private(set) var rebalancer: SlabRebalancer?
    private(set) var crawler: LRUCrawler?
    let withCAS: Bool
    let casCounter = ManagedAtomic<UInt64>(0)
    /// flush_all's horizon: items last stored or bumped at or before it are gone (0 = none).
    let oldestLive = ManagedAtomic<UInt32>(0)
    let oldestCAS = ManagedAtomic<UInt64>(0)
    /// What `-e` found at start-up (WarmRestart.swift).
    public private(set) var warmRestart: WarmRestartOutcome = .off

    public convenience init(configuration: EngineConfiguration, clock: CacheClock = CacheClock()) {
        self.init(configuration: configuration, clock: clock, strategy: InstalledStrategy(configuration))
    }

    /// An engine running `strategy` (`configuration.evictionPolicy` is then only its name in `stats`).
    init(configuration: EngineConfiguration, clock: CacheClock, strategy: InstalledStrategy) {
        self.configuration = configuration
        self.strategy = strategy
        withCAS = configuration.casEnabled
        let layout = ArenaLayout(memoryLimit: configuration.memoryLimit, pageSize: configuration.slabPageSize,
                                 growthRoom: CacheEngine.growthRoom(for: configuration))
        sizes = SlabSizeClasses(configuration: configuration, alignment: 1 << layout.shift)
        let saved = WarmRestart.readMeta(configuration, layout: layout, sizes: sizes)
        let meta = try? saved?.get()
        arena = SlabArena(layout: layout, mapping: WarmRestart.mapping(configuration, layout: layout, keepContents: meta != nil))
        self.clock = meta.map { CacheClock(resumingFrom: $0.processStarted, savedNow: $0.now, unixNow: clock.unixNow) } ?? clock
        geometry = ChunkGeometry(base: arena.base, shift: arena.shift, chunkSize: sizes.chunkSizes[sizes.largestClass])
        slabs = SlabAllocator(arena: arena, sizes: sizes)
        lrus = LRULists(arena: arena, classCount: sizes.largestClass + 1, queueMask: strategy.queueMask,
                        sizeHistogram: SizeHistogram(itemSizeMax: configuration.itemSizeMax))
        // `lru mode` starts segmented, memcached's default; no other policy reads it.
        tuning = LRUTuning(configuration.segmentedLRU, segmented: true)
        table = HashTable(arena: arena, initialPower: configuration.hashPowerInitial)
        warmRestart = restore(saved)  // before any engine thread starts
        let expander = HashExpander(table: table) { [unowned self] in self.totalItemCount() }
        self.expander = expander
        expander.start()
        let rebalancer = SlabRebalancer(engine: self, automove: configuration.slabAutomove,
                                        ageRatio: configuration.slabAutomoveRatio,
                                        windowSeconds: configuration.slabAutomoveWindow,
                                        classCount: sizes.largestClass + 1)
        self.rebalancer = rebalancer
        rebalancer.start()
        if strategyRunsMaintainer {
            let maintainer = LRUMaintainer(engine: self, classCount: sizes.largestClass + 1)
            self.maintainer = maintainer
            maintainer.start()
        }
        let crawler = LRUCrawler(engine: self, classCount: sizes.largestClass + 1,
                                 sleepMicroseconds: configuration.lruCrawlerSleep, toCrawl: configuration.lruCrawlerToCrawl)
        self.crawler = crawler
        if configuration.lruCrawler { _ = crawler.enable() }
        // As memcached's -o track_sizes: counts from the first item (the CAS counter starts at 0).
        if configuration.trackSizes { lrus.sizeHistogram.enable(casMinimum: 0) }
    }

    /// Stops the background threads and frees all memory. Call once, when no other thread uses the
    /// engine any more. `savingForRestart` (SIGUSR1's graceful stop) first saves what a warm restart
    /// needs beside the `-e` memory file; false when that failed (the next start will be cold).
    @discardableResult
    public func shutdown(savingForRestart: Bool = false) -> Bool {
        guard let expander else { return true }
        expander.stop()
        self.expander = nil
        crawler?.disable()
        crawler = nil
        rebalancer?.stop()
        rebalancer = nil
        maintainer?.stop()
        maintainer = nil
        let saved = savingForRestart ? saveForRestart() : true
        table.destroy()
        destroyStrategy()
        lrus.destroy()
        slabs.destroy()
        arena.unmap()
        return saved
    }

    /// The chunk sizes of the slab classes, index = class id (index 0 unused).
    public var slabChunkSizes: [Int] { sizes.chunkSizes }

    // MARK: Reads

    /// Looks a key up; on a hit `body` sees the item while its stripe lock is held (do not call the engine from it).
    public func get(_ key: UnsafeRawBufferPointer, _ body: (ItemView) -> Void) -> LookupResult {
        withStripe(of: key) { hash in
            let (found, result) = findLive(key, hash: hash)
            if let item = found {
                // The view first: it reports the queue the item was read from, before the policy moves it.
                let itemView = view(of: item)
                noteFetch(item)
                body(itemView)
            }
            return result
        }
    }

    /// `gat`: like `get`, and sets the expiry (protocol exptime) of a hit first.
    public func getAndTouch(_ key: UnsafeRawBufferPointer, exptime: Int64, _ body: (ItemView) -> Void) -> LookupResult {
        withLiveItem(key, newExptime: exptime) { item in
            let itemView = view(of: item)
            noteFetch(item)
            body(itemView)
        }
    }

    /// Sets the expiry of a live item; `.hit` when it existed, with the item's slab class (0 otherwise).
    public func touch(_ key: UnsafeRawBufferPointer, exptime: Int64) -> (result: LookupResult, slabClass: Int) {
        var slabClass = 0
        let result = withLiveItem(key, newExptime: exptime) { item in
            slabClass = item.slabClass
            noteTouch(item)
        }
        return (result, slabClass)
    }

    /// Finds a live item, gives it a new expiry and hands it to `body`, all under its stripe.
    private func withLiveItem(_ key: UnsafeRawBufferPointer, newExptime: Int64, _ body: (Item) -> Void) -> LookupResult {
        let expiry = clock.expiry(fromProtocol: newExptime)
        return withStripe(of: key) { hash in
            let (found, result) = findLive(key, hash: hash)
            if let item = found {
                item.expiry = expiry
                body(item)
            }
            return result
        }
    }

    // MARK: Writes

    /// Reserves a chunk for an item of this key and value length, evicting if needed.
    public func allocate(key: UnsafeRawBufferPointer, flags: UInt32, exptime: Int64, valueLength: Int) -> AllocationResult {
        guard fitsMemcachedLimit(keyLength: key.count, flags: flags, valueLength: valueLength) else { return .tooLarge }
        guard let item = reserveItem(key: key, flags: flags, expiry: clock.expiry(fromProtocol: exptime), valueLength: valueLength)
        else { return .outOfMemory }
        return .allocated(PendingItem(chunk: item.raw, valueLength: valueLength, geometry: geometry))
    }

    /// Links a filled pending item according to `mode`. The pending item is consumed either way.
    /// For a cas that met a live item, `comparedClass` is that item's slab class, which memcached
    /// counts cas_hits and cas_badval under (0 otherwise: other modes do not read it).
    public func commit(_ pending: PendingItem, mode: StoreMode, compareCAS: UInt64 = 0)
        -> (result: StoreResult, comparedClass: Int) {
        let item = Item(pending.chunk)
        let key = item.key
        return withStripe(of: key) { hash in
            var comparedClass = 0
            let result = apply(mode, to: item, compareCAS: compareCAS, hash: hash, comparedClass: &comparedClass)
            // Decided under the stripe: once it is released a linked item may be freed by others.
            if !item.isLinked { freeChunks(of: item) }
            return (result, comparedClass)
        }
    }

    /// The store decision of `commit`, under the key's stripe.
    private func apply(_ mode: StoreMode, to item: Item, compareCAS: UInt64, hash: UInt32,
                       comparedClass: inout Int) -> StoreResult {
        let (old, _) = findLive(item.key, hash: hash)
        switch mode {
        case .set:
            if let old { supersede(old, with: item, hash: hash) } else { link(item, hash: hash) }
            return .stored
        case .add:
            if let old {
                noteUpdate(old)
                return .notStored
            }
            link(item, hash: hash)
            return .stored
        case .replace:
            guard let old else { return .notStored }
            supersede(old, with: item, hash: hash)
            return .stored
        case .cas:
            guard let old else { return .notFound }
            comparedClass = old.slabClass
            guard old.cas == compareCAS else { return .exists }
            supersede(old, with: item, hash: hash)
            return .stored
        case .append, .prepend:
            guard let old else { return .notStored }
            return concatenate(old, item, hash: hash, append: mode == .append) ? .stored : .notStored
        }
    }

    /// Gives back a pending item that will not be committed.
    public func release(_ pending: PendingItem) {
        freeChunks(of: Item(pending.chunk))
    }

    /// Convenience for tests and small values: allocate, copy, commit.
    public func store(_ mode: StoreMode, key: UnsafeRawBufferPointer, flags: UInt32, exptime: Int64,
                      value: UnsafeRawBufferPointer, compareCAS: UInt64 = 0) -> StoreResult {
        switch allocate(key: key, flags: flags, exptime: exptime, valueLength: value.count) {
        case .tooLarge: return .tooLarge
        case .outOfMemory: return .outOfMemory
        case .allocated(let pending):
            var writer = pending.makeWriter()
            writer.write(value)
            return commit(pending, mode: mode, compareCAS: compareCAS).result
        }
    }

    /// Removes a live item; its slab class, nil when there was none (or it had expired).
    @discardableResult
    public func delete(_ key: UnsafeRawBufferPointer) -> Int? {
        withStripe(of: key) { hash in
            guard let item = findLive(key, hash: hash).0 else { return nil }
            let slabClass = item.slabClass
            unlinkAndFree(item, hash: hash)
            return slabClass
        }
    }

    /// incr / decr on a decimal value: incr wraps at 2^64, decr floors at 0; a result that fits in the
    /// old value's length is written in place and padded with spaces, as memcached does. Also the
    /// slab class of the item found (0: none), which memcached counts incr_hits and decr_hits under
    /// even when the result moves to a new item.
    public func arithmetic(_ key: UnsafeRawBufferPointer, increment: Bool, delta: UInt64)
        -> (result: ArithmeticResult, slabClass: Int) {
        withStripe(of: key) { hash in
            guard let item = findLive(key, hash: hash).0 else { return (.notFound, 0) }
            let slabClass = item.slabClass  // read first: a longer result replaces (frees) the item
            return (adjust(item, increment: increment, delta: delta, hash: hash), slabClass)
        }
    }

    /// `arithmetic` on the live item found, under its stripe.
    private func adjust(_ item: Item, increment: Bool, delta: UInt64, hash: UInt32) -> ArithmeticResult {
        // A chunked value is far too long to be a number (memcached answers the same).
        guard item.valueLength > 0, !item.isChunked, let current = DecimalValue.parse(UnsafeRawBufferPointer(item.value)) else {
            return .nonNumeric
        }
        let updated = increment ? current &+ delta : (delta > current ? 0 : current - delta)
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &scratch) { digits -> ArithmeticResult in
            let length = DecimalValue.format(updated, into: digits)
            let newDigits = UnsafeRawBufferPointer(rebasing: digits[..<length])
            if length <= item.valueLength {
                let value = item.value
                value.baseAddress!.copyMemory(from: newDigits.baseAddress!, byteCount: length)
                value.baseAddress!.advanced(by: length).initializeMemory(as: UInt8.self, repeating: 0x20, count: value.count - length)
                setCAS(item, nextCAS())
                noteUpdate(item)
                return .value(updated)
            }
            return replaceValue(of: item, with: newDigits, hash: hash) ? .value(updated) : .outOfMemory
        }
    }

    /// flush_all: items stored up to now (delay ≤ 0) or up to `delay` from now become invisible.
    /// Mirrors memcached: the horizon is a second in relative time, sharpened by a CAS horizon.
    public func flushAll(delay: Int64) {
        let now = clock.now
        let horizon = delay > 0 ? clock.expiry(fromProtocol: delay) : now
        if withCAS {
            oldestLive.store(horizon &- 1, ordering: .relaxed)
            if horizon &- 1 <= now { oldestCAS.store(nextCAS(), ordering: .relaxed) }
        } else {
            oldestLive.store(horizon, ordering: .relaxed)
        }
    }

    // MARK: Internals (callers hold the key's stripe unless noted)

    @inline(__always)
    func withStripe<R>(of key: UnsafeRawBufferPointer, _ body: (UInt32) -> R) -> R {
        let hash = KeyHash.hash(key)
        let stripe = table.stripe(hash)
        table.stripes.lock(stripe)
        defer { table.stripes.unlock(stripe) }
        return body(hash)
    }

    /// The live item for a key; expired or flushed items found on the way are removed.
    @inline(__always)
    func findLive(_ key: UnsafeRawBufferPointer, hash: UInt32) -> (Item?, LookupResult) {
        guard let item = table.find(key, hash: hash) else { return (nil, .miss) }
        let now = clock.now
        if item.isExpired(now: now) {
            unlinkAndFree(item, hash: hash)
            return (nil, .expired)
        }
        if isFlushed(item, now: now) {
            unlinkAndFree(item, hash: hash)
            return (nil, .flushed)
        }
        return (item, .hit)
    }

    @inline(__always)
    func isFlushed(_ item: Item, now: UInt32) -> Bool {
        let horizon = oldestLive.load(ordering: .relaxed)
        if horizon == 0 || horizon > now { return false }
        if item.lastAccess <= horizon { return true }
        let casHorizon = oldestCAS.load(ordering: .relaxed)
        let cas = item.cas
        return casHorizon != 0 && cas != 0 && cas < casHorizon
    }

    func isDead(_ item: Item, now: UInt32) -> Bool {
        item.isExpired(now: now) || isFlushed(item, now: now)
    }

    @inline(__always)
    private func view(of item: Item) -> ItemView {
        ItemView(key: item.key, value: ItemValue(item, geometry: geometry), flags: item.clientFlags,
                 cas: item.cas, expiry: item.expiry, lastAccess: item.lastAccess, slabClass: item.slabClass,
                 queue: lrus.queue(of: item).index, chunk: item.raw)
    }

    /// Gives a linked item a new CAS value in place, keeping `stats sizes` consistent.
    @inline(__always)
    func setCAS(_ item: Item, _ cas: UInt64) {
        lrus.sizeHistogram.changeCAS(of: item, from: item.cas, to: cas)
        item.cas = cas
    }

    @inline(__always)
    func nextCAS() -> UInt64 {
        withCAS ? casCounter.loadThenWrappingIncrement(ordering: .relaxed) &+ 1 : 0
    }

    func link(_ item: Item, hash: UInt32) {
        enterTable(item, hash: hash)
        let classID = item.slabClass
        lrus.locks.lock(classID)
        lrus.insert(item)
        let count = lrus.states[classID].count
        lrus.locks.unlock(classID)
        if count & 0x3fff == 0 { expander?.poke() }
    }

    /// A new item in place of a live one of the same key: set, replace and cas of an existing key,
    /// append and prepend, an incr/decr result that outgrew its item, and the meta set modes. When
    /// both items are of one class, the old one leaves its queue and the new one enters under a single
    /// hold of that class's LRU lock: every store into the class takes it, so unlinking and linking
    /// apart would make it the busiest lock twice over.
    func supersede(_ old: Item, with item: Item, hash: UInt32) {
        let classID = item.slabClass
        guard old.slabClass == classID else {
            unlinkAndFree(old, hash: hash)
            link(item, hash: hash)
            return
        }
        table.remove(old, hash: hash)
        enterTable(item, hash: hash)
        lrus.locks.lock(classID)
        lrus.remove(old)
        lrus.insert(item)
        lrus.locks.unlock(classID)
        old.isLinked = false
        freeChunks(of: old)
    }

    /// A new item's CAS and access time, its place in the table and its queue (by the policy); its
    /// caller then links it in that queue.
    private func enterTable(_ item: Item, hash: UInt32) {
        item.cas = nextCAS()
        item.lastAccess = clock.now
        item.isLinked = true
        table.insert(item, hash: hash)
        admit(item, hash: hash)
    }

    func unlinkAndFree(_ item: Item, hash: UInt32) {
        table.remove(item, hash: hash)
        let classID = item.slabClass
        lrus.locks.lock(classID)
        lrus.remove(item)
        lrus.locks.unlock(classID)
        item.isLinked = false
        freeChunks(of: item)
    }

    /// append / prepend: a new item holding both values, with the old item's flags and expiry.
    func concatenate(_ old: Item, _ addition: Item, hash: UInt32, append: Bool) -> Bool {
        let length = old.valueLength + addition.valueLength
        guard let combined = makeItem(like: old, valueLength: length) else { return false }
        var writer = ValueWriter(combined, geometry: geometry)
        let (first, second) = append ? (old, addition) : (addition, old)
        copyValue(of: first, into: &writer)
        copyValue(of: second, into: &writer)
        supersede(old, with: combined, hash: hash)
        return true
    }

    func replaceValue(of old: Item, with value: UnsafeRawBufferPointer, hash: UInt32) -> Bool {
        guard let replacement = makeItem(like: old, valueLength: value.count) else { return false }
        var writer = ValueWriter(replacement, geometry: geometry)
        writer.write(value)
        replacement.wasFetched = old.wasFetched
        supersede(old, with: replacement, hash: hash)
        return true
    }

    /// An unlinked item with `old`'s key, flags and expiry and room for `valueLength` bytes.
    func makeItem(like old: Item, valueLength: Int) -> Item? {
        guard fitsMemcachedLimit(keyLength: old.keyLength, flags: old.clientFlags, valueLength: valueLength) else { return nil }
        return reserveItem(key: old.key, flags: old.clientFlags, expiry: old.expiry, valueLength: valueLength)
    }

    /// memcached refuses an item when its own layout of it (48-byte header, CAS, key + NUL, flags when
    /// non-zero, value + "\r\n") exceeds -I. The same bound is applied here so the "too large" edge
    /// is where memcached users expect it, although our items are smaller.
    private func fitsMemcachedLimit(keyLength: Int, flags: UInt32, valueLength: Int) -> Bool {
        Item.memcachedSize(keyLength: keyLength, flags: flags, valueLength: valueLength, withCAS: withCAS)
            <= configuration.itemSizeMax
    }

    func totalItemCount() -> Int {
        var total = 0
        for classID in 1..<lrus.classCount {
            lrus.locks.lock(classID)
            total += lrus.states[classID].count
            lrus.locks.unlock(classID)
        }
        return total
    }
}

public enum AllocationResult {
    case allocated(PendingItem)
    case tooLarge
    case outOfMemory
}

/// An item reserved by `allocate` and not yet linked; owned by the caller until `commit` or `release`.
public struct PendingItem {
    let chunk: UnsafeMutableRawPointer
    /// Bytes of value the caller must write.
    public let valueLength: Int
    let geometry: ChunkGeometry

    init(chunk: UnsafeMutableRawPointer, valueLength: Int, geometry: ChunkGeometry) {
        self.chunk = chunk
        self.valueLength = valueLength
        self.geometry = geometry
    }

    /// A cursor that fills the value from its first byte (across chunks for a chunked item).
    public func makeWriter() -> ValueWriter { ValueWriter(Item(chunk), geometry: geometry) }
}
