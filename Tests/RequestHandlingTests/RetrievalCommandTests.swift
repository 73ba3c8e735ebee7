import XCTest
import CacheEngine
@testable import RequestHandling

final class RetrievalCommandTests: XCTestCase {
    func testGetManyKeysAndCounters() {
        let h = makeHarness()
        h.send("set a 1 0 1\r\nA\r\nset b 2 0 2\r\nBB\r\n")
        XCTAssertEqual(h.send("get a x b a\r\n"),
                       "VALUE a 1 1\r\nA\r\nVALUE b 2 2\r\nBB\r\nVALUE a 1 1\r\nA\r\nEND\r\n")
        XCTAssertEqual(h.send("bget a\r\n"), "VALUE a 1 1\r\nA\r\nEND\r\n")
        XCTAssertEqual(h.counter(.cmdGet), 5)
        XCTAssertEqual(h.counter(.getHits), 4)
        XCTAssertEqual(h.counter(.getMisses), 1)
    }

    func testGetsShowsCas() {
        let h = makeHarness()
        h.send("set a 0 0 1\r\nA\r\n")
        let answer = h.send("gets a\r\n")
        XCTAssertTrue(answer.hasPrefix("VALUE a 0 1 "), answer)
        let cas = answer.split(separator: "\r\n")[0].split(separator: " ")[4]
        XCTAssertNotNil(UInt64(cas))
        XCTAssertNotEqual(UInt64(cas), 0)
        XCTAssertTrue(answer.hasSuffix("\r\nA\r\nEND\r\n"))
    }

    func testGetWordCountAndBadKeys() {
        let h = makeHarness()
        h.send("set a 0 0 1\r\n1\r\n")
        XCTAssertEqual(h.send("get\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("get \r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("getx a\r\n"), "ERROR\r\n")
        // A bad key cancels the VALUE lines already produced for this command.
        XCTAssertEqual(h.send("get a b \(String(repeating: "k", count: 251)) a\r\n"),
                       "CLIENT_ERROR bad command line format\r\n")
        XCTAssertEqual(h.counter(.cmdGet), 2)
        // A NUL byte ends the line, as it ends memcached's C string.
        XCTAssertEqual(h.send(Array("get a".utf8) + [0] + Array(" b\r\n".utf8)), "VALUE a 0 1\r\n1\r\nEND\r\n")
    }

    func testMultigetLongerThanTheLineLimitArrivingInPieces() {
        let h = makeHarness()
        h.send("set key1 0 0 2\r\nv1\r\nset key300 0 0 4\r\nv300\r\n")
        let keys = (1...500).map { "key\($0)" }
        let line = Array(("get " + keys.joined(separator: " ") + "\r\n").utf8)
        XCTAssertGreaterThan(line.count, 2048)
        var answer = ""
        var offset = 0
        while offset < line.count {
            let end = min(offset + 700, line.count)
            answer += h.send(Array(line[offset..<end]))
            offset = end
        }
        XCTAssertFalse(h.closed)
        XCTAssertEqual(answer, "VALUE key1 0 2\r\nv1\r\nVALUE key300 0 4\r\nv300\r\nEND\r\n")
        XCTAssertEqual(h.counter(.cmdGet), 500)
    }

    func testGatAndGats() {
        let h = makeHarness()
        h.send("set a 3 100 1\r\nA\r\n")
        XCTAssertEqual(h.send("gat 0 a zz\r\n"), "VALUE a 3 1\r\nA\r\nEND\r\n")
        XCTAssertTrue(h.send("gats 0 a\r\n").hasPrefix("VALUE a 3 1 "))
        XCTAssertEqual(h.send("gat 10\r\n"), "END\r\n")
        XCTAssertEqual(h.send("gat abc a\r\n"), "CLIENT_ERROR invalid exptime argument\r\n")
        XCTAssertEqual(h.send("gat\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.counter(.cmdTouch), 3)
        XCTAssertEqual(h.counter(.touchHits), 2)
        XCTAssertEqual(h.counter(.touchMisses), 1)
        XCTAssertEqual(h.counter(.cmdGet), 0)
        // gat 0 removed the 100 s expiry: the item survives the clock moving past it.
        h.engine.clock.advance(by: 200)
        XCTAssertEqual(h.send("get a\r\n"), "VALUE a 3 1\r\nA\r\nEND\r\n")
        XCTAssertEqual(h.send("gat 5 a\r\n"), "VALUE a 3 1\r\nA\r\nEND\r\n")
        h.engine.clock.advance(by: 6)
        XCTAssertEqual(h.send("get a\r\n"), "END\r\n")
    }

    func testExpiredItemsAreNotReturned() {
        let h = makeHarness()
        h.send("set a 0 5 1\r\nA\r\nset b 0 -1 1\r\nB\r\n")
        XCTAssertEqual(h.send("get a b\r\n"), "VALUE a 0 1\r\nA\r\nEND\r\n")
        h.engine.clock.advance(by: 6)
        XCTAssertEqual(h.send("get a\r\n"), "END\r\n")
        // b was stored already expired (negative exptime): memcached counts it as expired too.
        XCTAssertEqual(h.counter(.getExpired), 2)
        XCTAssertEqual(h.counter(.getMisses), 2)
    }
}
