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

    func testStoresPastMemoryEvictOldestFirst() {
        assertOldestEvictedFirst(makeFIFOEngine(megabytes: 4), label: "fifo")
    }

    func testReadsDoNotSaveTheOldestItem() {
        // Under LRU the read moves the item to the head (MemoryTests); under FIFO it stays first in line.
        let engine = makeFIFOEngine(megabytes: 1)
        readOldestThenChurn(engine)
        XCTAssertNil(engine.fetch("precious00"))
        XCTAssertNotNil(engine.fetch("filler6999"))
    }

    func testItsQueueIsReportedAsCold() {
        let engine = makeFIFOEngine(megabytes: 1)
        engine.set("one", value)
        _ = engine.fetch("one")
        // The engine counts no reads: the hits it reports are the caller's, by class and queue.
        let entry = engine.itemStatistics { _, queue in queue == 0 ? 7 : 100 }.first
        XCTAssertEqual(entry?.numberCold, 1)
        XCTAssertEqual(entry?.numberHot, 0)
        XCTAssertEqual(entry?.hitsToCold, 7)
        XCTAssertEqual(entry?.hitsToHot, 0)
    }
}
