import XCTest
@testable import CacheEngine

/// Stores, reads, deletes and expiries on several threads while the crawler walks the same queues
/// over and over and metadumps run: no torn value, no lost live item, and the item count matches
/// what a full dump sees. Run under `swift test --sanitize=thread` (the CI's filter is `Concurren`).
final class CrawlerConcurrencyTests: XCTestCase {
    func testStoresReadsAndDeletesWhileTheCrawlerWalks() {
        let engine = makeEngine(megabytes: 8) {
            $0.lruCrawler = true
            $0.lruCrawlerSleep = 0
            $0.hashPowerInitial = 8
        }
        let threads = 4
        let iterations = 8_000
        let torn = ManagedCounter()
        let stop = ManagedFlag()
        let crawler = Thread {
            // Keeps the crawler busy: crawls of every class, metadumps in between, time moving on.
            var rounds = 0
            while !stop.isSet && rounds < 100_000 {
                rounds += 1
                _ = engine.requestCrawl(classes: ~1)
                _ = engine.metadump(classes: ~1) { _ in }
                if rounds % 50 == 0 { engine.clock.advance(by: 1) }
                usleep(200)
            }
        }
        crawler.start()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for step in 0..<iterations {
                let slot = (step * 31 + thread) % 500
                switch step % 5 {
                case 0: engine.set("short\(slot)", Self.value(for: step), exptime: 1 + Int64(step % 3))
                case 1: engine.set("live-\(thread)-\(slot)", Self.value(for: slot))
                case 2:
                    if let value = engine.fetch("short\(slot)")?.value, !Self.isWellFormed(value) { torn.increment() }
                case 3:
                    if let value = engine.fetch("live-\(thread)-\(slot)")?.value, value != Self.value(for: slot) { torn.increment() }
                default: _ = engine.remove("short\((slot + 7) % 500)")
                }
            }
        }
        stop.set()
        let deadline = Date().addingTimeInterval(60)
        while !crawler.isFinished && Date() < deadline { usleep(10_000) }
        XCTAssertTrue(crawler.isFinished)
        XCTAssertEqual(torn.value, 0)
        // Every long-lived item written is still there with its value.
        for thread in 0..<threads {
            for slot in Set((0..<iterations).filter { $0 % 5 == 1 }.map { ($0 * 31 + thread) % 500 }) {
                XCTAssertEqual(engine.fetch("live-\(thread)-\(slot)")?.value, Self.value(for: slot))
            }
        }
        // Let everything short-lived expire, crawl, and check the books balance.
        engine.clock.advance(by: 10)
        var started = engine.requestCrawl(classes: ~1)
        let crawlDeadline = Date().addingTimeInterval(30)
        while started == .busy && Date() < crawlDeadline {
            usleep(10_000)
            started = engine.requestCrawl(classes: ~1)
        }
        XCTAssertEqual(started, .started)
        while engine.statistics().lruCrawlerRunning && Date() < crawlDeadline { usleep(10_000) }
        var dumped = 0
        XCTAssertEqual(engine.metadump(classes: ~1) { _ in dumped += 1 }, .started)
        let stats = engine.statistics()
        XCTAssertEqual(Int(stats.currItems), dumped)
        XCTAssertFalse(engine.itemStatistics().isEmpty)
    }

    private static func value(for seed: Int) -> String {
        let byte = UInt8(65 + seed % 26)
        return String(repeating: Character(Unicode.Scalar(byte)), count: 10 + seed % 90)
    }

    private static func isWellFormed(_ value: String) -> Bool {
        guard let first = value.utf8.first else { return false }
        return (10..<100).contains(value.utf8.count) && value.utf8.allSatisfy { $0 == first }
    }
}

/// A lock-protected flag for test threads.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
