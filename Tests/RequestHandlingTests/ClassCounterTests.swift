import XCTest
import CacheEngine
import OutputBuffers
@testable import RequestHandling

/// The per-class counters (memcached's slab_stats and lru_hits) in a thread's `CounterBlock`, their
/// sums in `CounterRegistry`, and what the sessions count in them.
final class ClassCounterTests: XCTestCase {
    func testABlockCountsPerClassAndTheGlobalFiguresAreTheSums() {
        let block = CounterBlock()
        block.add(.cmdSet, slabClass: 3)
        block.add(.cmdSet, slabClass: 3)
        block.add(.cmdSet, slabClass: 5)
        block.countHit(slabClass: 3, queue: 0)
        block.countHit(slabClass: 3, queue: 2)
        block.countHit(slabClass: 63, queue: 3)
        block.add(.casBadval, slabClass: 1)
        XCTAssertEqual(block.value(.cmdSet, slabClass: 3), 2)
        XCTAssertEqual(block.value(.cmdSet, slabClass: 5), 1)
        XCTAssertEqual(block.value(.cmdSet, slabClass: 4), 0)
        XCTAssertEqual(block.value(.hitsQueue2, slabClass: 3), 1)
        XCTAssertEqual(block.value(.hitsQueue3, slabClass: 63), 1)
        XCTAssertEqual(block.value(.cmdSet), 3, "cmd_set is the sum over classes")
        XCTAssertEqual(block.value(.getHits), 3, "get_hits is every class's hits on every queue")
        XCTAssertEqual(block.value(.casBadval), 1)
        XCTAssertEqual(block.value(.casHits), 0)
        XCTAssertEqual(block.value(.cmdGet), 0, "a counter kept on its own is not a class sum")
    }

    func testTheRegistrySumsThreadsAndResetSetsTheirCountsAside() {
        let registry = CounterRegistry()
        let first = registry.makeBlock(worker: 0)
        let second = registry.makeBlock(worker: 1)
        first.add(.deleteHits, slabClass: 2)
        second.add(.deleteHits, slabClass: 2)
        second.countHit(slabClass: 2, queue: 1)
        first.countHit(slabClass: 2, queue: 1)
        first.countHit(slabClass: 2, queue: 0)
        registry.withClassTotals { totals in
            XCTAssertEqual(totals[.deleteHits, slabClass: 2], 2)
            XCTAssertEqual(totals.hits(slabClass: 2, queue: 1), 2)
            XCTAssertEqual(totals.getHits(slabClass: 2), 3)
        }
        XCTAssertEqual(registry.total(.getHits), 3)
        XCTAssertEqual(registry.total(.deleteHits), 2)

        registry.reset()
        registry.withClassTotals { totals in
            XCTAssertEqual(totals[.deleteHits, slabClass: 2], 0)
            XCTAssertEqual(totals.getHits(slabClass: 2), 0)
        }
        XCTAssertEqual(registry.total(.getHits), 0)
        first.countHit(slabClass: 2, queue: 0)
        XCTAssertEqual(registry.withClassTotals { $0.hits(slabClass: 2, queue: 0) }, 1)
        XCTAssertEqual(registry.total(.getHits), 1)
        XCTAssertEqual(first.value(.hitsQueue0, slabClass: 2), 2, "reset writes no other thread's block")
    }

    func testSlotsOfDifferentClassesAndCountersDoNotOverlap() {
        var seen = Set<Int>()
        for slabClass in 0..<ClassCounter.classLimit {
            for counter in ClassCounter.allCases {
                XCTAssertTrue(seen.insert(ClassCounter.slot(counter, slabClass: slabClass)).inserted)
            }
        }
        XCTAssertLessThanOrEqual(seen.max()!, ClassCounter.slotCount - 1)
        XCTAssertLessThanOrEqual(ClassCounter.allCases.count, ClassCounter.rowWidth)
    }

    // MARK: What the sessions count

    private func slabs(_ h: SessionHarness) -> [String: UInt64] {
        var figures: [String: UInt64] = [:]
        for line in h.send("stats slabs\r\n").split(separator: "\r\n") where line.hasPrefix("STAT ") {
            let words = line.split(separator: " ")
            figures[String(words[1])] = UInt64(words[2])
        }
        return figures
    }

    /// The class `me` reports for a key.
    private func slabClass(of key: String, _ h: SessionHarness) throws -> Int {
        let answer = h.send("me \(key)\r\n")
        let field = try XCTUnwrap(answer.split(separator: " ").first { $0.hasPrefix("cls=") }, answer)
        return try XCTUnwrap(Int(field.dropFirst(4)))
    }

    func testTextAndMetaCommandsCountInTheirItemsClass() throws {
        let h = makeHarness()
        let large = String(repeating: "x", count: 3000)
        h.send("set small 0 0 1\r\n5\r\nset large 0 0 \(large.count)\r\n\(large)\r\n")
        let small = try slabClass(of: "small", h), big = try slabClass(of: "large", h)
        XCTAssertNotEqual(small, big)
        h.send("get small large nothing\r\ngets small\r\ngat 100 large\r\ntouch large 200\r\n")
        h.send("incr small 2\r\ndecr small 1\r\nincr nothing 1\r\n")
        let cas = try XCTUnwrap(h.send("gets large\r\n").split(separator: "\r\n").first?.split(separator: " ").last)
        // cas hits and bad values count in the class of the item compared with (large's), the
        // stores themselves (cmd_set) in the new item's (small's: a one-byte value).
        h.send("cas large 0 0 1 999999\r\ny\r\n")
        h.send("cas large 0 0 1 \(cas)\r\ny\r\n")
        h.send("mg small v\r\nmg small v T30\r\nma small\r\nma small MD\r\nmd large\r\nmd nothing\r\n")
        h.send("ms meta 1\r\nz\r\ndelete meta\r\n")
        let figures = slabs(h)
        func stat(_ name: String, _ slabClass: Int) -> UInt64? { figures["\(slabClass):\(name)"] }
        XCTAssertEqual(stat("get_hits", small), 3, "get, gets, mg")
        XCTAssertEqual(stat("get_hits", big), 2, "get, gets")
        XCTAssertEqual(stat("touch_hits", big), 2, "gat, touch")
        XCTAssertEqual(stat("touch_hits", small), 1, "mg T")
        XCTAssertEqual(stat("incr_hits", small), 2, "incr, ma")
        XCTAssertEqual(stat("decr_hits", small), 2, "decr, ma MD")
        XCTAssertEqual(stat("cas_badval", big), 1)
        XCTAssertEqual(stat("cas_hits", big), 1)
        XCTAssertEqual(stat("cmd_set", big), 1, "set")
        XCTAssertEqual(stat("cmd_set", small), 4, "set, both cas stores, ms")
        XCTAssertEqual(stat("delete_hits", big), 0)
        XCTAssertEqual(stat("delete_hits", small), 2, "md of large (by then one byte), delete of the ms item")
        // The general figures are the sums over classes.
        XCTAssertEqual(h.stat("get_hits", from: "stats\r\n"), "5")
        XCTAssertEqual(h.stat("cmd_set", from: "stats\r\n"), "5")
        XCTAssertEqual(h.stat("touch_hits", from: "stats\r\n"), "3")
    }

    func testHitsToQueuesAreTheGetHitsAndResetZeroesThem() throws {
        let h = makeHarness()
        h.send("set a 0 0 1\r\nA\r\nget a\r\nget a\r\nmg a v\r\ngat 10 a\r\n")
        let slabClass = try slabClass(of: "a", h)
        let items = h.send("stats items\r\n")
        let hits = ["hits_to_hot", "hits_to_warm", "hits_to_cold", "hits_to_temp"].map { name in
            items.split(separator: "\r\n").first { $0.hasPrefix("STAT items:\(slabClass):\(name) ") }
                .flatMap { UInt64($0.split(separator: " ")[2]) } ?? 0
        }
        XCTAssertEqual(hits.reduce(0, +), 3, "get, get, mg; a gat counts touch_hits only, as in memcached")
        XCTAssertEqual(slabs(h)["\(slabClass):get_hits"], 3)
        XCTAssertEqual(h.send("stats reset\r\n"), "RESET\r\n")
        XCTAssertEqual(slabs(h)["\(slabClass):get_hits"], 0)
        XCTAssertEqual(slabs(h)["\(slabClass):cmd_set"], 0)
        XCTAssertFalse(h.send("stats items\r\n").contains("hits_to_hot 1"))
        h.send("get a\r\n")
        XCTAssertEqual(slabs(h)["\(slabClass):get_hits"], 1)
    }
}

/// Sessions on several threads counting in their own blocks while each also reads every block's
/// sums through `stats slabs` and `stats items` (run under ThreadSanitizer by Scripts/test.sh).
final class ClassCounterConcurrencyTests: XCTestCase {
    func testSessionsCountWhileOthersReadTheSums() throws {
        let engine = CacheEngine(configuration: {
            var configuration = EngineConfiguration()
            configuration.memoryLimit = 16 << 20
            return configuration
        }())
        defer { engine.shutdown() }
        let server = ServerContext(settings: ServerSettings(), engine: engine)
        let rounds = 300, threads = 4
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let worker = WorkerContext(server: server, workerIndex: thread)
            let session = TextSession(context: worker)
            var output = OutputBuffer(capacity: 1 << 16)
            defer { session.close(); output.deallocate() }
            let request = Array("set k\(thread) 0 0 1\r\nv\r\nget k\(thread)\r\ntouch k\(thread) 0\r\nstats slabs\r\nstats items\r\n".utf8)
            for _ in 0..<rounds {
                _ = request.withUnsafeBytes { session.process($0, into: &output, requestLimit: 100) }
                let answer = String(decoding: output.unsentBytes, as: UTF8.self)
                output.consume(output.readableCount)
                XCTAssertTrue(answer.hasPrefix("STORED\r\nVALUE k\(thread) 0 1\r\nv\r\nEND\r\nTOUCHED\r\n"), answer)
                XCTAssertTrue(answer.hasSuffix("END\r\n"), answer)
            }
        }
        let classes = 0..<ClassCounter.classLimit
        server.counters.withClassTotals { totals in
            XCTAssertEqual(classes.reduce(0) { $0 + totals.getHits(slabClass: $1) }, UInt64(rounds * threads))
            XCTAssertEqual(classes.reduce(0) { $0 + totals[.cmdSet, slabClass: $1] }, UInt64(rounds * threads))
            XCTAssertEqual(classes.reduce(0) { $0 + totals[.touchHits, slabClass: $1] }, UInt64(rounds * threads))
        }
        XCTAssertEqual(server.counters.total(.getHits), UInt64(rounds * threads))
    }
}
