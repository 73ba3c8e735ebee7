import XCTest
@testable import CacheEngine

/// Eviction-order scenarios that more than one policy's tests run.
extension XCTestCase {
    /// Stores 200,000 items past 4 MB: memory stays within the limit and the survivors are exactly
    /// the newest keys.
    func assertOldestEvictedFirst(_ engine: CacheEngine, label: String) {
        let value = String(repeating: "x", count: 100)
        let total = 200_000
        for index in 0..<total {
            XCTAssertEqual(engine.set(String(format: "key%07d", index), value), .stored)
        }
        let stats = engine.statistics()
        XCTAssertLessThanOrEqual(stats.totalMalloced, 4 << 20)
        XCTAssertLessThanOrEqual(stats.bytes, 4 << 20)
        XCTAssertGreaterThan(stats.evictions, 0)
        XCTAssertEqual(stats.currItems + stats.evictions, UInt64(total))
        // Written once and never read: the newest keys survive, the oldest are gone.
        XCTAssertNotNil(engine.fetch(String(format: "key%07d", total - 1)))
        XCTAssertNil(engine.fetch(String(format: "key%07d", 0)))
        let survivors = (0..<total).filter { engine.fetch(String(format: "key%07d", $0)) != nil }
        XCTAssertEqual(UInt64(survivors.count), stats.currItems)
        XCTAssertEqual(survivors.first, total - survivors.count, "\(label): survivors are exactly the most recent keys")
    }

    /// Stores "precious00" (the oldest item), 3000 fillers, reads it a minute later (bumps are
    /// rate-limited to once a minute), then 4000 more fillers: past the 1 MB of a one-page engine.
    func readOldestThenChurn(_ engine: CacheEngine) {
        let value = String(repeating: "x", count: 100)
        engine.set("precious00", value)
        for index in 0..<3000 { engine.set(String(format: "filler%04d", index), value) }
        engine.clock.advance(by: 61)
        XCTAssertNotNil(engine.fetch("precious00"))
        for index in 3000..<7000 { XCTAssertEqual(engine.set(String(format: "filler%04d", index), value), .stored) }
        XCTAssertGreaterThan(engine.statistics().evictions, 0)
    }
}
