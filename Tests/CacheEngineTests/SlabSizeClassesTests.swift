import XCTest
@testable import CacheEngine

/// The class table: the default's bounded rounding waste, the 7-bit class id, and memcached's table
/// for an explicit `-f`.
final class SlabSizeClassesTests: XCTestCase {
    private func table(_ configure: (inout EngineConfiguration) -> Void = { _ in }) -> SlabSizeClasses {
        var configuration = EngineConfiguration()
        configure(&configuration)
        return SlabSizeClasses(configuration: configuration, alignment: 8)
    }

    /// memcached 1.6's `slabs_init` loop as it was built here before the finer default (63 classes at
    /// most): the reference an explicit `-f` must still reproduce.
    private func memcachedTable(factor: Double, minimum: Int = 48, cas: Bool = true, chunkMax: Int = 1 << 19) -> [Int] {
        var sizes = [0]
        var size = (Item.headerSize(flags: 0, withCAS: cas) + minimum + 7) / 8 * 8
        while sizes.count < 62, Double(size) <= Double(chunkMax) / factor {
            sizes.append(size)
            size = max((Int(Double(size) * factor) + 7) / 8 * 8, size + 8)
        }
        return sizes + [chunkMax]
    }

    func testDefaultFactorIsFinerThanMemcachedsAndFitsTheClassID() {
        XCTAssertEqual(EngineConfiguration().growthFactor, 1.08)
        for cas in [true, false] {
            let sizes = table { $0.casEnabled = cas }
            XCTAssertGreaterThan(sizes.largestClass, 63, "finer than memcached can number")
            XCTAssertLessThan(sizes.largestClass, SlabSizeClasses.maximumClasses, "not cut short by the limit")
            XCTAssertLessThanOrEqual(SlabSizeClasses.maximumClasses, Int(ItemFlags.classMask))
        }
    }

    /// Every size from the smallest item to slab_chunk_max lands in a chunk that wastes under
    /// (f − 1)·size + 8 bytes, and under (f² − 1)·size in the last class (SlabSizeClasses.swift).
    func testDefaultTableBoundsRoundingWasteForEverySize() {
        let factor = EngineConfiguration.defaultGrowthFactor
        for configure in [{ (_: inout EngineConfiguration) in }, { $0.casEnabled = false }, { $0.chunkSizeMin = 16 },
                          { $0.slabChunkMax = 1 << 20 }] as [(inout EngineConfiguration) -> Void] {
            let sizes = table(configure)
            let last = sizes.chunkSizes[sizes.largestClass]
            var worst = 0.0
            for size in 1...last {
                guard let classID = sizes.classFor(size: size) else { return XCTFail("no class for \(size)") }
                let waste = Double(sizes.chunkSizes[classID] - size)
                if classID == sizes.largestClass {
                    XCTAssertLessThan(waste, (factor * factor - 1) * Double(size) + 8, "size \(size), last class")
                } else if classID > 1 {
                    XCTAssertLessThan(waste, (factor - 1) * Double(size) + 8, "size \(size), chunk \(sizes.chunkSizes[classID])")
                    if size >= 256 { worst = max(worst, waste / Double(size)) }
                }
            }
            // From 256 bytes on, under 10% (memcached's 1.25: 26%, a 297-byte item in a 376-byte chunk).
            XCTAssertLessThan(worst, 0.1)
        }
    }

    func testExplicitFactorBuildsMemcachedsTable() {
        for factor in [1.25, 1.5, 2, 1.15] {
            XCTAssertEqual(table { $0.growthFactor = factor }.chunkSizes, memcachedTable(factor: factor), "-f \(factor)")
        }
        XCTAssertEqual(table { $0.growthFactor = 1.25; $0.casEnabled = false; $0.chunkSizeMin = 64 }.chunkSizes,
                       memcachedTable(factor: 1.25, minimum: 64, cas: false))
        XCTAssertEqual(table { $0.growthFactor = 1.25; $0.slabChunkMax = 16_384 }.chunkSizes,
                       memcachedTable(factor: 1.25, chunkMax: 16_384))
        // memcached's own -f 1.25 table, as `memcached -vv` prints it, shifted by its larger header.
        let sizes = table { $0.growthFactor = 1.25 }
        XCTAssertEqual(sizes.largestClass, 39)
        XCTAssertEqual(Array(sizes.chunkSizes.suffix(3)), [312_976, 391_224, 524_288])
    }

    func testClassLookupIsTheSmallestChunkThatHoldsTheSize() {
        for (factor, alignment, chunkMax) in [(1.08, 8, 1 << 19), (1.25, 8, 1 << 19), (1.08, 16, 1 << 19), (1.25, 8, 4096)] {
            var configuration = EngineConfiguration()
            configuration.growthFactor = factor
            configuration.slabChunkMax = chunkMax
            let sizes = SlabSizeClasses(configuration: configuration, alignment: alignment)
            var expected = 1
            for size in 1...sizes.chunkSizes[sizes.largestClass] {
                while sizes.chunkSizes[expected] < size { expected += 1 }
                guard sizes.classFor(size: size) == expected else {
                    return XCTFail("-f \(factor), alignment \(alignment): size \(size) in \(String(describing: sizes.classFor(size: size))), not \(expected)")
                }
            }
            XCTAssertNil(sizes.classFor(size: sizes.chunkSizes[sizes.largestClass] + 1), "a chunked item")
        }
    }

    func testAFactorTooSmallForTheClassIDStopsAtTheLimit() {
        let sizes = table { $0.growthFactor = 1.01 }
        XCTAssertEqual(sizes.largestClass, SlabSizeClasses.maximumClasses - 1)
        XCTAssertEqual(sizes.chunkSizes.last, 1 << 19)
    }

    func testClassIDAndPinnedBitShareByte25() {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
        defer { memory.deallocate() }
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: 64)
        let item = Item(memory)
        for classID in [1, 63, 64, 110, SlabSizeClasses.maximumClasses] {
            item.slabClass = classID
            item.isPinned = true
            XCTAssertEqual(item.slabClass, classID)
            XCTAssertTrue(item.isPinned)
            item.isPinned = false
            XCTAssertEqual(item.slabClass, classID)
            item.slabClass = 1
            XCTAssertFalse(item.isPinned)
        }
    }

    func testEveryClassOfTheDefaultTableIsUsable() {
        let engine = makeEngine(megabytes: 128)  // room for a page per class within the limit
        let sizes = engine.slabChunkSizes
        let header = Item.headerSize(flags: 0, withCAS: true)
        for classID in stride(from: 1, to: sizes.count, by: 1) where sizes[classID] < 1 << 16 {
            let key = String(format: "class%03d", classID)
            let value = String(repeating: "v", count: sizes[classID] - header - key.utf8.count)
            XCTAssertEqual(engine.set(key, value), .stored, "class \(classID)")
            XCTAssertEqual(engine.fetch(key)?.value.count, value.count)
        }
        let used = engine.slabStatistics().map(\.classID)
        XCTAssertTrue(used.contains { $0 > 63 }, "classes above memcached's 63 hold items")
        // The crawler names them too (its class set is 128 bits wide).
        _ = engine.enableLRUCrawler()
        var dumped: [Int] = []
        XCTAssertEqual(engine.metadump(classes: 1 << 70 | 1 << 2) { dumped.append($0.slabClass) }, .started)
        XCTAssertEqual(dumped.sorted(), [2, 70].filter { sizes[$0] < 1 << 16 })
        XCTAssertEqual(engine.nameableClassLimit, sizes.count - 1)
    }
}
