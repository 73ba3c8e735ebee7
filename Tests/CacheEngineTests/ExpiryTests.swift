import XCTest
@testable import CacheEngine

final class ExpiryTests: XCTestCase {
    func testRelativeExpiry() {
        let engine = makeEngine()
        engine.set("k", "v", exptime: 10)
        engine.clock.advance(by: 9)
        XCTAssertEqual(engine.lookup("k"), .hit)
        engine.clock.advance(by: 1)
        XCTAssertEqual(engine.lookup("k"), .expired)
        XCTAssertEqual(engine.lookup("k"), .miss)
    }

    func testNegativeExptimeIsAlreadyExpired() {
        let engine = makeEngine()
        XCTAssertEqual(engine.set("k", "v", exptime: -1), .stored)
        XCTAssertNil(engine.fetch("k"))
    }

    func testAbsoluteExptimeAboveThirtyDays() {
        let engine = makeEngine()
        let unixNow = engine.clock.unixNow
        engine.set("future", "v", exptime: unixNow + 100)
        engine.set("past", "v", exptime: unixNow - 100)
        XCTAssertEqual(engine.lookup("future"), .hit)
        XCTAssertEqual(engine.lookup("past"), .expired)
        engine.clock.advance(by: 100)
        XCTAssertEqual(engine.lookup("future"), .expired)
    }

    func testThirtyDaysIsStillRelative() {
        let engine = makeEngine()
        engine.set("k", "v", exptime: CacheClock.relativeExptimeLimit)
        XCTAssertEqual(engine.lookup("k"), .hit)
    }

    func testTouchChangesExpiry() {
        let engine = makeEngine()
        engine.set("k", "v", exptime: 5)
        XCTAssertEqual(engine.touchKey("k", exptime: 100), .hit)
        engine.clock.advance(by: 50)
        XCTAssertEqual(engine.lookup("k"), .hit)
        XCTAssertEqual(engine.touchKey("missing", exptime: 1), .miss)
    }

    func testFlushAllHidesEverythingStoredBefore() {
        let engine = makeEngine()
        engine.set("a", "1")
        engine.set("b", "2")
        engine.flushAll(delay: 0)
        XCTAssertEqual(engine.lookup("a"), .flushed)
        XCTAssertNil(engine.fetch("b"))
        engine.set("c", "3")
        XCTAssertEqual(engine.fetch("c")?.value, "3")
    }

    func testDelayedFlush() {
        let engine = makeEngine()
        engine.set("a", "1")
        engine.flushAll(delay: 10)
        XCTAssertEqual(engine.lookup("a"), .hit)
        engine.clock.advance(by: 10)
        XCTAssertEqual(engine.lookup("a"), .flushed)
    }

    func testExpiredItemsAreReclaimedBeforeLiveOnesAreEvicted() {
        // Same-length keys: all items share one slab class (with -m 1 there is a single page).
        let engine = makeEngine(megabytes: 1)
        let value = String(repeating: "v", count: 100)
        var index = 0
        while engine.statistics().evictions == 0 && engine.statistics().reclaimed == 0 && index < 100_000 {
            XCTAssertEqual(engine.set(String(format: "key%06d", index), value, exptime: index < 10 ? 1 : 0), .stored)
            index += 1
        }
        engine.clock.advance(by: 2)
        let before = engine.statistics()
        engine.set("fresh0000", value)  // 9 bytes like the others: the same class
        let after = engine.statistics()
        XCTAssertEqual(after.reclaimed, before.reclaimed + 1)
        XCTAssertEqual(after.evictions, before.evictions)
    }
}
