/// What the meta protocol (mg / ms / md / ma / me) needs from the engine beyond the classic
/// commands: stale items and win tokens for stale-while-revalidate, autovivify on a miss, CAS
/// compared on every store mode, explicit CAS values, and a writable view of one item.
///
/// Every method holds the key's stripe for its whole decision, so a meta request's read,
/// modify and reply see one consistent item, as memcached's locked meta paths do.

/// One live item as a meta command sees it. Valid only inside the closure that receives it (the
/// stripe lock is held that long); do not call the engine from there.
public struct MetaItem {
    let item: Item
    let geometry: ChunkGeometry
    /// The engine clock when the lookup was made (relative seconds).
    public let now: UInt32

    public var key: UnsafeRawBufferPointer { item.key }
    public var value: ItemValue { ItemValue(item, geometry: geometry) }
    public var flags: UInt32 { item.clientFlags }
    public var cas: UInt64 { item.cas }
    /// Relative expiry; 0 = never.
    public var expiry: UInt32 { item.expiry }
    /// Relative second of the last store or LRU bump.
    public var lastAccess: UInt32 { item.lastAccess }
    public var wasFetched: Bool { item.wasFetched }
    public var isStale: Bool { item.isStale }
    public var keyIsBinary: Bool { item.keyIsBinary }
    public var slabClass: Int { item.slabClass }
    /// The index (0-3) of the LRU queue the item was in when looked up, before the lookup's bump:
    /// what `ItemView.queue` is for a get.
    public let queue: Int
    /// memcached's own size of this item (see `Item.memcachedSize`).
    public var memcachedSize: Int { item.memcachedSize }

    /// Sets a new relative expiry (from `CacheClock.expiry(fromProtocol:)`).
    public func setExpiry(_ expiry: UInt32) { item.expiry = expiry }

    /// Whether a client already holds the win token; setting it hands the token out.
    public var winTokenSent: Bool {
        get { item.winTokenSent }
        nonmutating set { item.winTokenSent = newValue }
    }
}

/// How a meta lookup went.
public struct MetaLookup: Equatable, Sendable {
    public let result: LookupResult
    /// The key was missing and an empty item was created for it (mg N).
    public let created: Bool

    public init(result: LookupResult, created: Bool) {
        self.result = result
        self.created = created
    }
}

/// How `ms` combines with what is cached.
public struct MetaStoreOptions: Sendable {
    public var mode: StoreMode
    /// C: compared in every mode (0 = not supplied, except in `.cas` mode where 0 never matches).
    public var compareCAS: UInt64
    /// I: a CAS lower than the item's still stores, as a stale value.
    public var invalidate: Bool
    /// E: the CAS the stored item gets instead of a fresh one.
    public var explicitCAS: UInt64?
    /// b: the key arrived base64-encoded.
    public var binaryKey: Bool

    public init(mode: StoreMode, compareCAS: UInt64 = 0, invalidate: Bool = false, explicitCAS: UInt64? = nil, binaryKey: Bool = false) {
        self.mode = mode
        self.compareCAS = compareCAS
        self.invalidate = invalidate
        self.explicitCAS = explicitCAS
        self.binaryKey = binaryKey
    }
}

public enum MetaDeleteResult: Sendable, Equatable {
    case deleted
    /// I: kept, marked stale, new CAS.
    case invalidated
    /// x: kept with an empty value.
    case emptied
    case notFound
    case casMismatch
}

public struct MetaArithmeticRequest: Sendable {
    public var increment: Bool
    public var delta: UInt64
    /// C: 0 = do not compare (memcached ignores a zero CAS here).
    public var compareCAS: UInt64
    /// N with J: create the item with this value on a miss.
    public var vivifyInitial: UInt64?
    /// E: the CAS the updated item gets.
    public var explicitCAS: UInt64?

    public init(increment: Bool, delta: UInt64, compareCAS: UInt64 = 0, vivifyInitial: UInt64? = nil, explicitCAS: UInt64? = nil) {
        self.increment = increment
        self.delta = delta
        self.compareCAS = compareCAS
        self.vivifyInitial = vivifyInitial
        self.explicitCAS = explicitCAS
    }
}

public enum MetaArithmeticResult: Sendable, Equatable {
    case updated(UInt64)
    case created(UInt64)
    case notFound
    case casMismatch
    case nonNumeric
    case outOfMemory
    /// The item to autovivify could not be allocated.
    case vivifyFailed
}

extension CacheEngine {
    // MARK: mg / me

    /// Looks a key up for mg / me. On a miss with `vivify`, links an empty item (flags 0, no expiry:
    /// the caller sets it) and reports `created`. `body` sees the item under the stripe and returns
    /// false when the request failed part-way (then the item is not bumped); with `bump` a completed
    /// request marks the item fetched and moves it in the LRU, after `body` has read the old state.
    public func metaLookup(_ key: UnsafeRawBufferPointer, vivify: Bool, bump: Bool,
                           _ body: (MetaItem, _ created: Bool) -> Bool) -> MetaLookup {
        withStripe(of: key) { hash in
            var (found, result) = findLive(key, hash: hash)
            var created = false
            if found == nil, vivify, let item = vivifyEmpty(key, hash: hash) {
                found = item
                created = true
            }
            guard let item = found else { return MetaLookup(result: result, created: false) }
            if body(metaItem(item), created), bump { noteFetch(item) }
            return MetaLookup(result: created ? result : .hit, created: created)
        }
    }

    /// How a meta command's closure sees `item` (under its stripe).
    private func metaItem(_ item: Item) -> MetaItem {
        MetaItem(item: item, geometry: geometry, now: clock.now, queue: lrus.queue(of: item).index)
    }

    /// An empty item for `key`, linked; nil when no memory can be had.
    private func vivifyEmpty(_ key: UnsafeRawBufferPointer, hash: UInt32) -> Item? {
        guard case .allocated(let pending) = allocate(key: key, flags: 0, exptime: 0, valueLength: 0) else { return nil }
        let item = Item(pending.chunk)
        link(item, hash: hash)
        return item
    }

    // MARK: ms

    /// Links a filled pending item by meta-set rules (memcached's `do_store_item` with the CAS test
    /// applied to every mode). Returns the result, when stored the stored item's CAS, and for a cas
    /// that met a live item that item's slab class, as `commit` does.
    public func commitMeta(_ pending: PendingItem, _ options: MetaStoreOptions)
        -> (result: StoreResult, cas: UInt64, comparedClass: Int) {
        let item = Item(pending.chunk)
        item.keyIsBinary = options.binaryKey
        let key = item.key
        return withStripe(of: key) { hash in
            var comparedClass = 0
            let result = applyMeta(options, to: item, hash: hash, comparedClass: &comparedClass)
            var cas: UInt64 = 0
            // A raw find, not findLive: an item stored already expired (T-1) must not be freed
            // here, or the check below would give its chunk back a second time.
            if result == .stored, let stored = table.find(key, hash: hash) {
                if let explicit = options.explicitCAS { setCAS(stored, explicit) }
                cas = stored.cas
            }
            if !item.isLinked { freeChunks(of: item) }
            return (result, cas, comparedClass)
        }
    }

    private enum CASCheck { case none, match, stale, mismatch }

    private func applyMeta(_ options: MetaStoreOptions, to item: Item, hash: UInt32, comparedClass: inout Int) -> StoreResult {
        guard let old = findLive(item.key, hash: hash).0 else {
            switch options.mode {
            case .set, .add:
                link(item, hash: hash)
                return .stored
            case .cas: return .notFound
            case .replace, .append, .prepend: return .notStored
            }
        }
        let check: CASCheck
        if options.compareCAS == 0 { check = .none }
        else if options.compareCAS == old.cas { check = .match }
        else if options.invalidate && options.compareCAS < old.cas { check = .stale }
        else { check = .mismatch }
        switch options.mode {
        case .add:
            noteUpdate(old)
            return .notStored
        case .cas:
            comparedClass = old.slabClass
            guard check == .match || check == .stale else { return .exists }
            if check == .stale {
                // A late writer's value is kept but flagged, with the old TTL and token state.
                item.expiry = old.expiry
                item.isStale = true
                item.winTokenSent = old.winTokenSent
            }
        case .append, .prepend:
            guard check == .none || check == .match else { return .exists }
            return concatenate(old, item, hash: hash, append: options.mode == .append) ? .stored : .notStored
        case .set, .replace:
            break
        }
        supersede(old, with: item, hash: hash)
        return .stored
    }

    // MARK: md

    /// md: deletes, or with `invalidate` keeps the item marked stale (new CAS, optional new expiry,
    /// win token handed back), or with `emptyValue` keeps it with an empty value. Also the slab class
    /// of the item found (0: none), which memcached counts delete_hits under.
    public func metaDelete(_ key: UnsafeRawBufferPointer, compareCAS: UInt64?, invalidate: Bool, emptyValue: Bool,
                           newExpiry: UInt32?, explicitCAS: UInt64?) -> (result: MetaDeleteResult, slabClass: Int) {
        withStripe(of: key) { hash in
            guard let item = findLive(key, hash: hash).0 else { return (.notFound, 0) }
            let slabClass = item.slabClass
            return (metaDelete(item, compareCAS: compareCAS, invalidate: invalidate, emptyValue: emptyValue,
                               newExpiry: newExpiry, explicitCAS: explicitCAS, hash: hash), slabClass)
        }
    }

    /// `metaDelete` on the live item found, under its stripe.
    private func metaDelete(_ item: Item, compareCAS: UInt64?, invalidate: Bool, emptyValue: Bool,
                            newExpiry: UInt32?, explicitCAS: UInt64?, hash: UInt32) -> MetaDeleteResult {
        if let compareCAS, compareCAS != item.cas { return .casMismatch }
        if invalidate {
            if let newExpiry { item.expiry = newExpiry }
            item.isStale = true
            item.winTokenSent = false
            setCAS(item, explicitCAS ?? nextCAS())
            return .invalidated
        }
        if emptyValue, let empty = makeItem(like: item, valueLength: 0) {
            unlinkAndFree(item, hash: hash)
            link(empty, hash: hash)
            if let explicitCAS { setCAS(empty, explicitCAS) }
            return .emptied
        }
        unlinkAndFree(item, hash: hash)
        return .deleted
    }

    // MARK: ma

    /// `metaArithmetic` for callers that do not care whether the item was created.
    public func metaArithmetic(_ key: UnsafeRawBufferPointer, _ request: MetaArithmeticRequest,
                               _ body: (MetaItem, UInt64) -> Void) -> (result: MetaArithmeticResult, slabClass: Int) {
        metaArithmetic(key, request) { item, number, _ in body(item, number) }
    }

    /// ma: incr / decr with an optional CAS check and autovivify. `body` sees the resulting item
    /// (the updated or created one), its number and whether it was created, under the stripe. Also
    /// the slab class of the item found (0: none or created): memcached counts incr_hits and
    /// decr_hits under the class of the item it found, even when the result moves to a new item.
    public func metaArithmetic(_ key: UnsafeRawBufferPointer, _ request: MetaArithmeticRequest,
                               _ body: (MetaItem, UInt64, _ created: Bool) -> Void) -> (result: MetaArithmeticResult, slabClass: Int) {
        withStripe(of: key) { hash in
            let item = findLive(key, hash: hash).0
            let slabClass = item?.slabClass ?? 0  // read first: a longer result replaces (frees) the item
            return (metaArithmetic(item, key: key, request, hash: hash, body), slabClass)
        }
    }

    /// `metaArithmetic` on the live item found (or nil), under its stripe.
    private func metaArithmetic(_ found: Item?, key: UnsafeRawBufferPointer, _ request: MetaArithmeticRequest, hash: UInt32,
                                _ body: (MetaItem, UInt64, _ created: Bool) -> Void) -> MetaArithmeticResult {
        guard let item = found else {
            guard let initial = request.vivifyInitial else { return .notFound }
            guard let created = storeNumber(initial, key: key, hash: hash) else { return .vivifyFailed }
            if let explicit = request.explicitCAS { setCAS(created, explicit) }
            body(metaItem(created), initial, true)
            return .created(initial)
        }
        guard item.valueLength > 0, !item.isChunked else { return .nonNumeric }
        if request.compareCAS != 0 && request.compareCAS != item.cas { return .casMismatch }
        guard let current = DecimalValue.parse(UnsafeRawBufferPointer(item.value)) else { return .nonNumeric }
        let d = request.delta
        let updated = request.increment ? current &+ d : (d > current ? 0 : current - d)
        guard let result = writeNumber(updated, into: item, key: key, hash: hash) else { return .outOfMemory }
        if let explicit = request.explicitCAS { setCAS(result, explicit) }
        body(metaItem(result), updated, false)
        return .updated(updated)
    }

    /// Writes `number` as the item's value: in place, space-padded, when it fits (as memcached does),
    /// else into a new item that replaces it. Returns the live item, nil when out of memory.
    private func writeNumber(_ number: UInt64, into item: Item, key: UnsafeRawBufferPointer, hash: UInt32) -> Item? {
        withDigits(of: number) { digits in
            if digits.count <= item.valueLength {
                let value = item.value
                value.baseAddress!.copyMemory(from: digits.baseAddress!, byteCount: digits.count)
                (value.baseAddress! + digits.count).initializeMemory(as: UInt8.self, repeating: 0x20, count: value.count - digits.count)
                setCAS(item, nextCAS())
                noteUpdate(item)
                return item
            }
            guard replaceValue(of: item, with: digits, hash: hash) else { return nil }
            // The old item is freed by now: look the replacement up by the caller's key (raw
            // find: the clock may have ticked past its expiry meanwhile, it is still ours to answer).
            return table.find(key, hash: hash)
        }
    }

    /// A new linked item (flags 0, no expiry) holding `number`; nil when no memory can be had.
    private func storeNumber(_ number: UInt64, key: UnsafeRawBufferPointer, hash: UInt32) -> Item? {
        withDigits(of: number) { digits in
            guard case .allocated(let pending) = allocate(key: key, flags: 0, exptime: 0, valueLength: digits.count) else { return nil }
            var writer = pending.makeWriter()
            writer.write(digits)
            let item = Item(pending.chunk)
            link(item, hash: hash)
            return item
        }
    }

    private func withDigits<R>(of number: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &scratch) { buffer in
            let length = DecimalValue.format(number, into: buffer)
            return body(UnsafeRawBufferPointer(rebasing: buffer[..<length]))
        }
    }
}
