import XCTest
@testable import CacheEngine

/// Items larger than slab_chunk_max: stored as chains of chunks of the largest class, read back byte
/// for byte, evicted, replaced, deleted and moved off pages as one item, with exact accounting.
final class ChunkedItemTests: XCTestCase {
    private func largeEngine(megabytes: Int = 64, configure: (inout EngineConfiguration) -> Void = { _ in }) -> CacheEngine {
        makeEngine(megabytes: megabytes) {
            $0.itemSizeMax = 8 << 20
            $0.slabAutomove = 0
            configure(&$0)
        }
    }

    private func chunkSize(_ engine: CacheEngine) -> Int { engine.sizes.chunkSizes[engine.sizes.largestClass] }

    /// Chunks an item with an 8-byte key and this value needs (CAS on): a header of 36 bytes, 40 with
    /// flags stored, and 4 more in a chunked item's head for the chain link.
    private func chunks(forValue length: Int, chunkSize: Int, flags: UInt32 = 0) -> Int {
        let header = flags == 0 ? 36 : 40
        if header + 8 + length <= chunkSize { return 1 }
        return 1 + ChunkedItem.valueChunkCount(headerAndKey: header + 4 + 8, valueLength: length, chunkSize: chunkSize)
    }

    func testPagesStayOneMegabyteWithLargeItemLimit() {
        let engine = largeEngine { $0.itemSizeMax = 128 << 20 }
        XCTAssertEqual(engine.arena.pageSize, 1 << 20)
        XCTAssertEqual(engine.slabChunkSizes.last, 512 << 10, "the largest class is slab_chunk_max, no whole-page class")
    }

    func testSizesAroundChunkBoundariesRoundTrip() {
        assertSizesAroundChunkBoundariesRoundTrip(flags: 0)
        assertSizesAroundChunkBoundariesRoundTrip(flags: 0xdead_beef)
    }

    /// With flags 0 the header is 36 bytes (40 in a chunked head), with flags 4 more: the edges move.
    private func assertSizesAroundChunkBoundariesRoundTrip(flags: UInt32) {
        let engine = largeEngine()
        let chunk = chunkSize(engine)
        let header = flags == 0 ? 36 : 40
        let oneChunk = chunk - header - 8       // the largest value that fits one chunk with an 8-byte key
        let head = chunk - header - 4 - 8       // value bytes in a chunked item's head chunk
        let payload = chunk - 4                 // value bytes per value chunk
        var sizes = [0, 1, oneChunk - 1, oneChunk, oneChunk + 1, chunk - 1, chunk, chunk + 1,
                     head + payload - 1, head + payload, head + payload + 1, 2 * chunk, 2 * chunk + 1,
                     3 * chunk - 7, head + 5 * payload, 5_000_000, 7_654_321]
        sizes += (0..<6).map { 600_000 + $0 * 123_457 }
        for (index, size) in sizes.enumerated() {
            let key = String(format: "size%04d", index)
            let value = Pattern.bytes(seed: UInt64(index + 1) << 32 | UInt64(size), count: size)
            let used = usedChunks(engine)
            XCTAssertEqual(engine.setBytes(key, value, flags: flags), .stored, "size \(size)")
            XCTAssertEqual(usedChunks(engine) - used, chunks(forValue: size, chunkSize: chunk, flags: flags), "size \(size)")
            XCTAssertEqual(engine.fetchBytes(key), value, "size \(size)")
        }
        for (index, size) in sizes.enumerated() {
            let key = String(format: "size%04d", index)
            XCTAssertEqual(engine.fetchBytes(key)?.count, size, "still there: \(size)")
            XCTAssertEqual(engine.fetch(key)?.flags, flags, "flags of \(size)")
        }
        assertChunksAccounted(engine)
    }

    func testChunkedItemTakesTheExpectedChunksAndGivesThemBack() {
        let engine = largeEngine()
        let chunk = chunkSize(engine)
        for size in [chunk, 3 * chunk, 6_000_000] {
            XCTAssertEqual(engine.setBytes("chunked1", Pattern.bytes(seed: 7, count: size)), .stored)
            XCTAssertEqual(usedChunks(engine), chunks(forValue: size, chunkSize: chunk), "size \(size)")
            XCTAssertTrue(engine.remove("chunked1"))
            XCTAssertEqual(usedChunks(engine), 0, "delete frees every chunk")
        }
        // Replacing a chunked item frees the old chain.
        engine.setBytes("chunked1", Pattern.bytes(seed: 1, count: 3 * chunk))
        engine.setBytes("chunked1", Pattern.bytes(seed: 2, count: 2 * chunk))
        XCTAssertEqual(usedChunks(engine), chunks(forValue: 2 * chunk, chunkSize: chunk))
        engine.setBytes("chunked1", Array("small".utf8))
        XCTAssertEqual(usedChunks(engine), 1)
        assertChunksAccounted(engine)
    }

    func testAppendAndPrependGrowAnItemAcrossTheThreshold() {
        let engine = largeEngine()
        let chunk = chunkSize(engine)
        var expected = Pattern.bytes(seed: 11, count: chunk - 40 - 8 - 100)
        XCTAssertEqual(engine.setBytes("appended", expected, flags: 0x5eed), .stored)
        XCTAssertEqual(usedChunks(engine), 1)
        for step in 0..<6 {
            let piece = Pattern.bytes(seed: UInt64(100 + step), count: 150_001 + step)
            let prepend = step % 2 == 1
            // The flags given with an append are ignored: the item keeps its own, stored in the new head.
            XCTAssertEqual(engine.setBytes("appended", piece, mode: prepend ? .prepend : .append, flags: 0), .stored)
            expected = prepend ? piece + expected : expected + piece
            XCTAssertEqual(engine.fetchBytes("appended"), expected, "step \(step)")
            XCTAssertEqual(engine.fetch("appended")?.flags, 0x5eed, "step \(step)")
        }
        XCTAssertEqual(usedChunks(engine), chunks(forValue: expected.count, chunkSize: chunk, flags: 0x5eed))
        assertChunksAccounted(engine)
    }

    func testArithmeticOnAChunkedItemIsNonNumeric() {
        let engine = largeEngine()
        engine.setBytes("number00", [UInt8](repeating: 0x31, count: chunkSize(engine)))
        XCTAssertEqual(engine.adjust("number00", increment: true, by: 1), .nonNumeric)
    }

    func testStoreThatCannotGetEveryChunkFailsAndGivesBackWhatItTook() {
        let engine = largeEngine(megabytes: 4) { $0.evictionsEnabled = false }
        let first = Pattern.bytes(seed: 1, count: 3_000_000)
        XCTAssertEqual(engine.setBytes("first000", first), .stored)
        let used = usedChunks(engine)
        XCTAssertEqual(engine.setBytes("second00", Pattern.bytes(seed: 2, count: 3_000_000)), .outOfMemory)
        XCTAssertEqual(usedChunks(engine), used, "the failed store took nothing for good")
        XCTAssertNil(engine.fetchBytes("second00"))
        XCTAssertEqual(engine.fetchBytes("first000"), first)
        XCTAssertEqual(engine.statistics().currItems, 1)
        assertChunksAccounted(engine)
    }

    func testEvictionUnderPressureFreesWholeItemsAndKeepsCountsExact() {
        let engine = largeEngine(megabytes: 16)
        var stored: [String: [UInt8]] = [:]
        var generator = SystemRandomNumberGenerator()
        for index in 0..<80 {
            let key = String(format: "evict%03d", index)
            let size = index % 4 == 0 ? Int.random(in: 100...5000, using: &generator) : Int.random(in: 500_000...3_500_000, using: &generator)
            let value = Pattern.bytes(seed: UInt64(index) << 40 | UInt64(size), count: size)
            XCTAssertEqual(engine.setBytes(key, value), .stored, "store \(index), size \(size)")
            stored[key] = value
            assertChunksAccounted(engine)
        }
        XCTAssertGreaterThan(engine.statistics().evictions, 0)
        var fetchable = 0
        for (key, value) in stored {
            guard let found = engine.fetchBytes(key) else { continue }
            XCTAssertEqual(found, value, key)
            fetchable += 1
        }
        XCTAssertEqual(engine.statistics().currItems, UInt64(fetchable))
        for key in stored.keys { _ = engine.remove(key) }
        XCTAssertEqual(engine.statistics().currItems, 0)
        XCTAssertEqual(usedChunks(engine), 0, "no chunk leaked")
        assertChunksAccounted(engine)
    }

    func testPageMoveEvictsTheWholeChunkedItemsItHolds() {
        let engine = largeEngine(megabytes: 8)
        let largest = engine.sizes.largestClass
        var stored: [String: [UInt8]] = [:]
        for index in 0..<3 {
            let key = String(format: "moved%03d", index)
            stored[key] = Pattern.bytes(seed: UInt64(index + 1), count: 1_200_000)
            XCTAssertEqual(engine.setBytes(key, stored[key]!), .stored)
        }
        engine.set("smallkey", "x")
        let smallClass = engine.sizes.classFor(size: Item.size(keyLength: 8, valueLength: 1, flags: 0, withCAS: true))!
        let pagesBefore = engine.slabs.statistics(largest).totalPages
        XCTAssertEqual(engine.reassignSlabPage(from: largest, to: smallClass), .ok)
        let deadline = Date().addingTimeInterval(20)
        while engine.statistics().slabsMoved < 1 || engine.statistics().slabReassignRunning {
            guard Date() < deadline else { return XCTFail("page move did not finish") }
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTAssertEqual(engine.slabs.statistics(largest).totalPages, pagesBefore - 1)
        XCTAssertGreaterThanOrEqual(engine.statistics().slabReassignEvictions, 1)
        var fetchable = 0
        for (key, value) in stored {
            guard let found = engine.fetchBytes(key) else { continue }
            XCTAssertEqual(found, value, key)
            fetchable += 1
        }
        XCTAssertLessThan(fetchable, 3, "an item with a chunk in the moved page is gone")
        XCTAssertEqual(engine.statistics().currItems, UInt64(fetchable + 1))
        assertChunksAccounted(engine)
        for key in stored.keys { _ = engine.remove(key) }
        XCTAssertEqual(engine.slabs.statistics(largest).usedChunks, 0, "the survivors' chunks came back too")
    }
}
