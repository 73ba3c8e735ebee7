import XCTest
@testable import CacheEngine

/// Slab page moves: what `slabs reassign` refuses, what a move does to the items of both classes, that
/// concurrent stores never see a torn or lost item while pages move, and that automove reacts.
final class SlabRebalancingTests: XCTestCase {
    private let small = String(repeating: "s", count: 100)   // 10-byte keys: 184-byte chunks
    private let large = String(repeating: "L", count: 2000)  // 2,120 bytes with header and key

    private func key(_ prefix: String, _ index: Int) -> String { String(format: "\(prefix)%0\(10 - prefix.count)d", index) }

    private func classOf(_ engine: CacheEngine, valueLength: Int) -> Int {
        engine.sizes.classFor(size: Item.size(keyLength: 10, valueLength: valueLength, flags: 0, withCAS: true))!
    }

    private func pages(_ engine: CacheEngine, _ classID: Int) -> Int { engine.slabs.statistics(classID).totalPages }

    /// Stores large values (2,000 keys' worth, round robin) for up to `seconds`, or until `done`.
    private func storeLargeValues(_ engine: CacheEngine, for seconds: Double, until done: () -> Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        var index = 0
        while !done(), Date() < deadline {
            engine.set(key("L", index % 5000), large)
            index += 1
            if index % 200 == 0 { Thread.sleep(forTimeInterval: 0.01) }
        }
    }

    /// Stores small values until memory is full (the first eviction); returns how many were stored.
    private func fillWithSmallValuesUntilEviction(_ engine: CacheEngine) -> Int {
        var written = 0
        while engine.statistics().evictions == 0 {
            engine.set(key("s", written), small)
            written += 1
        }
        return written
    }

    private func waitForMoves(_ engine: CacheEngine, count: UInt64, seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while engine.statistics().slabsMoved < count || engine.statistics().slabReassignRunning {
            if Date() > deadline { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return true
    }

    func testReassignRefusesWhatMemcachedRefuses() {
        let engine = makeEngine(megabytes: 4) { $0.slabAutomove = 0 }
        let smallClass = classOf(engine, valueLength: 100)
        engine.set(key("s", 0), small)
        XCTAssertEqual(engine.reassignSlabPage(from: smallClass, to: smallClass), .sameClass)
        XCTAssertEqual(engine.reassignSlabPage(from: 0, to: smallClass), .noSpare, "the pool (class 0) is empty")
        XCTAssertEqual(engine.reassignSlabPage(from: -2, to: smallClass), .badClass)
        XCTAssertEqual(engine.reassignSlabPage(from: smallClass, to: engine.slabChunkSizes.count), .badClass)
        XCTAssertEqual(engine.reassignSlabPage(from: smallClass, to: smallClass + 1), .noSpare, "one page only")
    }

    func testRequestedMoveEvictsOnlyTheMovedPageAndFeedsTheDestination() {
        let engine = makeEngine(megabytes: 4) { $0.slabAutomove = 0 }
        let smallClass = classOf(engine, valueLength: 100)
        let largeClass = classOf(engine, valueLength: 2000)
        let written = fillWithSmallValuesUntilEviction(engine)
        for index in 0..<10 { XCTAssertEqual(engine.set(key("L", index), large), .stored) }
        let before = (small: pages(engine, smallClass), large: pages(engine, largeClass))
        XCTAssertEqual(engine.reassignSlabPage(from: smallClass, to: largeClass), .ok)
        XCTAssertTrue(waitForMoves(engine, count: 1))
        XCTAssertEqual(pages(engine, smallClass), before.small - 1)
        XCTAssertEqual(pages(engine, largeClass), before.large + 1)
        // Every small item still there is intact; about one page's worth is gone.
        let survivors = (0..<written).compactMap { engine.fetch(key("s", $0)) }
        XCTAssertTrue(survivors.allSatisfy { $0.value == small })
        XCTAssertEqual(engine.statistics().currItems, UInt64(survivors.count + 10))
        XCTAssertLessThanOrEqual(written - survivors.count, 2 * engine.slabs.sizes.chunksPerPage(smallClass))
        XCTAssertGreaterThan(engine.statistics().slabReassignEvictions, 0)
        // The destination now stores a page's worth more without evicting.
        let evictionsBefore = engine.statistics().evictions
        for index in 10..<(10 + engine.slabs.sizes.chunksPerPage(largeClass) - 1) {
            XCTAssertEqual(engine.set(key("L", index), large), .stored)
        }
        XCTAssertEqual(engine.statistics().evictions, evictionsBefore)
    }

    func testAMoveCountsAnItemAResponseStillSendsAsABusyDelete() {
        let engine = makeEngine(megabytes: 4) { $0.slabAutomove = 0 }
        let smallClass = classOf(engine, valueLength: 100)
        let largeClass = classOf(engine, valueLength: 2000)
        let written = fillWithSmallValuesUntilEviction(engine)
        // The last item stored without evicting took a fresh chunk: it lies in the class's last page,
        // the one a move empties.
        var token: UInt32 = 0
        let found = Array(key("s", written - 2).utf8).withUnsafeBytes { name in engine.get(name) { token = engine.pin($0) } }
        XCTAssertEqual(found, .hit)
        XCTAssertEqual(engine.set(key("L", 0), large), .stored)
        XCTAssertEqual(engine.reassignSlabPage(from: smallClass, to: largeClass), .ok)
        let deadline = Date().addingTimeInterval(20)
        while engine.statistics().slabReassignBusyDeletes == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(engine.statistics().slabReassignBusyDeletes, 1)
        XCTAssertNil(engine.fetch(key("s", written - 2)), "unlinked while still pinned")
        engine.unpin(token)  // its chunk comes back: the page can now move
        XCTAssertTrue(waitForMoves(engine, count: 1))
        let statistics = engine.statistics()
        XCTAssertEqual(statistics.slabReassignBusyDeletes, 1)
        XCTAssertGreaterThan(statistics.slabReassignEvictions, 0)
        engine.resetStatistics()  // stats reset: the page mover's counts start again, as memcached's
        let reset = engine.statistics()
        XCTAssertEqual([reset.slabsMoved, reset.slabReassignEvictions, reset.slabReassignBusyDeletes], [0, 0, 0])
    }

    func testConcurrentStoresDuringRepeatedMovesNeverTearOrLoseAccounting() {
        let engine = makeEngine(megabytes: 6) { $0.slabAutomove = 0 }
        let smallClass = classOf(engine, valueLength: 100)
        let largeClass = classOf(engine, valueLength: 2000)
        for index in 0..<40_000 { engine.set(key("s", index), small) }
        for index in 0..<600 { engine.set(key("L", index), large) }
        let totalPages = engine.slabStatistics().reduce(0) { $0 + $1.totalPages }
        let stop = ManagedCounter()
        let torn = ManagedCounter()
        let group = DispatchGroup()
        for worker in 0..<3 {
            DispatchQueue.global().async(group: group) {
                var step = 0
                while stop.value == 0 {
                    let useLarge = (step + worker) % 3 == 0
                    let id = (step * 7919 + worker) % (useLarge ? 2000 : 60_000)
                    let name = self.key(useLarge ? "L" : "s", id)
                    if step % 2 == 0 {
                        engine.set(name, useLarge ? self.large : self.small)
                    } else if let value = engine.fetch(name)?.value, value != (useLarge ? self.large : self.small) {
                        torn.increment()
                    }
                    step += 1
                }
            }
        }
        var moves: UInt64 = 0
        for round in 0..<6 {
            let (source, destination) = round % 2 == 0 ? (smallClass, largeClass) : (largeClass, smallClass)
            if engine.reassignSlabPage(from: source, to: destination) == .ok {
                moves += 1
                XCTAssertTrue(waitForMoves(engine, count: moves), "move \(round) did not finish")
            }
        }
        stop.increment()
        group.wait()
        XCTAssertGreaterThanOrEqual(moves, 4)
        XCTAssertEqual(torn.value, 0)
        XCTAssertEqual(engine.slabStatistics().reduce(0) { $0 + $1.totalPages }, totalPages, "pages are conserved")
        for statistics in engine.slabStatistics() {
            XCTAssertEqual(statistics.usedChunks + statistics.freeChunks, statistics.totalChunks, "class \(statistics.classID)")
        }
        let live = (0..<60_000).filter { engine.fetch(key("s", $0)) != nil }.count
            + (0..<2000).filter { engine.fetch(key("L", $0)) != nil }.count
        XCTAssertEqual(UInt64(live), engine.statistics().currItems)
    }

    func testAutomoveOneTakesFromTheClassWhoseItemsNobodyUsed() {
        let engine = makeEngine(megabytes: 4) {
            $0.slabAutomove = 1
            $0.slabAutomoveWindow = 4  // memcached's 30 s would make the test wait 8 s before a class counts as evicting
        }
        let largeClass = classOf(engine, valueLength: 2000)
        _ = fillWithSmallValuesUntilEviction(engine)
        engine.clock.advance(by: 100)  // the small items are now 100 s old; no class has free memory
        let largeBefore = pages(engine, largeClass)
        storeLargeValues(engine, for: 15) { engine.statistics().slabsMoved > 0 }
        XCTAssertTrue(waitForMoves(engine, count: 1, seconds: 5))
        XCTAssertGreaterThan(pages(engine, largeClass), largeBefore)
    }

    func testAutomoveOneLeavesRecentlyUsedMemoryAlone() {
        // Same shift, but the small items are as fresh as the large ones: nothing may move.
        let engine = makeEngine(megabytes: 4) {
            $0.slabAutomove = 1
            $0.slabAutomoveWindow = 4  // memcached's 30 s would make the test wait 8 s before a class counts as evicting
        }
        _ = fillWithSmallValuesUntilEviction(engine)
        storeLargeValues(engine, for: 5) { false }
        XCTAssertEqual(engine.statistics().slabsMoved, 0)
    }

    func testAutomoveOneHonoursTheAgeRatio() {
        // As the first automove test, but the destination must be younger than 1% of the source's age.
        let engine = makeEngine(megabytes: 4) {
            $0.slabAutomove = 1
            $0.slabAutomoveWindow = 4
            $0.slabAutomoveRatio = 0.01
        }
        _ = fillWithSmallValuesUntilEviction(engine)
        engine.clock.advance(by: 100)  // small items 100 s old: 100 * 0.01 = 1 s, and the large ones are not younger
        storeLargeValues(engine, for: 6) { false }
        XCTAssertEqual(engine.statistics().slabsMoved, 0)
    }

    func testEvictionWindowFollowsMemcachedsRule() {
        var window = EvictionWindow(classCount: 3, seconds: 4)
        // Class 1 evicts in 2 of 4 seconds alongside class 2, which evicts far more: not more than half,
        // and its average share is small.
        for evictions: [UInt64] in [[0, 1, 99], [0, 0, 50], [0, 1, 99], [0, 0, 50]] { window.record(evictions) }
        XCTAssertFalse(window.isEvicting(1))
        XCTAssertTrue(window.isEvicting(2))
        // Two more seconds with evictions replace the oldest two: three of the last four, more than half.
        window.record([0, 1, 99])
        window.record([0, 1, 99])
        XCTAssertTrue(window.isEvicting(1))
        // A class alone evicting in 2 of 4 seconds has an average share of 1/2: above a quarter.
        var alone = EvictionWindow(classCount: 3, seconds: 4)
        for evictions: [UInt64] in [[0, 5, 0], [0, 0, 0], [0, 5, 0], [0, 0, 0]] { alone.record(evictions) }
        XCTAssertTrue(alone.isEvicting(1))
        XCTAssertFalse(alone.isEvicting(2))
    }

    func testAutomoveGivesPagesToAClassThatKeepsEvicting() {
        let engine = makeEngine(megabytes: 4) {
            $0.slabAutomove = 2
            $0.slabAutomoveWindow = 4
        }
        let largeClass = classOf(engine, valueLength: 2000)
        _ = fillWithSmallValuesUntilEviction(engine)
        let largeBefore = pages(engine, largeClass)
        // Only large values from now on, for several seconds: the large class evicts every second.
        storeLargeValues(engine, for: 15) { engine.statistics().slabsMoved > 0 }
        XCTAssertTrue(waitForMoves(engine, count: 1, seconds: 5))
        XCTAssertGreaterThan(pages(engine, largeClass), largeBefore)
    }
}
