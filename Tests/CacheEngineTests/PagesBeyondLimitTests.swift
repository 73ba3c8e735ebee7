import XCTest
@testable import CacheEngine

/// memcached lets a class with no page take one beyond `-m`; with up to 127 classes that could nearly
/// double the overshoot, so the pages taken beyond the limit are capped at 63 (memcached's worst case)
/// and a class that finds them spent is given a page moved from the class with the most.
final class PagesBeyondLimitTests: XCTestCase {
    private let megabytes = 8

    /// Fills -m with 100-byte values (one class), then stores one item in each of `count` other classes.
    private func fillThenSpread(_ engine: CacheEngine, count: Int) -> (classes: [Int], results: [StoreResult]) {
        var index = 0
        while engine.statistics().evictions == 0 {
            XCTAssertEqual(engine.set(String(format: "fill%06d", index), String(repeating: "s", count: 100)), .stored)
            index += 1
        }
        let fillClass = engine.slabStatistics().max { $0.totalPages < $1.totalPages }!.classID
        let sizes = engine.slabChunkSizes
        let classes = Array((1..<sizes.count).filter { $0 != fillClass }.prefix(count))
        var results: [StoreResult] = []
        for classID in classes {
            results.append(engine.set(key(classID), value(classID, sizes)))
            XCTAssertLessThanOrEqual(engine.arena.pagesInUse, megabytes + ArenaLayout.pagesBeyondLimitCap)
        }
        return (classes, results)
    }

    private func key(_ classID: Int) -> String { String(format: "late%03d", classID) }

    private func value(_ classID: Int, _ sizes: [Int]) -> String {
        String(repeating: "v", count: sizes[classID] - Item.headerSize(flags: 0, withCAS: true) - key(classID).utf8.count)
    }

    func testAtMost63PagesBeyondTheLimitThenAPageIsMovedToTheLateClass() throws {
        let engine = makeEngine(megabytes: megabytes)
        XCTAssertGreaterThan(engine.slabChunkSizes.count - 2, ArenaLayout.pagesBeyondLimitCap + 3)
        let cap = ArenaLayout.pagesBeyondLimitCap
        let (classes, results) = fillThenSpread(engine, count: cap + 3)
        XCTAssertEqual(Array(results.prefix(cap)), Array(repeating: .stored, count: cap), "memcached's first page beyond -m")
        XCTAssertEqual(Array(results.suffix(3)), Array(repeating: .outOfMemory, count: 3), "the allowance is spent")
        XCTAssertEqual(engine.arena.pagesInUse, megabytes + cap)
        // The rebalancer gives each waiting class a page from the class with the most.
        let sizes = engine.slabChunkSizes
        for classID in classes.suffix(3) {
            let deadline = Date().addingTimeInterval(10)
            var result = StoreResult.outOfMemory
            while result != .stored, Date() < deadline {
                result = engine.set(key(classID), value(classID, sizes))
                if result != .stored { usleep(10_000) }
            }
            XCTAssertEqual(result, .stored, "class \(classID) got a page")
            XCTAssertEqual(engine.fetch(key(classID))?.value.count, value(classID, sizes).count)
        }
        XCTAssertEqual(engine.arena.pagesInUse, megabytes + cap, "pages moved, none added")
        XCTAssertEqual(engine.slabStatistics().reduce(0) { $0 + $1.totalPages }, megabytes + cap)
    }

    func testWithoutEvictionsTheLateClassIsRefused() {
        let engine = makeEngine(megabytes: megabytes) { $0.evictionsEnabled = false }
        var index = 0
        while engine.set(String(format: "fill%06d", index), String(repeating: "s", count: 100)) == .stored { index += 1 }
        let sizes = engine.slabChunkSizes
        let fillClass = engine.slabStatistics().max { $0.totalPages < $1.totalPages }!.classID
        let classes = (1..<sizes.count).filter { $0 != fillClass }.prefix(ArenaLayout.pagesBeyondLimitCap + 1)
        let results = classes.map { engine.set(key($0), value($0, sizes)) }
        XCTAssertEqual(results.last, .outOfMemory)
        usleep(1_500_000)  // a rebalancer round: -M moves no page (that would evict)
        XCTAssertEqual(engine.set(key(classes.last!), value(classes.last!, sizes)), .outOfMemory)
        XCTAssertEqual(engine.arena.pagesInUse, megabytes + ArenaLayout.pagesBeyondLimitCap)
    }
}
