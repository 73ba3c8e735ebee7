import XCTest
@testable import CacheEngine

/// The LRU crawler: dead items leave `curr_items` without any read, live items are never touched,
/// metadumps list live items only, one crawl or dump at a time.
final class LRUCrawlerTests: XCTestCase {
    /// Generous: the CI box is a loaded 2-core machine.
    static let deadline = 30.0

    func testRequestedCrawlReclaimsExpiredItemsWithoutReads() {
        let engine = makeCrawlingEngine()
        for index in 0..<300 { engine.set("short\(index)", "v", exptime: 2) }
        for index in 0..<50 { engine.set("keep\(index)", "v") }
        engine.clock.advance(by: 5)
        XCTAssertEqual(engine.statistics().currItems, 350, "nothing is reclaimed before a crawl")
        crawlAll(engine)
        XCTAssertTrue(waitFor { engine.statistics().currItems == 50 }, "curr_items \(engine.statistics().currItems)")
        let stats = engine.statistics()
        XCTAssertEqual(stats.crawlerReclaimed, 300)
        XCTAssertEqual(stats.expiredUnfetched, 300)
        XCTAssertEqual(stats.reclaimed, 0, "reclaimed counts allocations that reuse dead items, not the crawler")
        XCTAssertGreaterThanOrEqual(stats.crawlerItemsChecked, 350)
        for index in 0..<50 { XCTAssertNotNil(engine.fetch("keep\(index)")) }
        let perClass = engine.itemStatistics().reduce(UInt64(0)) { $0 + $1.crawlerReclaimed }
        XCTAssertEqual(perClass, 300)
    }

    func testCrawlerFreesEveryChunkOfAChunkedItem() {
        let engine = makeCrawlingEngine()
        engine.set("big", String(repeating: "b", count: 700_000), exptime: 2)
        XCTAssertGreaterThan(engine.slabStatistics().reduce(0) { $0 + $1.usedChunks }, 1)
        engine.clock.advance(by: 5)
        crawlAll(engine)
        XCTAssertTrue(waitFor { engine.statistics().currItems == 0 })
        XCTAssertEqual(engine.slabStatistics().reduce(0) { $0 + $1.usedChunks }, 0, "no chunk of the chain leaks")
    }

    func testAutomaticCrawlReclaimsWithoutAnyRequest() {
        let engine = makeCrawlingEngine()
        for index in 0..<200 { engine.set("short\(index)", String(repeating: "x", count: index % 300), exptime: 3) }
        engine.set("keep", "v")
        // Past any wait the schedule can have set (an hour at most).
        engine.clock.advance(by: 4000)
        XCTAssertTrue(waitFor { engine.statistics().currItems == 1 }, "curr_items \(engine.statistics().currItems)")
        XCTAssertGreaterThan(engine.statistics().lruCrawlerStarts, 0)
        XCTAssertEqual(engine.fetch("keep")?.value, "v")
    }

    func testFlushedItemsAreReclaimed() {
        let engine = makeCrawlingEngine()
        for index in 0..<100 { engine.set("old\(index)", "v") }
        engine.clock.advance(by: 2)
        engine.flushAll(delay: 0)
        engine.clock.advance(by: 2)
        engine.set("new", "v")
        crawlAll(engine)
        XCTAssertTrue(waitFor { engine.statistics().currItems == 1 }, "curr_items \(engine.statistics().currItems)")
        XCTAssertEqual(engine.statistics().expiredUnfetched, 0, "flushed items are not counted as expired")
        XCTAssertEqual(engine.fetch("new")?.value, "v")
    }

    func testCrawlerNeverTouchesLiveItems() {
        let engine = makeCrawlingEngine()
        for index in 0..<500 { engine.set("live\(index)", "value\(index)", exptime: index % 2 == 0 ? 0 : 3600) }
        engine.clock.advance(by: 60)
        for _ in 0..<3 {
            crawlAll(engine)
            XCTAssertTrue(waitFor { !engine.statistics().lruCrawlerRunning })
        }
        let stats = engine.statistics()
        XCTAssertEqual(stats.currItems, 500)
        XCTAssertEqual(stats.crawlerReclaimed, 0)
        XCTAssertGreaterThanOrEqual(stats.crawlerItemsChecked, 1500)
        for index in 0..<500 { XCTAssertEqual(engine.fetch("live\(index)")?.value, "value\(index)") }
    }

    func testToCrawlLimitsItemsPerQueue() {
        let engine = makeCrawlingEngine()
        engine.lruCrawlerToCrawl = 10
        for index in 0..<100 { engine.set("short\(index)", "v", exptime: 2) }
        engine.clock.advance(by: 5)
        crawlAll(engine)
        XCTAssertTrue(waitFor { engine.statistics().crawlerReclaimed >= 10 && !engine.statistics().lruCrawlerRunning })
        // The automatic crawl may have run too, with the same limit; one queue holds these items.
        XCTAssertEqual(engine.statistics().crawlerReclaimed % 10, 0)
        XCTAssertLessThan(engine.statistics().crawlerReclaimed, 100)
    }

    func testMetadumpListsLiveItemsOnly() {
        let engine = makeCrawlingEngine()
        engine.set("live", "v", flags: 3, exptime: 100)
        engine.set("forever", "v")
        engine.set("dead", "v", exptime: 1)
        _ = engine.fetch("forever")
        engine.clock.advance(by: 2)
        var lines: [String: CrawledItem] = [:]
        let start = engine.metadump(classes: ~1) { item in
            lines[String(decoding: item.key, as: UTF8.self)] = item
        }
        XCTAssertEqual(start, .started)
        XCTAssertEqual(Set(lines.keys), ["live", "forever"])
        let started = engine.clock.processStarted
        XCTAssertEqual(lines["forever"]?.expiry, -1)
        XCTAssertEqual(lines["forever"]?.wasFetched, true)
        XCTAssertEqual(lines["live"]?.wasFetched, false)
        XCTAssertEqual(lines["live"]?.expiry, started + 2 + 100)
        XCTAssertEqual(lines["live"]?.lastAccess, started + 2)
        // memcached's item size: 48 + 8 (CAS) + key + 1 + 4 (non-zero flags) + value + 2.
        XCTAssertEqual(lines["live"]?.size, 48 + 8 + 4 + 1 + 4 + 1 + 2)
        XCTAssertEqual(engine.statistics().currItems, 3, "a metadump reclaims nothing")
    }

    func testOneCrawlOrDumpAtATime() {
        let engine = makeCrawlingEngine()
        engine.set("a", "v")
        var inner: [CrawlerStart] = []
        let outer = engine.metadump(classes: ~1) { _ in
            // Calls the crawler only, not the engine's locks: allowed inside the visitor.
            inner.append(engine.requestCrawl(classes: ~1))
            inner.append(engine.metadump(classes: ~1) { _ in })
        }
        XCTAssertEqual(outer, .started)
        XCTAssertEqual(inner, [.busy, .busy])
    }

    func testEnableAndDisable() {
        let engine = makeCrawlingEngine()
        XCTAssertTrue(engine.lruCrawlerEnabled)
        XCTAssertFalse(engine.enableLRUCrawler(), "already running")
        engine.disableLRUCrawler()
        XCTAssertFalse(engine.lruCrawlerEnabled)
        XCTAssertEqual(engine.requestCrawl(classes: ~1), .disabled)
        XCTAssertEqual(engine.metadump(classes: ~1) { _ in }, .disabled)
        engine.disableLRUCrawler()
        XCTAssertTrue(engine.enableLRUCrawler())
        XCTAssertTrue(engine.lruCrawlerEnabled)
        engine.set("short", "v", exptime: 1)
        engine.clock.advance(by: 3)
        crawlAll(engine)
        XCTAssertTrue(waitFor { engine.statistics().currItems == 0 })
    }

    func testBareEngineRunsNoCrawler() {
        let engine = makeEngine()
        XCTAssertFalse(engine.lruCrawlerEnabled)
        XCTAssertFalse(engine.statistics().lruCrawlerEnabled)
    }

    // MARK: The schedule

    func testScheduleWaitsLongerForClassesWithNothingToReclaim() {
        var schedule = AutoCrawlSchedule(classCount: 4)
        XCTAssertEqual(schedule.dueClasses(now: 10), 0b1110, "every class is crawled at start")
        XCTAssertEqual(schedule.dueClasses(now: 12), 0, "retried no sooner than 5 s later")
        var idle = CrawlTally()
        idle.expiringByMinute = Array(repeating: 0, count: 61)
        schedule.record(idle, classID: 1, now: 20)
        XCTAssertEqual(schedule.currentWait(1), 60)
        XCTAssertEqual(schedule.dueClasses(now: 84) & 0b10, 0)
        XCTAssertEqual(schedule.dueClasses(now: 86) & 0b10, 0b10)
        for _ in 0..<100 { schedule.record(idle, classID: 1, now: 100) }
        XCTAssertEqual(schedule.currentWait(1), AutoCrawlSchedule.maximumWait)
    }

    func testScheduleComesBackSoonForClassesAboutToExpire() {
        var schedule = AutoCrawlSchedule(classCount: 4)
        var idle = CrawlTally()
        idle.expiringByMinute = Array(repeating: 0, count: 61)
        schedule.record(idle, classID: 2, now: 0)
        schedule.record(idle, classID: 2, now: 0)
        XCTAssertEqual(schedule.currentWait(2), 120)
        var busy = CrawlTally()
        busy.live = 100
        busy.expiringByMinute = Array(repeating: 0, count: 61)
        busy.expiringByMinute[0] = 50
        schedule.record(busy, classID: 2, now: 0)
        XCTAssertEqual(schedule.currentWait(2), 60, "a minute sooner each time")
    }

    // MARK: Helpers

    private func makeCrawlingEngine() -> CacheEngine {
        makeEngine(megabytes: 8) {
            $0.lruCrawler = true
            $0.lruCrawlerSleep = 0
        }
    }

    /// Requests a crawl of every class, waiting out one already running (the automatic one).
    private func crawlAll(_ engine: CacheEngine, file: StaticString = #filePath, line: UInt = #line) {
        var result = engine.requestCrawl(classes: ~1)
        let deadline = Date().addingTimeInterval(Self.deadline)
        while result == .busy && Date() < deadline {
            usleep(10_000)
            result = engine.requestCrawl(classes: ~1)
        }
        XCTAssertEqual(result, .started, file: file, line: line)
    }

    private func waitFor(_ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(Self.deadline)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }
}
