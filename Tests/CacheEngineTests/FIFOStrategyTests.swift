import XCTest
@testable import CacheEngine

/// A policy sketched in one file (FIFOStrategy.swift) runs in an engine: registered at start-up, it
/// decides every eviction.
final class FIFOStrategyTests: XCTestCase {
    private let value = String(repeating: "x", count: 100)

    private func makeFIFOEngine(megabytes: Int) -> CacheEngine {
        var configuration = EngineConfiguration()
        configuration.memoryLimit = megabytes << 20
        let engine = CacheEngine(configuration: configuration, clock: CacheClock(unixNow: 1_700_000_000),
                                 strategy: .sketch(FIFOStrategy()))
        addTeardownBlock { engine.shutdown() }
        return engine
    }

    private func key(_ index: Int) -> String { String(format: "key%07d", index) }

    func testStoresPastMemoryEvictOldestFirst() {
        let engine = makeFIFOEngine(megabytes: 4)
        let total = 200_000
        for index in 0..<total { XCTAssertEqual(engine.set(key(index), value), .stored) }
        let stats = engine.statistics()
        XCTAssertLessThanOrEqual(stats.totalMalloced, 4 << 20)
        XCTAssertGreaterThan(stats.evictions, 0)
        XCTAssertEqual(stats.currItems + stats.evictions, UInt64(total))
        let survivors = (0..<total).filter { engine.fetch(key($0)) != nil }
        XCTAssertEqual(UInt64(survivors.count), stats.currItems)
        XCTAssertEqual(survivors.first, total - survivors.count, "survivors are exactly the most recent keys")
    }

    func testReadsDoNotSaveTheOldestItem() {
        // Under LRU a read a minute later moves the item to the head (MemoryTests); under FIFO it
        // stays first in line.
        let engine = makeFIFOEngine(megabytes: 1)
        engine.set("precious00", value)
        for index in 0..<3000 { engine.set(String(format: "filler%04d", index), value) }
        engine.clock.advance(by: 61)
        XCTAssertNotNil(engine.fetch("precious00"))
        for index in 3000..<7000 { XCTAssertEqual(engine.set(String(format: "filler%04d", index), value), .stored) }
        XCTAssertGreaterThan(engine.statistics().evictions, 0)
        XCTAssertNil(engine.fetch("precious00"))
        XCTAssertNotNil(engine.fetch("filler6999"))
    }

    func testItsQueueIsReportedAsCold() {
        let engine = makeFIFOEngine(megabytes: 1)
        engine.set("one", value)
        _ = engine.fetch("one")
        let entry = engine.itemStatistics().first
        XCTAssertEqual(entry?.numberCold, 1)
        XCTAssertEqual(entry?.numberHot, 0)
        XCTAssertEqual(entry?.hitsToCold, 1)
    }
}
