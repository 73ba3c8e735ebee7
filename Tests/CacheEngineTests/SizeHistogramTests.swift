import XCTest
@testable import CacheEngine

/// `stats sizes`: memcached's 32-byte buckets of memcached-sized items, counting only items linked
/// after tracking was enabled.
final class SizeHistogramTests: XCTestCase {
    func testOffUntilEnabled() {
        let engine = makeEngine()
        engine.set("a", "v")
        XCTAssertNil(engine.sizeHistogram())
        XCTAssertFalse(engine.sizeTrackingEnabled)
    }

    func testCountsItemsLinkedAfterEnablingInMemcachedBuckets() {
        let engine = makeEngine()
        engine.set("before", "1")
        XCTAssertEqual(engine.enableSizeTracking(), .enabled)
        // memcached sizes: 48 + 8 + key + 1 + (flags ? 4 : 0) + value + 2.
        engine.set("b", String(repeating: "x", count: 100))   // 160 → bucket 160
        engine.set("c", "x", flags: 5)                          // 65 → bucket 96
        engine.set("before", "22")                              // replaced: 67 → bucket 96
        XCTAssertEqual(labels(engine), [96: 2, 160: 1])
        XCTAssertTrue(engine.remove("b"))
        XCTAssertEqual(labels(engine), [96: 2])
    }

    func testInPlaceChangesOfOldItemsNeverGoBelowZero() {
        let engine = makeEngine()
        engine.set("n", "10")
        XCTAssertEqual(engine.enableSizeTracking(), .enabled)
        // An in-place incr gives the old item a new CAS: it is counted from then on, as in memcached.
        _ = engine.adjust("n", increment: true, by: 1)
        XCTAssertEqual(labels(engine), [64: 1])
        XCTAssertTrue(engine.remove("n"))
        XCTAssertEqual(labels(engine), [:])
    }

    func testDisableForgetsAndCASlessEngineRefuses() {
        let engine = makeEngine()
        _ = engine.enableSizeTracking()
        engine.set("a", "v")
        engine.disableSizeTracking()
        XCTAssertNil(engine.sizeHistogram())
        let withoutCAS = makeEngine { $0.casEnabled = false }
        XCTAssertEqual(withoutCAS.enableSizeTracking(), .casDisabled)
    }

    private func labels(_ engine: CacheEngine) -> [Int: UInt32] {
        Dictionary(uniqueKeysWithValues: (engine.sizeHistogram() ?? []).map { ($0.size, $0.count) })
    }
}
