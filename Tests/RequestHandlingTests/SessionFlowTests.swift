import Networking
import XCTest
import CacheEngine
@testable import RequestHandling

/// How requests are framed: splits, pipelining, request limits, noreply.
final class SessionFlowTests: XCTestCase {
    /// A conversation covering every command (no gets/gats: their CAS differs between engines).
    static let script = Array((
        "set a 1 0 3\r\nabc\r\n" + "get a\r\n" + "add a 0 0 1\r\nx\r\n" + "add b 0 0 2\r\n10\r\n"
        + "replace b 0 0 2\r\n20\r\n" + "append a 0 0 2\r\nde\r\n" + "prepend a 0 0 1\r\n>\r\n"
        + "incr b 5\r\n" + "decr b 30\r\n" + "incr nope 1\r\n" + "touch a 100\r\n" + "gat 0 a b zz\r\n"
        + "cas a 0 0 1 1\r\nq\r\n" + "delete b\r\n" + "delete b noreply\r\n" + "set c 0 0 1 noreply\r\nc\r\n"
        + "set d 0 0 3\r\nabcde\r\n" + "get a b c\n" + "flush_all 0\r\n" + "get a\r\n" + "version\r\n"
        + "verbosity 1\r\n" + "bogus\r\n" + "\r\n" + "set big 0 0 1048577\r\n" + String(repeating: "z", count: 600)
    ).utf8) + Array(repeating: UInt8(ascii: "z"), count: 1_048_577 - 600) + Array("\r\nget big\r\nmn\r\n".utf8)

    /// The expected answer to `script`.
    static let expected = "STORED\r\n" + "VALUE a 1 3\r\nabc\r\nEND\r\n" + "NOT_STORED\r\n" + "STORED\r\n"
        + "STORED\r\n" + "STORED\r\n" + "STORED\r\n" + "25\r\n" + "0\r\n" + "NOT_FOUND\r\n" + "TOUCHED\r\n"
        + "VALUE a 1 6\r\n>abcde\r\nVALUE b 0 2\r\n0 \r\nEND\r\n" + "EXISTS\r\n" + "DELETED\r\n"
        + "CLIENT_ERROR bad data chunk\r\nERROR\r\n" + "VALUE a 1 6\r\n>abcde\r\nVALUE c 0 1\r\nc\r\nEND\r\n"
        + "OK\r\n" + "END\r\n" + "VERSION \(reportedVersion)\r\n" + "OK\r\n" + "ERROR\r\n" + "ERROR\r\n"
        + "SERVER_ERROR object too large for cache\r\n" + "END\r\n" + "MN\r\n"

    func testWholeScriptInOneBuffer() {
        let h = makeHarness()
        XCTAssertEqual(h.send(Self.script, requestLimit: 1000), Self.expected)
        XCTAssertTrue(h.pending.isEmpty)
    }

    func testWholeScriptWithDefaultRequestLimit() {
        let h = makeHarness()
        XCTAssertEqual(h.send(Self.script), Self.expected)
        XCTAssertTrue(h.progressLog.contains { $0.yielded })
    }

    func testScriptSplitInTwoAtEveryByteOfTheCommandPart() {
        // The head of the script holds all the command lines; the tail is the big swallowed value.
        let headLength = Self.script.count - 1_048_000
        for split in stride(from: 1, to: headLength, by: 1) {
            let h = SessionHarness()
            defer { h.shutdown() }
            let answer = h.send(Array(Self.script[..<split])) + h.send(Array(Self.script[split...]))
            XCTAssertEqual(answer, Self.expected, "split at \(split)")
            if answer != Self.expected { break }
        }
    }

    func testScriptFedByteByByte() {
        let h = makeHarness()
        var answer = ""
        for byte in Self.script { answer += h.send([byte]) }
        XCTAssertEqual(answer, Self.expected)
    }

    func testRequestLimitYieldsAndResumes() {
        let h = makeHarness()
        let output = h.send("version\r\nversion\r\nversion\r\nversion\r\nversion\r\n", requestLimit: 2)
        XCTAssertEqual(output, String(repeating: "VERSION \(reportedVersion)\r\n", count: 5))
        XCTAssertEqual(h.progressLog.map(\.yielded), [true, true, false])
        XCTAssertEqual(h.progressLog.map(\.consumed), [2, 2, 1].map { $0 * "version\r\n".utf8.count })
    }

    func testNoYieldWhenOnlyAPartialLineRemains() {
        let h = makeHarness()
        h.send("version\r\nversion\r\nver", requestLimit: 2)
        XCTAssertEqual(h.progressLog.last?.yielded, false)
        XCTAssertEqual(h.pending, Array("ver".utf8))
    }

    /// The network layer restarts its idle clock on these counts (memcached's last_cmd_time): a
    /// command line counts once, whether its data block is whole or not, and a block's tail or a
    /// partial line counts nothing.
    func testProgressCountsCompleteCommandLines() {
        let h = makeHarness()
        h.send("version\r\nset k 0 0 5\r\nab")
        h.send("cd")
        h.send("e\r\nget k\r\nge")
        h.send("t k")
        XCTAssertEqual(h.progressLog.map(\.commands), [2, 0, 1, 0])
    }

    func testNoreplySilencesEveryCommand() {
        let h = makeHarness()
        let silent = "set a 0 0 1 noreply\r\n1\r\n" + "add a 0 0 1 noreply\r\n2\r\n" + "replace a 0 0 1 noreply\r\n3\r\n"
            + "append a 0 0 1 noreply\r\n4\r\n" + "prepend a 0 0 1 noreply\r\n5\r\n" + "cas a 0 0 1 1 noreply\r\n6\r\n"
            + "incr a 1 noreply\r\n" + "decr a 1 noreply\r\n" + "touch a 0 noreply\r\n" + "delete zz noreply\r\n"
            + "flush_all 100 noreply\r\n" + "verbosity 0 noreply\r\n" + "set n 0 0 noreply\r\n"
            + "set \(String(repeating: "k", count: 300)) 0 0 1 noreply\r\n"
        XCTAssertEqual(h.send(silent), "")
        XCTAssertEqual(h.send("get a\r\n"), "VALUE a 0 3\r\n534\r\nEND\r\n")
    }
}
