import Foundation
import SocketTestSupport
import XCTest

/// Many clients on several threads mixing set/get/incr/cas on the same keys: every value read back
/// must be one writer's whole value, and no increment may be lost.
final class ConcurrencyTests: ServerTestCase {
    private let keys = (0..<8).map { "shared\($0)" }
    private let threads = 8
    private let operationsPerThread = 400

    func testOverlappingKeysNeverTearAndIncrementsAddUp() throws {
        let setup = try startServer(["-t", "4"])
        XCTAssertEqual(try setup.request("set counter 0 0 1\r\n0\r\n"), "STORED\r\n")

        let failures = FailureLog()
        let increments = Counter()
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            do {
                let client = try connect()
                var generator = SystemRandomNumberGenerator()
                for step in 0..<operationsPerThread {
                    let key = keys.randomElement(using: &generator)!
                    switch Int.random(in: 0..<4, using: &generator) {
                    case 0: try set(key, value: Self.value(worker: worker, step: step, using: &generator), via: client, failures: failures)
                    case 1: _ = try get(key, withCAS: false, via: client, failures: failures)
                    case 2: try incrementCounter(via: client, increments: increments, failures: failures)
                    default: try compareAndSwap(key, worker: worker, step: step, via: client, generator: &generator, failures: failures)
                    }
                }
            } catch {
                failures.record("worker \(worker): \(error)")
            }
        }

        XCTAssertEqual(failures.messages, [])
        let reply = try setup.request("get counter\r\n", until: "END\r\n")
        XCTAssertEqual(reply, "VALUE counter 0 \(String(increments.value).count)\r\n\(increments.value)\r\nEND\r\n")
        XCTAssertGreaterThan(increments.value, 0)
    }

    /// A value that checks itself: one writer's token repeated, e.g. "w3s17;w3s17;...".
    private static func value(worker: Int, step: Int, using generator: inout SystemRandomNumberGenerator) -> String {
        let token = "w\(worker)s\(step);"
        return String(repeating: token, count: Int.random(in: 1...400, using: &generator))
    }

    private static func isWhole(_ value: Substring) -> Bool {
        guard let end = value.firstIndex(of: ";") else { return false }
        let token = value[...end]
        guard value.count % token.count == 0 else { return false }
        var rest = value[...]
        while !rest.isEmpty {
            guard rest.hasPrefix(token) else { return false }
            rest = rest.dropFirst(token.count)
        }
        return true
    }

    private func set(_ key: String, value: String, via client: TestClient, failures: FailureLog) throws {
        let reply = try client.request("set \(key) 0 0 \(value.utf8.count)\r\n\(value)\r\n")
        if reply != "STORED\r\n" { failures.record("set \(key): \(reply.debugDescription)") }
    }

    /// Returns the CAS unique (0 without `withCAS`) of a hit, nil on a miss.
    private func get(_ key: String, withCAS: Bool, via client: TestClient, failures: FailureLog) throws -> UInt64? {
        let reply = try client.request("\(withCAS ? "gets" : "get") \(key)\r\n", until: "END\r\n")
        if reply == "END\r\n" { return nil }
        let lines = reply.components(separatedBy: "\r\n")
        let header = lines[0].split(separator: " ")
        guard lines.count == 4, header.count == (withCAS ? 5 : 4), header[0] == "VALUE", header[1] == key,
              let length = Int(header[3]), lines[1].utf8.count == length, Self.isWhole(lines[1][...]) else {
            failures.record("torn or malformed reply for \(key): \(reply.prefix(200).debugDescription)")
            return nil
        }
        return withCAS ? UInt64(header[4]) : 0
    }

    private func incrementCounter(via client: TestClient, increments: Counter, failures: FailureLog) throws {
        let reply = try client.request("incr counter 1\r\n")
        // (Not `dropLast(2)`: "\r\n" is a single Character.)
        if reply.hasSuffix("\r\n"), UInt64(String(decoding: reply.utf8.dropLast(2), as: UTF8.self)) != nil {
            increments.add()
        } else {
            failures.record("incr: \(reply.debugDescription)")
        }
    }

    private func compareAndSwap(_ key: String, worker: Int, step: Int, via client: TestClient,
                                generator: inout SystemRandomNumberGenerator, failures: FailureLog) throws {
        guard let unique = try get(key, withCAS: true, via: client, failures: failures) else { return }
        let value = Self.value(worker: worker, step: step, using: &generator)
        let reply = try client.request("cas \(key) 0 0 \(value.utf8.count) \(unique)\r\n\(value)\r\n")
        if !["STORED\r\n", "EXISTS\r\n", "NOT_FOUND\r\n"].contains(reply) {
            failures.record("cas \(key): \(reply.debugDescription)")
        }
    }
}

/// Messages from the client threads, checked on the test thread afterwards.
private final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []

    func record(_ message: String) {
        lock.lock()
        if recorded.count < 20 { recorded.append(message) }
        lock.unlock()
    }

    var messages: [String] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func add() {
        lock.lock()
        count += 1
        lock.unlock()
    }

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
