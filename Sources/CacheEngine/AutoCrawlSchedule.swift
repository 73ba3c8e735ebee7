/// When the LRU crawler visits each slab class on its own, following memcached 1.6's rule
/// (`lru_maintainer_crawler_check`): every class is crawled once soon after start; after each
/// automatic crawl of a class, its wait grows by a minute when nothing it saw will expire within the
/// hour, or moves a minute towards the time by which more than 1% of its expiring items will have
/// expired. The wait is capped at an hour; a class is never crawled again within 5 seconds.
///
/// Used by the crawler thread only (no lock).
struct AutoCrawlSchedule {
    static let maximumWait: UInt32 = 60 * 60
    /// Seconds between two crawls of a class at least (memcached's "minimum retry wait").
    static let retryWait: UInt32 = 5

    private var nextCrawl: [UInt32]
    private var wait: [UInt32]

    init(classCount: Int) {
        nextCrawl = Array(repeating: 0, count: classCount)
        wait = Array(repeating: 0, count: classCount)
    }

    /// The classes (bit N = class N) whose time has come; each is given the retry wait, so a crawl
    /// that cannot start now is tried again a few seconds later.
    mutating func dueClasses(now: UInt32) -> SlabClassMask {
        var due: SlabClassMask = 0
        for classID in 1..<nextCrawl.count where now > nextCrawl[classID] {
            due |= 1 << SlabClassMask(classID)
            nextCrawl[classID] = now &+ AutoCrawlSchedule.retryWait
        }
        return due
    }

    /// Plans the next crawl of a class from what an automatic crawl of it saw.
    mutating func record(_ tally: CrawlTally, classID: Int, now: UInt32) {
        guard classID < wait.count else { return }
        let expiring = tally.live - tally.neverExpire
        let lowWatermark = expiring / 100 + 1
        var available = 0
        for minute in 0..<min(60, tally.expiringByMinute.count) {
            available += tally.expiringByMinute[minute]
            if available > lowWatermark {
                if wait[classID] < UInt32(minute * 60) {
                    wait[classID] += 60
                } else if wait[classID] >= 60 {
                    wait[classID] -= 60
                }
                break
            }
        }
        if available == 0 { wait[classID] += 60 }
        wait[classID] = min(wait[classID], AutoCrawlSchedule.maximumWait)
        nextCrawl[classID] = now &+ wait[classID] &+ AutoCrawlSchedule.retryWait
    }

    /// Seconds the class waits after its next crawl (tests).
    func currentWait(_ classID: Int) -> UInt32 { wait[classID] }
}
