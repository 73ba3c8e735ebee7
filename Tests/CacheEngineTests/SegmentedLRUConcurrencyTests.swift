import XCTest
@testable import CacheEngine

/// Threads storing, fetching, touching and deleting while the LRU maintainer juggles the segments
/// and allocations evict: values are never torn, and afterwards every linked item is in exactly one
/// queue. Named for the CI's ThreadSanitizer filter (`Concurren`).
final class SegmentedLRUConcurrencyTests: XCTestCase {
    func testStoresFetchesAndDeletesWhileTheMaintainerRuns() {
        let engine = makeEngine(megabytes: 2) {
            $0.evictionPolicy = .segmented
            $0.hashPowerInitial = 8
        }
        XCTAssertTrue(engine.lruMaintainerRunning)
        let threads = 4
        let iterations = 15_000
        let torn = ManagedCounter()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var generator = SystemRandomNumberGenerator()
            for step in 0..<iterations {
                let slot = Int.random(in: 0..<4_000, using: &generator)
                let name = "key\(slot)"
                switch Int.random(in: 0..<8, using: &generator) {
                case 0, 1, 2:
                    if let value = engine.fetch(name)?.value, value != Self.value(for: name, length: value.count) {
                        torn.increment()
                    }
                case 3, 4:
                    engine.set(name, Self.value(for: name, length: 50 + (thread * 31 + step) % 300))
                case 5:
                    _ = engine.remove(name)
                case 6:
                    _ = engine.touchKey(name, exptime: 0)
                default:
                    if step % 64 == 0 { _ = engine.setLRUMode(segmented: step % 128 != 0) }
                    engine.set("churn-\(thread)-\(step)", String(repeating: "c", count: 200))
                }
            }
        }
        _ = engine.setLRUMode(segmented: true)
        XCTAssertEqual(torn.value, 0)
        let check = engine.checkSegments()
        XCTAssertEqual(check.problems, [])
        XCTAssertEqual(UInt64(check.linkedItems), engine.statistics().currItems)
        XCTAssertGreaterThan(engine.statistics().evictions, 0, "memory must overflow to exercise eviction")
        XCTAssertGreaterThan(engine.statistics().lruMaintainerJuggles ?? 0, 0)
    }

    /// A value that names its key, so a torn or misplaced value is seen.
    private static func value(for key: String, length: Int) -> String {
        let pattern = key + ":"
        return String(String(repeating: pattern, count: length / pattern.count + 1).prefix(length))
    }
}
