import XCTest
import CacheEngine
@testable import RequestHandling

final class KeyCommandTests: XCTestCase {
    func testIncrDecr() {
        let h = makeHarness()
        h.send("set c 0 0 2\r\n10\r\n")
        XCTAssertEqual(h.send("decr c 1\r\n"), "9\r\n")
        // memcached pads a shorter result with spaces in place.
        XCTAssertEqual(h.send("get c\r\n"), "VALUE c 0 2\r\n9 \r\nEND\r\n")
        XCTAssertEqual(h.send("incr c 5\r\n"), "14\r\n")
        XCTAssertEqual(h.send("decr c 100\r\n"), "0\r\n")
        h.send("set c 0 0 20\r\n18446744073709551615\r\n")
        XCTAssertEqual(h.send("incr c 2\r\n"), "1\r\n")
        XCTAssertEqual(h.send("get c\r\n"), "VALUE c 0 20\r\n1                   \r\nEND\r\n")
        XCTAssertEqual(h.counter(.incrHits), 2)
        XCTAssertEqual(h.counter(.decrHits), 2)
    }

    func testIncrDecrErrors() {
        let h = makeHarness()
        h.send("set t 0 0 2\r\nab\r\n")
        XCTAssertEqual(h.send("incr t 1\r\n"), "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n")
        XCTAssertEqual(h.send("incr t -1\r\n"), "CLIENT_ERROR invalid numeric delta argument\r\n")
        XCTAssertEqual(h.send("incr t abc\r\n"), "CLIENT_ERROR invalid numeric delta argument\r\n")
        XCTAssertEqual(h.send("incr t 18446744073709551616\r\n"), "CLIENT_ERROR invalid numeric delta argument\r\n")
        XCTAssertEqual(h.send("incr nope 1\r\ndecr nope 1\r\n"), "NOT_FOUND\r\nNOT_FOUND\r\n")
        XCTAssertEqual(h.send("incr t\r\nincr t 1 2 3\r\n"), "ERROR\r\nERROR\r\n")
        XCTAssertEqual(h.send("incr t 1 noreply\r\nincr t abc noreply\r\n"), "")
        XCTAssertEqual(h.counter(.incrMisses), 1)
        XCTAssertEqual(h.counter(.decrMisses), 1)
    }

    func testDelete() {
        let h = makeHarness()
        h.send("set a 0 0 1\r\nA\r\nset b 0 0 1\r\nB\r\n")
        XCTAssertEqual(h.send("delete a 0\r\n"), "DELETED\r\n")
        XCTAssertEqual(h.send("delete a\r\n"), "NOT_FOUND\r\n")
        let usage = "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"
        XCTAssertEqual(h.send("delete b x\r\n"), usage)
        XCTAssertEqual(h.send("delete b 0 0\r\n"), usage)
        XCTAssertEqual(h.send("delete b x noreply\r\n"), "")
        XCTAssertEqual(h.send("delete\r\ndelete a b c d\r\n"), "ERROR\r\nERROR\r\n")
        XCTAssertEqual(h.send("delete b 0 noreply\r\nget b\r\n"), "END\r\n")
        XCTAssertEqual(h.send("delete \(String(repeating: "k", count: 251))\r\n"), "CLIENT_ERROR bad command line format\r\n")
        XCTAssertEqual(h.counter(.deleteHits), 2)
        XCTAssertEqual(h.counter(.deleteMisses), 1)
    }

    func testTouch() {
        let h = makeHarness()
        h.send("set c 0 0 1\r\nC\r\n")
        XCTAssertEqual(h.send("touch c 10\r\n"), "TOUCHED\r\n")
        XCTAssertEqual(h.send("touch nope 10\r\n"), "NOT_FOUND\r\n")
        XCTAssertEqual(h.send("touch c x\r\n"), "CLIENT_ERROR invalid exptime argument\r\n")
        XCTAssertEqual(h.send("touch c\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("touch c 10 noreply\r\ntouch c x noreply\r\n"), "")
        XCTAssertEqual(h.counter(.cmdTouch), 3)
        XCTAssertEqual(h.counter(.touchHits), 2)
        XCTAssertEqual(h.counter(.touchMisses), 1)
        h.engine.clock.advance(by: 11)
        XCTAssertEqual(h.send("get c\r\n"), "END\r\n")
    }
}
