import XCTest
@testable import CacheEngine

/// Several threads on overlapping keys while the table grows and the LRU evicts: values are never
/// torn, increments are never lost. Also run under `swift test --sanitize=thread`.
final class EngineConcurrencyTests: XCTestCase {
    func testConcurrentSetGetIncrCasOnOverlappingKeys() {
        let engine = makeEngine(megabytes: 16) { $0.hashPowerInitial = 6 }
        let threads = 4
        let iterations = 20_000
        let keys = 64
        for index in 0..<keys { engine.set("counter\(index)", "0") }
        let tornValues = ManagedCounter()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var generator = SystemRandomNumberGenerator()
            for step in 0..<iterations {
                let slot = Int.random(in: 0..<keys, using: &generator)
                switch step % 4 {
                case 0:
                    // A self-checking value: one byte repeated, length derived from the byte.
                    let byte = UInt8(65 + (thread * 7 + step) % 26)
                    engine.set("shared\(slot)", String(repeating: Character(Unicode.Scalar(byte)), count: Int(byte)))
                case 1:
                    if let value = engine.fetch("shared\(slot)")?.value, !Self.isWellFormed(value) { tornValues.increment() }
                case 2:
                    _ = engine.adjust("counter\(slot % keys)", increment: true, by: 1)
                default:
                    engine.set("churn-\(thread)-\(step)", String(repeating: "c", count: 200))
                }
            }
        }
        XCTAssertEqual(tornValues.value, 0)
        var total: UInt64 = 0
        for index in 0..<keys {
            guard let value = engine.fetch("counter\(index)")?.value, let number = UInt64(value.trimmingCharacters(in: .whitespaces)) else {
                return XCTFail("counter\(index) lost")
            }
            total += number
        }
        XCTAssertEqual(total, UInt64(threads * iterations / 4))
    }

    func testConcurrentCASIncrementsAreNeverLost() {
        let engine = makeEngine(megabytes: 8)
        engine.set("cas", "0")
        let threads = 4
        let perThread = 2_000
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            var done = 0
            var attempts = 0
            while done < perThread && attempts < perThread * 1000 {
                attempts += 1
                guard let current = engine.fetch("cas"), let number = Int(current.value) else { continue }
                if engine.set("cas", "\(number + 1)", mode: .cas, cas: current.cas) == .stored { done += 1 }
            }
        }
        XCTAssertEqual(engine.fetch("cas")?.value, "\(threads * perThread)")
    }

    private static func isWellFormed(_ value: String) -> Bool {
        guard let first = value.utf8.first else { return false }
        return value.utf8.count == Int(first) && value.utf8.allSatisfy { $0 == first }
    }
}

/// A lock-protected counter for test bookkeeping across threads.
final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
