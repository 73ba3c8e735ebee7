import XCTest
import CacheEngine
@testable import RequestHandling

final class StorageCommandTests: XCTestCase {
    func testSetAddReplaceAppendPrepend() {
        let h = makeHarness()
        XCTAssertEqual(h.send("set k 5 0 3\r\nabc\r\n"), "STORED\r\n")
        XCTAssertEqual(h.send("get k\r\n"), "VALUE k 5 3\r\nabc\r\nEND\r\n")
        XCTAssertEqual(h.send("add k 0 0 1\r\nx\r\n"), "NOT_STORED\r\n")
        XCTAssertEqual(h.send("add n 0 0 1\r\nx\r\n"), "STORED\r\n")
        XCTAssertEqual(h.send("replace missing 0 0 1\r\nx\r\n"), "NOT_STORED\r\n")
        XCTAssertEqual(h.send("replace k 7 0 2\r\nxy\r\n"), "STORED\r\n")
        XCTAssertEqual(h.send("append k 0 0 2\r\n>>\r\n"), "STORED\r\n")
        XCTAssertEqual(h.send("prepend k 0 0 2\r\n<<\r\n"), "STORED\r\n")
        XCTAssertEqual(h.send("append missing 0 0 1\r\nx\r\n"), "NOT_STORED\r\n")
        XCTAssertEqual(h.send("get k\r\n"), "VALUE k 7 6\r\n<<xy>>\r\nEND\r\n")
        XCTAssertEqual(h.counter(.cmdSet), 8)
    }

    func testEmptyValueAndBinaryBytes() {
        let h = makeHarness()
        XCTAssertEqual(h.send("set e 0 0 0\r\n\r\n"), "STORED\r\n")
        XCTAssertEqual(h.send("get e\r\n"), "VALUE e 0 0\r\n\r\nEND\r\n")
        XCTAssertEqual(h.send(Array("set b 0 0 4\r\n".utf8) + [0, 13, 10, 255] + Array("\r\n".utf8)), "STORED\r\n")
        XCTAssertEqual(h.send("get b\r\n"), "VALUE b 0 4\r\n\u{0}\r\n\u{FFFD}\r\nEND\r\n")
    }

    func testCasExistsAndNotFound() {
        let h = makeHarness()
        h.send("set k 0 0 1\r\nx\r\n")
        let answer = h.send("gets k\r\n")
        let cas = answer.split(separator: "\r\n")[0].split(separator: " ")[4]
        XCTAssertEqual(h.send("cas k 0 0 1 \(UInt64(cas)! + 1000)\r\ny\r\n"), "EXISTS\r\n")
        XCTAssertEqual(h.send("cas k 0 0 1 \(cas)\r\nz\r\n"), "STORED\r\n")
        XCTAssertEqual(h.send("cas k 0 0 1 \(cas)\r\nw\r\n"), "EXISTS\r\n")
        XCTAssertEqual(h.send("cas nope 0 0 1 1\r\ny\r\n"), "NOT_FOUND\r\n")
        // memcached treats a cas of 0 on an existing item as a mismatch.
        XCTAssertEqual(h.send("cas k 0 0 1 0\r\nv\r\n"), "EXISTS\r\n")
        XCTAssertEqual(h.send("get k\r\n"), "VALUE k 0 1\r\nz\r\nEND\r\n")
        XCTAssertEqual(h.counter(.casHits), 1)
        XCTAssertEqual(h.counter(.casBadval), 3)
        XCTAssertEqual(h.counter(.casMisses), 1)
    }

    func testBadCommandLinesAnswerLikeMemcached() {
        let h = makeHarness()
        // The refused line's data block is then read as a command of its own: "x" → ERROR.
        XCTAssertEqual(h.send("set n -1 0 1\r\nx\r\n"), "CLIENT_ERROR bad command line format\r\nERROR\r\n")
        XCTAssertEqual(h.send("set n 5x 0 1\r\nx\r\n"), "CLIENT_ERROR bad command line format\r\nERROR\r\n")
        XCTAssertEqual(h.send("set n 0 0 -1\r\n"), "CLIENT_ERROR bad command line format\r\n")
        XCTAssertEqual(h.send("set n 0 abc 1\r\n"), "CLIENT_ERROR bad command line format\r\n")
        XCTAssertEqual(h.send("cas d 0 0 1 -1\r\ny\r\n"), "CLIENT_ERROR bad command line format\r\nERROR\r\n")
        XCTAssertEqual(h.send("set n 0 0\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("cas d 0 0 1\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("set n 0 0 1 noreply x\r\n"), "ERROR\r\n")
        // A sixth word that is not noreply is ignored.
        XCTAssertEqual(h.send("set n 0 0 1 garbage\r\nx\r\n"), "STORED\r\n")
    }

    func testNumbersAreTruncatedLikeMemcached() {
        let h = makeHarness()
        XCTAssertEqual(h.send("set n 4294967297 0 1\r\nx\r\nget n\r\n"), "STORED\r\nVALUE n 1 1\r\nx\r\nEND\r\n")
        XCTAssertEqual(h.send("set n +5 0 1\r\nx\r\nget n\r\n"), "STORED\r\nVALUE n 5 1\r\nx\r\nEND\r\n")
        XCTAssertEqual(h.send("set n 0 0 4294967299\r\nabc\r\nget n\r\n"), "STORED\r\nVALUE n 0 3\r\nabc\r\nEND\r\n")
        XCTAssertEqual(h.send("set n 18446744073709551616 0 1\r\nx\r\n"), "CLIENT_ERROR bad command line format\r\nERROR\r\n")
    }

    func testBadDataChunk() {
        let h = makeHarness()
        // memcached reads exactly length+2 bytes, checks only the last two, then parses what follows.
        XCTAssertEqual(h.send("set n 0 0 3\r\nabcde\r\n"), "CLIENT_ERROR bad data chunk\r\nERROR\r\n")
        XCTAssertEqual(h.send("set n 0 0 1\r\nx\r\n"), "STORED\r\n")
        XCTAssertEqual(h.send("set n 0 0 3\r\nabc\n\r\nget n\r\n"),
                       "CLIENT_ERROR bad data chunk\r\nERROR\r\nVALUE n 0 1\r\nx\r\nEND\r\n")
        XCTAssertEqual(h.send("set n 0 0 1\r\nxget n\r\n"), "CLIENT_ERROR bad data chunk\r\nERROR\r\n")
        XCTAssertEqual(h.send("set n 0 0 3 noreply\r\nabcde\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.counter(.cmdSet), 5)
        // A bare \n ends the command line too.
        XCTAssertEqual(h.send("set n 0 0 1\nx\r\nget n\n"), "STORED\r\nVALUE n 0 1\r\nx\r\nEND\r\n")
    }

    func testKeyLimits() {
        let h = makeHarness()
        let long = String(repeating: "k", count: 251)
        let max = String(repeating: "k", count: 250)
        XCTAssertEqual(h.send("set \(long) 0 0 1\r\nx\r\n"), "CLIENT_ERROR bad command line format\r\nERROR\r\n")
        XCTAssertEqual(h.send("set \(max) 0 0 1\r\nx\r\n"), "STORED\r\n")
        XCTAssertEqual(h.send("get \(max)\r\n"), "VALUE \(max) 0 1\r\nx\r\nEND\r\n")
        // Deliberate difference: memcached stores "a\tb"; we refuse control characters in keys.
        XCTAssertEqual(h.send("set a\tb 0 0 1\r\nx\r\n"), "CLIENT_ERROR bad command line format\r\nERROR\r\n")
        XCTAssertEqual(h.send("get a\u{7F}\r\n"), "CLIENT_ERROR bad command line format\r\n")
    }

    func testTooLargeValueIsSwallowedAcrossCallsAndSetRemovesOldValue() {
        let h = makeHarness()
        h.send("set n 0 0 1\r\nx\r\n")
        // As in memcached, the refusal is sent once the refused data block has been read.
        XCTAssertEqual(h.send("set n 0 0 2000000\r\n"), "")
        let chunk = [UInt8](repeating: UInt8(ascii: "y"), count: 100_000)
        for _ in 0..<20 {
            XCTAssertEqual(h.send(chunk), "")
            XCTAssertTrue(h.pending.isEmpty, "swallowed bytes are consumed at once")
        }
        XCTAssertEqual(h.send("\r\nget n\r\n"), "SERVER_ERROR object too large for cache\r\nEND\r\n")
        XCTAssertEqual(h.counter(.storeTooLarge), 1)
        XCTAssertEqual(h.counter(.cmdSet), 1)
    }

    func testTooLargeAddKeepsOldValueAndNoreplyHidesTheError() {
        let h = makeHarness()
        h.send("set n 0 0 1\r\nx\r\n")
        let big = String(repeating: "y", count: 2_000_000)
        XCTAssertEqual(h.send("add n 0 0 2000000\r\n\(big)\r\nget n\r\n"),
                       "SERVER_ERROR object too large for cache\r\nVALUE n 0 1\r\nx\r\nEND\r\n")
        XCTAssertEqual(h.send("set n 0 0 2000000 noreply\r\n\(big)\r\nget n\r\n"), "END\r\n")
    }

    func testOutOfMemory() {
        let h = makeHarness(megabytes: 1) { $0.engine.evictionsEnabled = false }
        let value = String(repeating: "v", count: 500_000)
        var answers = ""
        for index in 0..<8 { answers += h.send("set k\(index) 0 0 500000\r\n\(value)\r\n") }
        XCTAssertTrue(answers.contains("SERVER_ERROR out of memory storing object\r\n"), answers)
        XCTAssertGreaterThan(h.counter(.storeNoMemory), 0)
        XCTAssertEqual(h.send("get k7\r\n"), "END\r\n")
    }

    func testValueBytesAreConsumedAsTheyArrive() {
        let h = makeHarness()
        XCTAssertEqual(h.send("set k 0 0 10\r\nabc"), "")
        XCTAssertTrue(h.pending.isEmpty)
        XCTAssertEqual(h.send("defghij\r"), "")
        XCTAssertEqual(h.send("\n"), "STORED\r\n")
        XCTAssertEqual(h.send("get k\r\n"), "VALUE k 0 10\r\nabcdefghij\r\nEND\r\n")
    }

    func testClosingMidValueReleasesTheItem() {
        let h = makeHarness()
        h.send("set k 0 0 100\r\nabc")
        h.session.close()
        let used = h.engine.slabStatistics().reduce(0) { $0 + $1.usedChunks }
        XCTAssertEqual(used, 0)
        XCTAssertEqual(h.send("get k\r\n"), "END\r\n")
    }
}
