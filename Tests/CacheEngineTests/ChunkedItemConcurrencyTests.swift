import XCTest
@testable import CacheEngine

/// Several threads storing, reading, appending and deleting large (chunked) and small items on
/// overlapping keys in a small cache, so stores evict chunked items while others read them, and
/// pages move between classes meanwhile. Every value read is checked byte for byte; at the end every
/// chunk is used or free. Also run under `swift test --sanitize=thread` (the CI filter: "Concurren").
final class ChunkedItemConcurrencyTests: XCTestCase {
    func testConcurrentLargeStoresReadsAndDeletes() {
        let engine = makeEngine(megabytes: 16) {
            $0.itemSizeMax = 4 << 20
            $0.slabAutomove = 2
        }
        let threads = 4
        let operations = 120
        let keys = 12
        let torn = ManagedCounter()
        let outOfMemory = ManagedCounter()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var generator = SystemRandomNumberGenerator()
            for step in 0..<operations {
                let key = "large\(Int.random(in: 0..<keys, using: &generator))"
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<4:
                    let size = step % 3 == 0 ? Int.random(in: 8...2_000, using: &generator)
                                             : Int.random(in: 500_000...3_000_000, using: &generator)
                    let seed = UInt64(thread) << 56 | UInt64(step) << 32 | UInt64(size)
                    if engine.setBytes(key, Pattern.bytes(seed: seed, count: size)) == .outOfMemory { outOfMemory.increment() }
                case 4..<8:
                    if let value = engine.fetchBytes(key), !Pattern.isIntact(value) { torn.increment() }
                case 8:
                    _ = engine.remove(key)
                default:
                    // Appending breaks the self-check pattern: use keys of their own.
                    let appended = "append\(thread)"
                    engine.setBytes(appended, [UInt8](repeating: UInt8(thread), count: 1), mode: .set)
                    _ = engine.setBytes(appended, [UInt8](repeating: UInt8(thread), count: 700_000), mode: .append)
                    if let value = engine.fetchBytes(appended), value.contains(where: { $0 != UInt8(thread) }) { torn.increment() }
                }
            }
        }
        XCTAssertEqual(torn.value, 0, "a value read back differed from what one store wrote")
        // A page move may still be running: wait for it, then every chunk must be used or free.
        let deadline = Date().addingTimeInterval(20)
        while engine.statistics().slabReassignRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        engine.slabAutomove = 0
        while engine.statistics().slabReassignRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        assertChunksAccounted(engine)
        var fetchable = 0
        for index in 0..<keys {
            guard let value = engine.fetchBytes("large\(index)") else { continue }
            XCTAssertTrue(Pattern.isIntact(value))
            fetchable += 1
        }
        for thread in 0..<threads where engine.fetchBytes("append\(thread)") != nil { fetchable += 1 }
        XCTAssertEqual(engine.statistics().currItems, UInt64(fetchable))
        for index in 0..<keys { _ = engine.remove("large\(index)") }
        for thread in 0..<threads { _ = engine.remove("append\(thread)") }
        XCTAssertEqual(usedChunks(engine), 0, "no chunk leaked")
    }
}
