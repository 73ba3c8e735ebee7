import XCTest
import CacheEngine
@testable import RequestHandling

final class ServerCommandTests: XCTestCase {
    func testFlushAll() {
        let h = makeHarness()
        h.send("set a 0 0 1\r\nA\r\n")
        XCTAssertEqual(h.send("flush_all\r\nget a\r\n"), "OK\r\nEND\r\n")
        XCTAssertEqual(h.counter(.getFlushed), 1)
        XCTAssertEqual(h.send("flush_all x\r\n"), "CLIENT_ERROR invalid exptime argument\r\n")
        XCTAssertEqual(h.send("flush_all noreply x\r\n"), "CLIENT_ERROR invalid exptime argument\r\n")
        XCTAssertEqual(h.send("flush_all 1 2 3\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("flush_all -1\r\nflush_all 0 x\r\nflush_all noreply\r\n"), "OK\r\nOK\r\n")
        XCTAssertEqual(h.counter(.cmdFlush), 6)
    }

    func testFlushAllWithDelay() {
        let h = makeHarness()
        h.send("set a 0 0 1\r\nA\r\n")
        XCTAssertEqual(h.send("flush_all 10\r\n"), "OK\r\n")
        XCTAssertEqual(h.send("get a\r\n"), "VALUE a 0 1\r\nA\r\nEND\r\n")
        h.engine.clock.advance(by: 11)
        XCTAssertEqual(h.send("get a\r\n"), "END\r\n")
        XCTAssertEqual(h.send("set b 0 0 1\r\nB\r\nget b\r\n"), "STORED\r\nVALUE b 0 1\r\nB\r\nEND\r\n")
    }

    func testVersionVerbosityShutdownMetaNoOp() {
        let h = makeHarness()
        XCTAssertEqual(h.send("version\r\n"), "VERSION \(swiftcachedVersion)\r\n")
        XCTAssertEqual(h.send("version x\r\n"), "VERSION \(swiftcachedVersion)\r\n")
        XCTAssertEqual(h.send("verbosity 1\r\n"), "OK\r\n")
        XCTAssertEqual(h.server.verbosity, 1)
        XCTAssertEqual(h.send("verbosity 9 noreply\r\n"), "")
        XCTAssertEqual(h.server.verbosity, 2)
        XCTAssertEqual(h.send("verbosity x\r\n"), "CLIENT_ERROR bad command line format\r\n")
        XCTAssertEqual(h.send("verbosity noreply\r\n"), "")
        XCTAssertEqual(h.send("verbosity\r\nverbosity 1 2 3\r\n"), "ERROR\r\nERROR\r\n")
        XCTAssertEqual(h.send("shutdown\r\nshutdown graceful\r\n"),
                       "ERROR: shutdown not enabled\r\nERROR: shutdown not enabled\r\n")
        XCTAssertEqual(h.send("mn\r\n"), "MN\r\n")
    }

    func testUnknownAndMalformedLines() {
        let h = makeHarness()
        XCTAssertEqual(h.send("\r\n\na\r\n\r\r\nbogus cmd\r\nsxx HTTP/1.1\r\n"),
                       "ERROR\r\nERROR\r\nERROR\r\nERROR\r\nERROR\r\nERROR\r\n")
        XCTAssertFalse(h.closed)
    }

    func testQuitClosesAndIgnoresTheRest() {
        let h = makeHarness()
        XCTAssertEqual(h.send("version\r\nquit x\r\nversion\r\n"), "VERSION \(swiftcachedVersion)\r\n")
        XCTAssertTrue(h.closed)
    }

    func testHttpRequestClosesWithoutAnswer() {
        let h = makeHarness()
        XCTAssertEqual(h.send("GET / HTTP/1.1\r\n"), "")
        XCTAssertTrue(h.closed)
    }

    func testLineTooLongClosesTheConnection() {
        let h = makeHarness()
        XCTAssertEqual(h.send(String(repeating: "x", count: 2048)), "")
        XCTAssertFalse(h.closed)
        XCTAssertEqual(h.send("x"), "")
        XCTAssertTrue(h.closed)
    }

    func testUnfinishedMultigetIsBounded() {
        let h = makeHarness()
        h.send(" get ")
        let keys = Array(String(repeating: "key ", count: 25_000).utf8)
        for _ in 0..<10 where !h.closed { h.send(keys) }
        XCTAssertFalse(h.closed, "a megabyte of keys is still waited for")
        h.send(keys)
        XCTAssertTrue(h.closed)
    }

    func testTooManyLeadingSpacesBeforeLongGet() {
        let h = makeHarness()
        h.send(String(repeating: " ", count: 101) + "get " + String(repeating: "a ", count: 1500))
        XCTAssertTrue(h.closed)
    }
}
