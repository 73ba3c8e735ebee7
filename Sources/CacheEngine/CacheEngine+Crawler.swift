/// The LRU crawler's walk over one slab class, and the engine's crawler and `stats sizes` API
/// (the thread and its scheduling are in LRUCrawler.swift).
///
/// The walk goes through each of the class's queues (all four segments) from the tail (oldest) towards the head. It
/// holds the class's LRU lock for a batch of items at a time and only try-locks each item's stripe
/// (the LRU lock comes after stripes in the lock order); an item whose stripe is busy is skipped, as
/// memcached's crawler skips an item it cannot lock. Between batches it lets go of the LRU lock; the
/// queue's crawler cursor (see LRULists) says where to resume, and is moved on by whoever unlinks
/// the item it names. A dead item is unlinked from the table and its queue and its chunks (all of a
/// chunked item's) given back (slab lock, after the LRU lock: the usual order).

/// What a crawl of one class saw.
struct CrawlTally {
    /// Items looked at (their stripe was free): crawler_items_checked.
    var checked = 0
    /// Dead items unlinked: crawler_reclaimed.
    var reclaimed = 0
    /// Of those, expired (not flushed) and never fetched: expired_unfetched.
    var unfetched = 0
    /// Live items seen, and of those the ones with no expiry (for the auto-crawl schedule).
    var live = 0
    var neverExpire = 0
    /// Live items by whole minutes left to live, for the next hour (reclaiming crawls only).
    var expiringByMinute: [Int] = []
}

/// One live item as `lru_crawler metadump` reports it (times are unix seconds).
public struct CrawledItem {
    public let key: UnsafeRawBufferPointer
    /// Unix time of expiry; -1 when it never expires.
    public let expiry: Int64
    /// Unix time of the last store or LRU bump.
    public let lastAccess: Int64
    public let cas: UInt64
    public let wasFetched: Bool
    public let slabClass: Int
    /// memcached's size of the item (`Item.memcachedSize`).
    public let size: Int
}

/// Why a crawl or metadump request did not start.
public enum CrawlerStart: Sendable, Equatable {
    case started
    /// Another crawl or metadump is in progress (memcached's BUSY).
    case busy
    /// The crawler thread is not running (`lru_crawler disable`, `-o no_lru_crawler`).
    case disabled
}

/// `stats sizes_enable`.
public enum SizeTrackingResult: Sendable, Equatable {
    case enabled
    /// Without CAS values items stored before enabling could not be told apart (memcached's error).
    case casDisabled
}

extension CacheEngine {
    /// Items examined per hold of a class's LRU lock.
    static let crawlBatch = 64
    /// The highest class id `lru_crawler crawl|metadump` and `stats cachedump` accept: memcached's 63
    /// (its MAX_NUMBER_OF_SLAB_CLASSES is 64, whatever its table), or the largest class when the table
    /// has more (the default one does), so every class can be named.
    public var nameableClassLimit: Int { max(63, sizes.largestClass) }

    // MARK: Crawler control

    public var lruCrawlerEnabled: Bool { crawler?.isEnabled ?? false }

    /// Starts the crawler thread; false if it is already running (memcached's "failed to start").
    public func enableLRUCrawler() -> Bool { crawler?.enable() ?? false }

    /// Stops the crawler thread (waits for it to finish its current batch).
    public func disableLRUCrawler() { crawler?.disable() }

    /// Microseconds the crawler sleeps after every 1000 items (`lru_crawler sleep`).
    public var lruCrawlerSleep: UInt32 {
        get { crawler?.sleepMicroseconds.load(ordering: .relaxed) ?? 0 }
        set { crawler?.sleepMicroseconds.store(newValue, ordering: .relaxed) }
    }

    /// Items per queue a crawl looks at, 0 for all (`lru_crawler tocrawl`).
    public var lruCrawlerToCrawl: UInt32 {
        get { crawler?.toCrawl.load(ordering: .relaxed) ?? 0 }
        set { crawler?.toCrawl.store(newValue, ordering: .relaxed) }
    }

    /// `lru_crawler crawl`: reclaims the dead items of the given classes (bit N = class N) in the
    /// background.
    public func requestCrawl(classes: SlabClassMask) -> CrawlerStart {
        crawler?.request(classes: classes) ?? .disabled
    }

    /// `lru_crawler metadump`: hands every live item of the given classes (bit N = class N) to
    /// `visit`, on the calling thread, while the item's stripe and its class's LRU lock are held (do
    /// not call the engine from it). Dead items are skipped, not reclaimed.
    public func metadump(classes: SlabClassMask, _ visit: (CrawledItem) -> Void) -> CrawlerStart {
        guard let crawler else { return .disabled }
        let start = crawler.beginDump()
        guard start == .started else { return start }
        defer { crawler.endDump() }
        for classID in 1..<lrus.classCount where classes.contains(classID) {
            _ = crawlClass(classID, limit: 0, reclaiming: false, pace: { _ in true }, visit: visit)
        }
        return .started
    }

    // MARK: stats sizes

    public var sizeTrackingEnabled: Bool { lrus.sizeHistogram.isEnabled }

    public func enableSizeTracking() -> SizeTrackingResult {
        guard withCAS else { return .casDisabled }
        // As memcached: takes a CAS value of its own; every item linked from now on has a larger one.
        if !lrus.sizeHistogram.isEnabled { lrus.sizeHistogram.enable(casMinimum: nextCAS()) }
        return .enabled
    }

    public func disableSizeTracking() { lrus.sizeHistogram.disable() }

    /// Non-empty 32-byte buckets (label, items), or nil when tracking is off.
    public func sizeHistogram() -> [(size: Int, count: UInt32)]? { lrus.sizeHistogram.snapshot() }

    // MARK: The walk

    /// Walks the class's queues (see the file comment): at most `limit` items of each (0: as many
    /// as it held when the walk began, so items moved to the head meanwhile are not seen twice over).
    /// Reclaiming, dead items are unlinked and live ones tallied for the schedule; otherwise dead
    /// items are skipped and live ones handed to `visit`. `pace` runs between batches without the LRU
    /// lock, given the items examined since its last call; false ends the walk.
    func crawlClass(_ classID: Int, limit: Int, reclaiming: Bool, pace: (Int) -> Bool,
                    visit: (CrawledItem) -> Void) -> CrawlTally {
        var tally = CrawlTally()
        if reclaiming { tally.expiringByMinute = Array(repeating: 0, count: 61) }
        for queue in LRUQueue.all {
            guard crawlQueue(classID, queue, limit: limit, reclaiming: reclaiming, tally: &tally,
                             pace: pace, visit: visit) else { break }
        }
        return tally
    }

    /// One queue of `crawlClass`; false when `pace` asked to stop.
    private func crawlQueue(_ classID: Int, _ queue: LRUQueue, limit: Int, reclaiming: Bool, tally: inout CrawlTally,
                            pace: (Int) -> Bool, visit: (CrawledItem) -> Void) -> Bool {
        lrus.locks.lock(classID)
        let count = lrus.queueCount(classID, queue)
        var budget = limit > 0 ? min(limit, count) : count
        lrus.setCursor(classID, queue, to: lrus.queueTail(classID, queue))
        while true {
            var examined = 0
            while budget > 0, examined < CacheEngine.crawlBatch {
                let reference = lrus.cursor(classID, queue)
                guard reference != 0 else { break }
                let item = arena.item(reference)
                lrus.setCursor(classID, queue, to: item.lruPrev)
                budget -= 1
                examined += 1
                examine(item, classID: classID, reclaiming: reclaiming, tally: &tally, visit: visit)
            }
            let finished = budget == 0 || lrus.cursor(classID, queue) == 0
            if finished {
                lrus.setCursor(classID, queue, to: 0)
                lrus.locks.unlock(classID)
                return true
            }
            lrus.locks.unlock(classID)
            guard pace(examined) else {
                lrus.locks.lock(classID)
                lrus.setCursor(classID, queue, to: 0)
                lrus.locks.unlock(classID)
                return false
            }
            lrus.locks.lock(classID)
        }
    }

    /// One item, with the class's LRU lock held.
    private func examine(_ item: Item, classID: Int, reclaiming: Bool, tally: inout CrawlTally,
                         visit: (CrawledItem) -> Void) {
        let hash = KeyHash.hash(item.key)
        let stripe = table.stripe(hash)
        guard table.stripes.tryLock(stripe) else { return }
        defer { table.stripes.unlock(stripe) }
        tally.checked += 1
        lrus.states[classID].crawlerItemsChecked += 1
        let now = clock.now
        let expired = item.isExpired(now: now)
        if expired || isDead(item, now: now) {
            if reclaiming { reclaimByCrawler(item, hash: hash, classID: classID, flushed: !expired, tally: &tally) }
            return
        }
        if reclaiming {
            tallyLive(item, now: now, tally: &tally)
        } else {
            visit(crawled(item))
        }
    }

    /// Unlinks a dead item and frees its chunk. Caller holds the LRU lock and the item's stripe.
    private func reclaimByCrawler(_ item: Item, hash: UInt32, classID: Int, flushed: Bool, tally: inout CrawlTally) {
        tally.reclaimed += 1
        lrus.states[classID].crawlerReclaimed += 1
        if !flushed && !item.wasFetched {
            tally.unfetched += 1
            lrus.states[classID].expiredUnfetched += 1
        }
        table.remove(item, hash: hash)
        lrus.remove(item)
        item.isLinked = false
        freeChunks(of: item)
    }

    private func tallyLive(_ item: Item, now: UInt32, tally: inout CrawlTally) {
        tally.live += 1
        guard item.expiry != 0 else { return tally.neverExpire += 1 }
        let remaining = item.expiry &- now
        if remaining <= 3599 { tally.expiringByMinute[Int(remaining / 60)] += 1 }
    }

    private func crawled(_ item: Item) -> CrawledItem {
        let started = clock.processStarted
        return CrawledItem(key: item.key, expiry: item.expiry == 0 ? -1 : started + Int64(item.expiry),
                           lastAccess: started + Int64(item.lastAccess), cas: item.cas,
                           wasFetched: item.wasFetched, slabClass: item.slabClass, size: item.memcachedSize)
    }
}
