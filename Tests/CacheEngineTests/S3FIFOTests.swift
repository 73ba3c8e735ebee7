import XCTest
@testable import CacheEngine

/// The S3-FIFO policy: what is read survives, what is written once goes first, what comes back soon
/// after eviction is admitted straight to the main queue.
final class S3FIFOTests: XCTestCase {
    /// One 1 MB page of 184-byte chunks: 5698 items of a 10-byte key and a 100-byte value.
    private let capacity = 5698
    private let value = String(repeating: "x", count: 100)

    private func key(_ prefix: String, _ index: Int) -> String { String(format: "\(prefix)%0\(10 - prefix.count)d", index) }

    func testItemsReadInTheSmallQueueMoveToMainAndSurviveAScan() {
        let engine = makeEngine(megabytes: 1) { $0.evictionPolicy = .s3fifo }
        for index in 0..<1000 { engine.set(key("hot", index), value) }
        for index in 0..<1000 { XCTAssertNotNil(engine.fetch(key("hot", index))) }
        // A one-pass scan of twice the capacity: none of it is read again.
        for index in 0..<(2 * capacity) { XCTAssertEqual(engine.set(key("scan", index), value), .stored) }
        let hotSurvivors = (0..<1000).filter { engine.fetch(key("hot", $0)) != nil }.count
        XCTAssertEqual(hotSurvivors, 1000, "the read items were promoted and the scan went through the small queue")
        XCTAssertGreaterThan(engine.itemStatistics().first?.number ?? 0, 0)
    }

    func testLRUDoesNotSurviveTheSameScan() {
        // The control: the same workload under LRU loses the hot set (reads within a minute do not bump).
        let engine = makeEngine(megabytes: 1) { $0.evictionPolicy = .lru }
        for index in 0..<1000 { engine.set(key("hot", index), value) }
        for index in 0..<1000 { XCTAssertNotNil(engine.fetch(key("hot", index))) }
        for index in 0..<(2 * capacity) { engine.set(key("scan", index), value) }
        XCTAssertEqual((0..<1000).filter { engine.fetch(key("hot", $0)) != nil }.count, 0)
    }

    func testKeyEvictedFromSmallIsAdmittedToMainWhenStoredAgain() {
        let engine = makeEngine(megabytes: 1) { $0.evictionPolicy = .s3fifo }
        engine.set(key("ghost", 0), value)  // never read: the first to leave the small queue
        var index = 0
        while engine.statistics().evictions == 0 {  // (polling the key itself would count as reads)
            engine.set(key("fill", index), value)
            index += 1
            guard index < 3 * capacity else { return XCTFail("never evicted") }
        }
        XCTAssertNil(engine.fetch(key("ghost", 0)))
        engine.set(key("ghost", 0), value)  // remembered: goes straight to main
        for more in 0..<(2 * capacity) { engine.set(key("more", more), value) }
        XCTAssertNotNil(engine.fetch(key("ghost", 0)), "a remembered key is admitted to main and outlives the churn of the small queue")
    }

    func testEvictionNeverLosesCountOrExceedsMemory() {
        let engine = makeEngine(megabytes: 2) { $0.evictionPolicy = .s3fifo }
        var generator = SystemRandomNumberGenerator()
        var stored = 0
        for step in 0..<60_000 {
            let id = Int.random(in: 0..<20_000, using: &generator)
            if step % 3 == 0 {
                _ = engine.fetch(key("r", id))
            } else if engine.set(key("r", id), value) == .stored {
                stored += 1
            }
        }
        let stats = engine.statistics()
        XCTAssertLessThanOrEqual(stats.totalMalloced, 2 << 20)
        let live = (0..<20_000).filter { engine.fetch(key("r", $0)) != nil }.count
        XCTAssertEqual(UInt64(live), stats.currItems)
    }
}
