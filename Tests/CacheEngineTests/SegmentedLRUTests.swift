import XCTest
@testable import CacheEngine

/// memcached's segmented LRU (`eviction_policy=segmented`): segment bookkeeping, rescue of active
/// items, segment limits, the temp segment and flat mode. Most tests run without the maintainer
/// thread and juggle by hand, so what they see is deterministic.
final class SegmentedLRUTests: XCTestCase {
    /// One 1 MB page of 152-byte chunks (the default class table): 6898 items of a 10-byte key and a
    /// 100-byte value.
    private let capacity = 6898
    private let value = String(repeating: "v", count: 100)

    private func key(_ prefix: String, _ index: Int) -> String { String(format: "\(prefix)%0\(10 - prefix.count)d", index) }

    private func makeSegmented(megabytes: Int = 1, maintainer: Bool = false,
                               _ configure: (inout SegmentedLRUSettings) -> Void = { _ in }) -> CacheEngine {
        makeEngine(megabytes: megabytes) {
            $0.evictionPolicy = .segmented
            $0.segmentedLRU.maintainer = maintainer
            configure(&$0.segmentedLRU)
        }
    }

    private func assertConsistent(_ engine: CacheEngine, file: StaticString = #filePath, line: UInt = #line) {
        let check = engine.checkSegments()
        XCTAssertEqual(check.problems, [], file: file, line: line)
        XCTAssertEqual(UInt64(check.linkedItems), engine.statistics().currItems, "every linked item is in exactly one queue",
                       file: file, line: line)
    }

    func testNewItemsEnterHotAndSecondFetchMakesActive() {
        let engine = makeSegmented()
        engine.set("k", "v")
        XCTAssertEqual(engine.segment(of: "k"), .hot)
        for index in 0..<99 { engine.set(key("o", index), "v") }
        _ = engine.fetch("k")
        XCTAssertEqual(engine.statistics().movesToWarm, 0)
        _ = engine.fetch("k")
        // Active: the juggle moves it from the hot tail to warm (within warm's share) instead of cold.
        engine.juggleUntilSettled()
        XCTAssertEqual(engine.segment(of: "k"), .warm)
        XCTAssertEqual(engine.segment(of: key("o", 0)), .cold)
        XCTAssertEqual(engine.statistics().movesToWarm, 1)
    }

    func testRandomOperationsKeepEverySegmentConsistent() {
        let engine = makeSegmented(megabytes: 1) { $0.temporaryTTL = 5 }
        var generator = SystemRandomNumberGenerator()
        for step in 0..<60_000 {
            let name = key("r", Int.random(in: 0..<50_000, using: &generator))
            switch Int.random(in: 0..<10, using: &generator) {
            case 0...2: _ = engine.fetch(name)
            case 3...6: engine.set(name, String(repeating: "x", count: [60, 100, 140].randomElement(using: &generator)!))
            case 7: engine.set(name, "1", exptime: Int64.random(in: 1...20, using: &generator))
            case 8: _ = engine.remove(name)
            default: _ = engine.touchKey(name, exptime: 0)
            }
            if step % 500 == 0 { engine.clock.advance(by: 1) }
            if step % 2_000 == 0 {
                for classID in 1..<engine.lrus.classCount { _ = engine.juggleSegments(classID) }
            }
            if step % 10_000 == 0 { assertConsistent(engine) }
        }
        assertConsistent(engine)
        engine.juggleUntilSettled()
        assertConsistent(engine)
        XCTAssertGreaterThan(engine.statistics().evictions, 0, "the workload must overflow memory to test eviction")
        XCTAssertGreaterThan(engine.statistics().movesToCold, 0)
    }

    func testActiveItemsInColdAreRescuedNotEvicted() {
        let engine = makeSegmented()
        engine.set("keep000000", value)
        engine.set("lose000000", value)
        // Fill the class without evicting; juggling pushes the oldest hot items (these two) to cold.
        for index in 0..<(capacity - 10) { engine.set(key("fill", index), value) }
        engine.juggleUntilSettled()
        XCTAssertEqual(engine.segment(of: "keep000000"), .cold)
        _ = engine.fetch("keep000000")
        _ = engine.fetch("keep000000")  // second fetch in cold: active, rescued to warm at once
        XCTAssertEqual(engine.segment(of: "keep000000"), .warm)
        for index in 0..<(2 * capacity) { engine.set(key("more", index), value) }
        XCTAssertNotNil(engine.fetch("keep000000"), "the active item was rescued")
        XCTAssertNil(engine.fetch("lose000000"))
        XCTAssertEqual(engine.statistics().evictedActive, 0)
        assertConsistent(engine)
    }

    func testMaintainerRescuesActiveColdTail() {
        let engine = makeSegmented()
        for index in 0..<100 { engine.set(key("k", index), value) }
        // Everything to cold (flat drain), then mark the cold tail active the way a deferred bump
        // leaves it: the maintainer's cold pull must move it to warm rather than leave it to eviction.
        engine.tuning.setSegmented(false)
        engine.juggleUntilSettled()
        engine.tuning.setSegmented(true)
        let classID = engine.lrus.states[1].count > 0 ? 1 : (1..<engine.lrus.classCount).first { engine.lrus.states[$0].count > 0 }!
        let tail = engine.arena.item(engine.lrus.queueTail(classID, LRUSegment.cold.queue))
        tail.isActive = true
        XCTAssertEqual(engine.juggleSegments(classID) > 0, true)
        XCTAssertEqual(LRUSegment(engine.lrus.queue(of: tail)), .warm)
        XCTAssertFalse(tail.isActive, "the rescue spends the mark")
        assertConsistent(engine)
    }

    func testHotAndWarmStayWithinTheirShares() {
        let engine = makeSegmented(megabytes: 2)
        for index in 0..<8_000 {
            engine.set(key("k", index), value)
            if index % 2 == 0 { _ = engine.fetch(key("k", index)); _ = engine.fetch(key("k", index)) }
        }
        engine.juggleUntilSettled()
        for classID in 1..<engine.lrus.classCount where engine.lrus.states[classID].count > 0 {
            let hot = engine.segmentFigures(classID, .hot)
            let warm = engine.segmentFigures(classID, .warm)
            let cold = engine.segmentFigures(classID, .cold)
            let total = hot.bytes + warm.bytes + cold.bytes
            XCTAssertLessThanOrEqual(hot.bytes, total * 20 / 100, "hot_lru_pct")
            XCTAssertLessThanOrEqual(warm.bytes, total * 40 / 100, "warm_lru_pct")
            XCTAssertGreaterThan(warm.count, 0, "active items reached warm")
        }
        assertConsistent(engine)
    }

    func testHotItemsOlderThanTheAgeLimitMoveToCold() {
        let engine = makeSegmented { $0.hotPercent = 79; $0.warmPercent = 1 }
        for index in 0..<10 { engine.set(key("old", index), value) }
        // Make a cold tail 100 s old, then age the hot items past 0.2 × 100 s.
        engine.tuning.setSegmented(false)
        engine.juggleUntilSettled()
        engine.tuning.setSegmented(true)
        engine.clock.advance(by: 100)
        for index in 0..<10 { engine.set(key("new", index), value) }
        engine.juggleUntilSettled()
        XCTAssertEqual(engine.segment(of: key("new", 0)), .hot, "young and within its share: stays hot")
        engine.clock.advance(by: 30)
        engine.juggleUntilSettled()
        XCTAssertEqual(engine.segment(of: key("new", 0)), .cold, "idle 30 s > 0.2 × 130 s: cold")
    }

    func testTemporaryItemsLiveInTempAndAreReclaimedNotEvicted() {
        let engine = makeSegmented { $0.temporaryTTL = 10 }
        engine.set("short00000", value, exptime: 5)
        engine.set("long000000", value, exptime: 100)
        XCTAssertEqual(engine.segment(of: "short00000"), .temp)
        XCTAssertEqual(engine.segment(of: "long000000"), .hot)
        for index in 0..<(2 * capacity) { engine.set(key("fill", index), value) }
        XCTAssertNotNil(engine.fetch("short00000"), "temp items are never evicted")
        engine.clock.advance(by: 6)
        engine.juggleUntilSettled()
        XCTAssertNil(engine.segment(of: "short00000"), "the juggle reclaimed it")
        XCTAssertGreaterThan(engine.statistics().reclaimed, 0)
        assertConsistent(engine)
    }

    func testFlatModeDrainsIntoColdWithTheMaintainer() {
        let engine = makeSegmented(maintainer: true)
        XCTAssertTrue(engine.lruMaintainerRunning)
        for index in 0..<500 { engine.set(key("k", index), value) }
        XCTAssertTrue(engine.setLRUMode(segmented: false))
        engine.set("after", value)
        XCTAssertEqual(engine.segment(of: "after"), .cold, "flat mode links new items in cold")
        let deadline = Date().addingTimeInterval(30)
        var drained = false
        while !drained, Date() < deadline {
            drained = (1..<engine.lrus.classCount).allSatisfy {
                engine.segmentFigures($0, .hot).count == 0 && engine.segmentFigures($0, .warm).count == 0
            }
            if !drained { usleep(10_000) }
        }
        XCTAssertTrue(drained, "the maintainer drains hot and warm into cold")
        XCTAssertGreaterThan(engine.statistics().lruMaintainerJuggles ?? 0, 0)
        assertConsistent(engine)
    }

    func testModeAndTempTTLNeedTheMaintainer() {
        let engine = makeSegmented(maintainer: false)
        XCTAssertFalse(engine.lruMaintainerRunning)
        XCTAssertFalse(engine.setLRUMode(segmented: false))
        XCTAssertFalse(engine.setTemporaryTTL(10))
        XCTAssertNil(engine.statistics().lruMaintainerJuggles)
        let s3fifo = makeEngine { $0.evictionPolicy = .s3fifo }
        XCTAssertFalse(s3fifo.lruMaintainerRunning)
    }

    func testOutOfMemoryWithoutEvictionsStillReclaims() {
        let engine = makeEngine(megabytes: 1) { $0.evictionPolicy = .segmented; $0.evictionsEnabled = false }
        var stored = 0
        for index in 0..<(2 * capacity) where engine.set(key("m", index), value) == .stored { stored += 1 }
        XCTAssertLessThanOrEqual(stored, capacity + 100)
        XCTAssertEqual(engine.statistics().evictions, 0)
        assertConsistent(engine)
    }
}
