import XCTest
@testable import CacheEngine

final class StoreSemanticsTests: XCTestCase {
    func testSetThenGetReturnsValueAndFlags() {
        let engine = makeEngine()
        XCTAssertEqual(engine.set("k", "hello", flags: 42), .stored)
        let item = engine.fetch("k")
        XCTAssertEqual(item?.value, "hello")
        XCTAssertEqual(item?.flags, 42)
    }

    func testEmptyValueRoundTrips() {
        let engine = makeEngine()
        XCTAssertEqual(engine.set("k", ""), .stored)
        XCTAssertEqual(engine.fetch("k")?.value, "")
    }

    func testAddOnlyWhenAbsent() {
        let engine = makeEngine()
        XCTAssertEqual(engine.set("k", "a", mode: .add), .stored)
        XCTAssertEqual(engine.set("k", "b", mode: .add), .notStored)
        XCTAssertEqual(engine.fetch("k")?.value, "a")
    }

    func testReplaceOnlyWhenPresent() {
        let engine = makeEngine()
        XCTAssertEqual(engine.set("k", "a", mode: .replace), .notStored)
        XCTAssertNil(engine.fetch("k"))
        engine.set("k", "a")
        XCTAssertEqual(engine.set("k", "b", mode: .replace), .stored)
        XCTAssertEqual(engine.fetch("k")?.value, "b")
    }

    /// A store over a live key leaves one item and one used chunk, whether the new value stays in
    /// the old item's class (one LRU hold for both) or moves to another.
    func testOverwritesLeaveOneItemAndOneChunkInSameAndOtherClasses() {
        let engine = makeEngine()
        let small = String(repeating: "s", count: 10)
        let large = String(repeating: "L", count: 3_000)
        for (value, mode) in [(small, StoreMode.set), (small, .set), (large, .set), (large, .replace),
                              (small, .replace), (large, .set)] {
            XCTAssertEqual(engine.set("k", value, mode: mode), .stored)
            XCTAssertEqual(engine.fetch("k")?.value, value)
            XCTAssertEqual(engine.itemStatistics().map(\.number).reduce(0, +), 1)
            XCTAssertEqual(engine.slabStatistics().map(\.usedChunks).reduce(0, +), 1)
        }
        let cas = engine.fetch("k")!.cas
        XCTAssertEqual(engine.set("k", small, mode: .cas, cas: cas), .stored)
        XCTAssertEqual(engine.fetch("k")?.value, small)
        XCTAssertEqual(engine.itemStatistics().map(\.number).reduce(0, +), 1)
        XCTAssertEqual(engine.slabStatistics().map(\.usedChunks).reduce(0, +), 1)
    }

    func testAppendAndPrependKeepFlags() {
        let engine = makeEngine()
        XCTAssertEqual(engine.set("k", "x", mode: .append), .notStored)
        engine.set("k", "mid", flags: 7)
        XCTAssertEqual(engine.set("k", "-end", flags: 99, mode: .append), .stored)
        XCTAssertEqual(engine.set("k", "start-", mode: .prepend), .stored)
        XCTAssertEqual(engine.fetch("k")?.value, "start-mid-end")
        XCTAssertEqual(engine.fetch("k")?.flags, 7)
    }

    func testCASMatchesOnlyCurrentVersion() {
        let engine = makeEngine()
        XCTAssertEqual(engine.set("k", "v", mode: .cas, cas: 1), .notFound)
        engine.set("k", "v1")
        let first = engine.fetch("k")!.cas
        XCTAssertNotEqual(first, 0)
        XCTAssertEqual(engine.set("k", "v2", mode: .cas, cas: first &+ 1000), .exists)
        XCTAssertEqual(engine.set("k", "v2", mode: .cas, cas: first), .stored)
        let second = engine.fetch("k")!.cas
        XCTAssertGreaterThan(second, first)
        XCTAssertEqual(engine.set("k", "v3", mode: .cas, cas: first), .exists)
        XCTAssertEqual(engine.fetch("k")?.value, "v2")
    }

    func testCASDisabledReportsZero() {
        let engine = makeEngine { $0.casEnabled = false }
        engine.set("k", "v")
        XCTAssertEqual(engine.fetch("k")?.cas, 0)
    }

    func testDelete() {
        let engine = makeEngine()
        XCTAssertFalse(engine.remove("k"))
        engine.set("k", "v")
        XCTAssertTrue(engine.remove("k"))
        XCTAssertNil(engine.fetch("k"))
        XCTAssertEqual(engine.statistics().currItems, 0)
    }

    func testTooLargeFollowsMemcachedBound() {
        let engine = makeEngine { $0.itemSizeMax = 1 << 20 }
        // memcached: 48 header + 8 cas + key + 1 + value + 2 <= -I
        let key = "k"
        let fitting = (1 << 20) - 48 - 8 - key.utf8.count - 1 - 2
        XCTAssertEqual(engine.set(key, String(repeating: "x", count: fitting)), .stored)
        XCTAssertEqual(engine.set(key, String(repeating: "x", count: fitting + 1)), .tooLarge)
        XCTAssertEqual(engine.fetch(key)?.value.count, fitting)
    }

    func testReleasedPendingItemReturnsItsChunk() {
        let engine = makeEngine()
        var key = "k"
        key.withUTF8 { keyBytes in
            guard case .allocated(let pending) = engine.allocate(key: UnsafeRawBufferPointer(keyBytes), flags: 0, exptime: 0, valueLength: 10) else {
                return XCTFail("allocation failed")
            }
            XCTAssertEqual(engine.slabStatistics().first?.usedChunks, 1)
            engine.release(pending)
            XCTAssertEqual(engine.slabStatistics().first?.usedChunks, 0)
        }
        XCTAssertNil(engine.fetch("k"))
    }
}
