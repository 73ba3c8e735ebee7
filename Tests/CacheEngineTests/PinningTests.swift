import XCTest
@testable import CacheEngine

/// Pinned items: a value handed out for sending in place stays byte-exact until it is unpinned,
/// whatever happens to its key meanwhile, and its memory comes back exactly once.
final class PinningTests: XCTestCase {
    /// Pins the live item of `key` and returns the token with the value's pieces as the pin keeps them.
    private func pin(_ engine: CacheEngine, _ key: String) -> (token: UInt32, value: ItemValue)? {
        var key = key
        var pinned: (UInt32, ItemValue)?
        _ = key.withUTF8 { keyBytes in
            engine.get(UnsafeRawBufferPointer(keyBytes)) { view in pinned = (engine.pin(view), view.value) }
        }
        return pinned
    }

    private func bytes(of value: ItemValue) -> [UInt8] { value.bytes }

    func testDeletedPinnedItemKeepsItsBytesUntilUnpinned() {
        let engine = makeEngine()
        let value = Pattern.bytes(seed: 11, count: 6000)
        engine.setBytes("doomed", value)
        let usedBefore = usedChunks(engine)
        guard let (token, pinned) = pin(engine, "doomed") else { return XCTFail("no item") }
        XCTAssertTrue(engine.remove("doomed"))
        XCTAssertEqual(engine.lookup("doomed"), .miss, "an unlinked item is found by no one")
        // Stores of the same size class must not reuse the pinned chunk.
        for index in 0..<200 { engine.setBytes("other\(index)", Pattern.bytes(seed: UInt64(index), count: 6000)) }
        XCTAssertEqual(bytes(of: pinned), value)
        XCTAssertEqual(engine.statistics().pinnedItems, 1)
        XCTAssertGreaterThan(engine.statistics().pinnedOrphanBytes, 6000)
        let usedWhilePinned = usedChunks(engine)
        engine.unpin(token)
        XCTAssertEqual(usedChunks(engine), usedWhilePinned - 1, "the orphan's chunk came back once")
        XCTAssertEqual(engine.statistics().pinnedItems, 0)
        XCTAssertEqual(engine.statistics().pinnedOrphanBytes, 0)
        assertChunksAccounted(engine)
        XCTAssertGreaterThanOrEqual(usedWhilePinned, usedBefore)
    }

    func testReplacedPinnedChunkedItemKeepsEveryChunk() {
        let engine = makeEngine(megabytes: 16) { $0.itemSizeMax = 4 << 20 }
        let first = Pattern.bytes(seed: 1, count: 3 << 20)
        engine.setBytes("big", first)
        guard let (token, pinned) = pin(engine, "big") else { return XCTFail("no item") }
        let second = Pattern.bytes(seed: 2, count: 3 << 20)
        XCTAssertEqual(engine.setBytes("big", second), .stored)
        XCTAssertEqual(engine.fetchBytes("big"), second)
        XCTAssertEqual(bytes(of: pinned), first, "the pinned chain was not reused")
        let usedWhilePinned = usedChunks(engine)
        engine.unpin(token)
        XCTAssertEqual(usedChunks(engine), usedWhilePinned - 7, "head and six value chunks of 512 KB came back")
        assertChunksAccounted(engine)
    }

    func testPinsNestAndALinkedItemStaysAfterTheLastUnpin() {
        let engine = makeEngine()
        engine.setBytes("shared", Pattern.bytes(seed: 5, count: 5000))
        guard let (first, _) = pin(engine, "shared"), let (second, _) = pin(engine, "shared") else { return XCTFail("no item") }
        XCTAssertEqual(first, second)
        XCTAssertEqual(engine.statistics().pinnedItems, 1)
        engine.unpin(first)
        XCTAssertEqual(engine.statistics().pinnedItems, 1)
        engine.unpin(second)
        XCTAssertEqual(engine.statistics().pinnedItems, 0)
        XCTAssertEqual(engine.fetchBytes("shared"), Pattern.bytes(seed: 5, count: 5000))
        // Unpinned, it can be deleted and its chunk reused at once.
        let used = usedChunks(engine)
        XCTAssertTrue(engine.remove("shared"))
        XCTAssertEqual(usedChunks(engine), used - 1)
    }

    func testEvictionPassesOverPinnedItemsAndCountsThem() {
        for policy in [EvictionPolicy.s3fifo, .lru, .segmented] {
            let engine = makeEngine(megabytes: 2) { $0.evictionPolicy = policy; $0.slabAutomove = 0 }
            let value = Pattern.bytes(seed: 9, count: 4000)
            engine.setBytes("first", value)
            guard let (token, pinned) = pin(engine, "first") else { return XCTFail("no item") }
            for index in 0..<3000 { engine.setBytes("filler\(index)", Pattern.bytes(seed: UInt64(index + 100), count: 4000)) }
            XCTAssertGreaterThan(engine.statistics().evictions, 0, "\(policy): memory must have run out")
            XCTAssertEqual(engine.fetchBytes("first"), value, "\(policy): the pinned item was evicted")
            XCTAssertEqual(bytes(of: pinned), value)
            XCTAssertGreaterThan(engine.statistics().tailReflocked, 0, "\(policy): lrutail_reflocked not counted")
            engine.unpin(token)
        }
    }

    func testFlushedAndExpiredPinnedItemsAreFreedByTheirLastReader() {
        let engine = makeEngine()
        engine.setBytes("flushed", Pattern.bytes(seed: 3, count: 5000))
        guard let (token, pinned) = pin(engine, "flushed") else { return XCTFail("no item") }
        engine.flushAll(delay: 0)
        XCTAssertEqual(engine.lookup("flushed"), .flushed, "the lookup unlinks the flushed item")
        XCTAssertEqual(bytes(of: pinned), Pattern.bytes(seed: 3, count: 5000))
        let used = usedChunks(engine)
        engine.unpin(token)
        XCTAssertEqual(usedChunks(engine), used - 1)
        assertChunksAccounted(engine)
    }

    func testConcurrentPinsReplacesAndUnpinsNeverTearAValue() {
        let engine = makeEngine(megabytes: 4)
        let keys = (0..<8).map { "hot\($0)" }
        for (index, key) in keys.enumerated() { engine.setBytes(key, Pattern.bytes(seed: UInt64(index + 1), count: 9000)) }
        let failures = ManagedCounter()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            var generator = SeededGenerator(seed: UInt64(worker + 1))
            for round in 0..<2000 {
                let key = keys[Int.random(in: 0..<keys.count, using: &generator)]
                if worker % 2 == 0 {
                    engine.setBytes(key, Pattern.bytes(seed: UInt64(round * 4 + worker + 1), count: 9000))
                } else if let (token, pinned) = pin(engine, key) {
                    if !Pattern.isIntact(pinned.bytes) { failures.increment() }
                    engine.unpin(token)
                }
            }
        }
        XCTAssertEqual(failures.value, 0, "a pinned value changed under its reader")
        XCTAssertEqual(engine.statistics().pinnedItems, 0)
        assertChunksAccounted(engine)
    }
}
