import XCTest
@testable import CacheEngine
import MemcacheProtocol
@testable import RequestHandling

/// The watcher's ring (whole lines, `skipped=N` after drops), the hub's switch and limit, and the
/// `watch` command on a session.
final class WatchRingTests: XCTestCase {
    private func drain(_ ring: WatchRing, chunk: Int = .max) -> String {
        var out: [UInt8] = []
        while !ring.isEmpty {
            ring.take(upTo: chunk) { piece in
                out += piece
                return piece.count
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func offer(_ ring: WatchRing, _ line: String) -> Bool {
        Array(line.utf8).withUnsafeBytes { ring.offer($0) }
    }

    func testLinesComeOutInOrderAcrossTheWrap() {
        let ring = WatchRing(capacity: 300)
        XCTAssertTrue(offer(ring, String(repeating: "a", count: 100) + "\n"))
        XCTAssertEqual(drain(ring).count, 101)
        // the next lines straddle the end of the storage
        XCTAssertTrue(offer(ring, "first line\n"))
        XCTAssertTrue(offer(ring, String(repeating: "b", count: 120) + "\n"))
        XCTAssertEqual(drain(ring, chunk: 7), "first line\n" + String(repeating: "b", count: 120) + "\n")
    }

    func testFullRingDropsLinesAndSaysHowMany() {
        let ring = WatchRing(capacity: 400)
        let line = String(repeating: "x", count: 99) + "\n"
        XCTAssertTrue(offer(ring, line))
        XCTAssertTrue(offer(ring, line))
        // 200 bytes held: a third line lacks room for itself plus the skipped= line's reserve
        XCTAssertFalse(offer(ring, line))
        XCTAssertFalse(offer(ring, line))
        XCTAssertEqual(ring.skipped, 2)
        XCTAssertEqual(drain(ring), line + line)
        XCTAssertTrue(offer(ring, "next\n"))
        XCTAssertEqual(ring.skipped, 0)
        XCTAssertEqual(drain(ring), "skipped=2\nnext\n")
    }

    func testPartialTakeKeepsTheRest() {
        let ring = WatchRing(capacity: 256)
        XCTAssertTrue(offer(ring, "0123456789\n"))
        ring.take(upTo: 100) { _ in 4 }  // the consumer took only four bytes
        XCTAssertEqual(ring.count, 7)
        XCTAssertEqual(drain(ring), "456789\n")
    }

    func testALineLargerThanTheRingIsSkipped() {
        let ring = WatchRing(capacity: 64)
        XCTAssertFalse(offer(ring, String(repeating: "z", count: 10) + "\n"))
        XCTAssertTrue(ring.isEmpty)
        XCTAssertEqual(ring.skipped, 1)
    }
}

final class WatchHubTests: XCTestCase {
    func testSwitchFollowsTheWatchersStreams() {
        var configuration = EngineConfiguration()
        configuration.memoryLimit = 8 << 20
        let engine = CacheEngine(configuration: configuration)
        let hub = WatchHub(bufferSize: 4096, evictions: engine.evictionWatch)
        XCTAssertFalse(hub.switch.isOn(.fetchers))
        let fetching = hub.register(.fetchers)!
        let evicting = hub.register([.evictions, .mutations])!
        XCTAssertTrue(hub.switch.isOn(.fetchers))
        XCTAssertTrue(hub.switch.isOn(.mutations))
        XCTAssertFalse(hub.switch.isOn(.connevents))
        XCTAssertTrue(engine.evictionWatch.isOn)
        hub.remove(evicting)
        XCTAssertFalse(hub.switch.isOn(.mutations))
        XCTAssertFalse(engine.evictionWatch.isOn)
        hub.remove(fetching)
        XCTAssertFalse(hub.switch.isOn(.fetchers))
        engine.shutdown()
    }

    func testAtMostTwentyWatchers() {
        let hub = WatchHub(bufferSize: 1024)
        let watchers = (0..<WatchHub.watcherLimit).map { _ in hub.register(.fetchers) }
        XCTAssertTrue(watchers.allSatisfy { $0 != nil })
        XCTAssertNil(hub.register(.fetchers))
        hub.remove(watchers[3]!)
        XCTAssertNotNil(hub.register(.mutations))
    }

    func testLinesReachOnlyTheirStreamsWatchersAndWakeOnce() {
        let hub = WatchHub(bufferSize: 4096)
        let fetching = hub.register(.fetchers)!
        let storing = hub.register(.mutations)!
        let wakes = Counted()
        fetching.attach { wakes.bump() }
        fetching.take(upTo: .max) { $0.count }  // attaching asks for a drain; nothing waits yet
        hub.publish(.fetchers) { $0.append("type=one") }
        hub.publish(.fetchers) { $0.append("type=two") }
        XCTAssertEqual(wakes.value, 1, "a second line into a feed not yet drained wakes nobody")
        var text = ""
        fetching.take(upTo: .max) { piece in
            text += String(decoding: piece, as: UTF8.self)
            return piece.count
        }
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("ts="))
        XCTAssertTrue(lines[0].hasSuffix(" type=one"))
        XCTAssertTrue(lines[1].hasSuffix(" type=two"))
        var other = 0
        storing.take(upTo: .max) { piece in
            other += piece.count
            return piece.count
        }
        XCTAssertEqual(other, 0)
        hub.publish(.fetchers) { $0.append("type=three") }
        XCTAssertEqual(wakes.value, 2, "an emptied feed wakes again")
    }
}

final class WatchFiguresTests: XCTestCase {
    func testFiguresCountWrittenSentAndSkippedLines() {
        let hub = WatchHub(bufferSize: 300)
        let fetching = hub.register(.fetchers)!
        _ = hub.register(.mutations)!
        let long = String(repeating: "x", count: 100)
        hub.publish(.connevents) { $0.append("type=nobody") }  // nobody watches it: not written
        hub.publish(.fetchers) { $0.appendText(long) }  // about 128 bytes: fits with the skip reserve
        hub.publish(.fetchers) { $0.appendText(long) }  // no room left for it and the reserve: skipped
        var figures = hub.figures
        XCTAssertEqual([figures.written, figures.sent, figures.skipped], [2, 1, 1])
        XCTAssertEqual(figures.watchers, 2)
        hub.remove(fetching)  // a watcher that leaves keeps its lines counted
        figures = hub.figures
        XCTAssertEqual([figures.written, figures.sent, figures.skipped], [2, 1, 1])
        XCTAssertEqual(figures.watchers, 1)
        hub.resetFigures()
        figures = hub.figures
        XCTAssertEqual([figures.written, figures.sent, figures.skipped], [0, 0, 0])
        XCTAssertEqual(figures.watchers, 1)
    }

    func testStatsShowTheWatchFigures() {
        let h = makeHarness()
        let watcher = h.server.watchHub.register(.fetchers)!
        h.send("get a b\r\n")
        let stats = h.send("stats\r\n")
        for (name, value) in [("log_worker_written", "2"), ("log_watcher_sent", "2"), ("log_watcher_skipped", "0"),
                              ("log_watchers", "1"), ("log_worker_dropped", "0")] {
            XCTAssertTrue(stats.contains("STAT \(name) \(value)\r\n"), "\(name) in \(stats)")
        }
        h.server.watchHub.remove(watcher)
    }
}

final class WatchCommandTests: XCTestCase {
    func testWatchAnswersOKThenIgnoresInput() {
        let h = makeHarness()
        XCTAssertEqual(h.send("watch fetchers mutations\r\nget x\r\n"), "OK\r\n")
        XCTAssertEqual(h.session.watchFeed?.streams, [.fetchers, .mutations])
        XCTAssertEqual(h.server.watchHub.watcherCount, 1)
        h.session.close()
        XCTAssertEqual(h.server.watchHub.watcherCount, 0)
    }

    func testWatchRefusals() {
        let h = makeHarness()
        XCTAssertEqual(h.send("watch fetchers bogus\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("get x\r\nwatch\r\n"), "END\r\nERROR cannot pipeline other commands before watch\r\n")
        XCTAssertNil(h.session.watchFeed)
    }

    func testFetchAndStoreLinesCarryTheDescriptor() {
        let h = makeHarness()
        let watcher = h.server.watchHub.register([.fetchers, .mutations])!
        h.session.attach(descriptor: 42)
        XCTAssertEqual(h.send("set k 0 0 2\r\nhi\r\nget k nope\r\n"), "STORED\r\nVALUE k 0 2\r\nhi\r\nEND\r\n")
        var text = ""
        watcher.take(upTo: .max) { piece in
            text += String(decoding: piece, as: UTF8.self)
            return piece.count
        }
        let bodies = text.split(separator: "\n").map { line in
            line.split(separator: " ").dropFirst(2).joined(separator: " ")
        }
        XCTAssertEqual(bodies, [
            "type=item_get key=k status=not_found clsid=0 cfd=42 size=0",
            "type=item_store key=k status=stored cmd=set ttl=0 clsid=1 cfd=42 size=2",
            "type=item_get key=k status=found clsid=1 cfd=42 size=2",
            "type=item_get key=nope status=not_found clsid=0 cfd=42 size=0",
        ])
    }
}

private final class Counted: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func bump() { lock.withLock { count += 1 } }
}
