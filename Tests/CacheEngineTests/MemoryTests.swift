import XCTest
@testable import CacheEngine

final class MemoryTests: XCTestCase {
    func testSlabClassesGrowByFactorFromMinimum() {
        let engine = makeEngine()
        let sizes = engine.slabChunkSizes
        // the smallest header (28 + CAS 8, flags 0 not stored) + -n 48 = 84, aligned to 8
        XCTAssertEqual(sizes[1], 88)
        for id in 2..<(sizes.count - 1) {
            let expected = (Int(Double(sizes[id - 1]) * EngineConfiguration.defaultGrowthFactor) + 7) / 8 * 8
            XCTAssertEqual(sizes[id], max(expected, sizes[id - 1] + 8), "class \(id)")
        }
        // The last class is slab_chunk_max, as in memcached; larger items are chunked, no whole-page class.
        XCTAssertEqual(sizes.last, 512 * 1024, "slab_chunk_max class")
    }

    func testFactorAndMinimumAreHonoured() {
        let engine = makeEngine { $0.growthFactor = 2; $0.chunkSizeMin = 100 }
        XCTAssertEqual(engine.slabChunkSizes[1], 136, "header 36 + 100")
        XCTAssertEqual(engine.slabChunkSizes[2], 272)
        let withoutCAS = makeEngine { $0.casEnabled = false; $0.chunkSizeMin = 100 }
        XCTAssertEqual(withoutCAS.slabChunkSizes[1], 128, "header 28 + 100")
    }

    func testMemoryNeverExceedsLimitAndOldestAreEvictedFirst() {
        for policy in EvictionPolicy.allCases {
            assertOldestEvictedFirst(makeEngine(megabytes: 4) { $0.evictionPolicy = policy }, label: "\(policy)")
        }
    }

    func testFetchedItemsMoveToHeadAndSurviveEviction() {
        // One 1 MB page of 176-byte chunks holds 5957 items of this size.
        let engine = makeEngine(megabytes: 1) { $0.evictionPolicy = .lru }
        readOldestThenChurn(engine)  // the read moves it to the LRU head
        XCTAssertNil(engine.fetch("filler0000"))
        XCTAssertNotNil(engine.fetch("precious00"))
    }

    func testFullCacheStillStoresOtherSizesLikeMemcached() {
        // memcached's rule: a class with no page may take one beyond -m, so a value size first seen
        // after memory is full is stored, not refused.
        let engine = makeEngine(megabytes: 2)
        let small = String(repeating: "s", count: 100)
        var index = 0
        while engine.statistics().evictions == 0 {
            XCTAssertEqual(engine.set(String(format: "fill%06d", index), small), .stored)
            index += 1
        }
        for size in [5_000, 50_000, 300_000, 900_000] {
            let key = "other\(size)"
            XCTAssertEqual(engine.set(key, String(repeating: "o", count: size)), .stored, "size \(size)")
            XCTAssertEqual(engine.fetch(key)?.value.count, size)
            // A second item of the same size now evicts within that class instead of taking a page.
            XCTAssertEqual(engine.set(key + "b", String(repeating: "p", count: size)), .stored)
        }
        let pages = engine.slabStatistics().reduce(0) { $0 + $1.totalPages }
        XCTAssertEqual(pages, 2 + 4, "the two pages of -m 2 plus one first page for each of the four new classes")
    }

    func testNoEvictionModeRefusesWhenFull() {
        let engine = makeEngine(megabytes: 1) { $0.evictionsEnabled = false }
        let value = String(repeating: "x", count: 100)
        var results: [StoreResult] = []
        for index in 0..<20_000 { results.append(engine.set(String(format: "k%05d", index), value)) }
        XCTAssertTrue(results.contains(.outOfMemory))
        XCTAssertEqual(engine.statistics().evictions, 0)
        XCTAssertNotNil(engine.fetch("k00000"))
    }

    func testLargeItemIsChunked() {
        let engine = makeEngine(megabytes: 4)
        let big = String(repeating: "b", count: 700_000)
        XCTAssertEqual(engine.set("big", big), .stored)
        XCTAssertEqual(engine.fetch("big")?.value, big)
    }

    func testHashTableGrowsAndKeepsEveryItem() throws {
        let engine = makeEngine(megabytes: 64) { $0.hashPowerInitial = 8 }
        let count = 20_000
        for index in 0..<count { engine.set("grow\(index)", "\(index)") }
        let deadline = Date().addingTimeInterval(20)
        while engine.statistics().hashPowerLevel < 14 || engine.statistics().hashIsExpanding {
            guard Date() < deadline else { return XCTFail("hash table did not grow: \(engine.statistics().hashPowerLevel)") }
            Thread.sleep(forTimeInterval: 0.01)
        }
        for index in 0..<count {
            XCTAssertEqual(engine.fetch("grow\(index)")?.value, "\(index)")
        }
    }
}
