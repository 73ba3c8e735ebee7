import XCTest
import CacheEngine
import MemcacheProtocol
@testable import RequestHandling

/// Meta commands through a whole session: reply bytes, quiet pipelines, values split across
/// reads, stale-while-revalidate state, and the engine staying consistent. Replies were checked
/// against memcached 1.6.18 (the differential corpus in Tests/clients covers many more).
final class MetaCommandTests: XCTestCase {
    private func cas(in reply: String) -> String {
        let afterC = reply.components(separatedBy: " c")[1]
        return String(afterC.prefix { $0.isNumber })
    }

    func testSetGetWithReturnedFlags() {
        let h = makeHarness()
        XCTAssertEqual(h.send("ms mk 5 F9 T100 k O7\r\nhello\r\n"), "HD kmk O7\r\n")
        XCTAssertEqual(h.send("mg mk s v f t k O1\r\n"), "VA 5 s5 f9 t100 kmk O1\r\nhello\r\n")
        XCTAssertEqual(h.send("mg mk\r\n"), "HD\r\n")
        XCTAssertEqual(h.send("get mk\r\n"), "VALUE mk 9 5\r\nhello\r\nEND\r\n")
        XCTAssertEqual(h.send("mg nokey v k O2\r\n"), "EN knokey O2\r\n")
    }

    func testFlagsActInRequestOrder() {
        let h = makeHarness()
        h.send("ms mo 1 T100\r\nv\r\n")
        XCTAssertEqual(h.send("mg mo t T300\r\n"), "HD t100\r\n")
        XCTAssertEqual(h.send("mg mo T50 t\r\n"), "HD t50\r\n")
        h.engine.clock.advance(by: 10)
        XCTAssertEqual(h.send("mg mo t\r\n"), "HD t40\r\n")
    }

    func testQuietPipelineAnswersOnlyWhatMustBeAnswered() {
        let h = makeHarness()
        h.send("ms q1 1\r\na\r\nms q3 3\r\nccc\r\n")
        let answer = h.send("mg q1 q v k\r\nmg q2 q v k\r\nmg q3 q v k\r\nms q4 1 q\r\nx\r\nms q4 1 q ME\r\ny\r\n" +
                            "md q5 q\r\nmd q4 q\r\nma q6 q\r\nmg q7 q !\r\nmn\r\n")
        XCTAssertEqual(answer, "VA 1 kq1\r\na\r\nVA 3 kq3\r\nccc\r\nNS\r\nNF\r\nNF\r\nCLIENT_ERROR invalid flag\r\nMN\r\n")
    }

    func testSetValueSplitAcrossReads() {
        let h = makeHarness()
        XCTAssertEqual(h.send("ms sp 10 c O1\r\n0123"), "")
        let reply = h.send("456789\r\nmg sp v\r\n")
        XCTAssertTrue(reply.hasPrefix("HD c") && reply.hasSuffix(" O1\r\nVA 10\r\n0123456789\r\n"), reply)
        // memcached reads exactly 3 + 2 bytes, then the stray "\n" is an empty command line.
        XCTAssertEqual(h.send("ms sp 3\r\nabcd\r\n"), "CLIENT_ERROR bad data chunk\r\nERROR\r\n")
    }

    func testModesAndCAS() {
        let h = makeHarness()
        XCTAssertEqual(h.send("ms m 1 MR\r\nx\r\n"), "NS\r\n")
        XCTAssertEqual(h.send("ms m 1 ME\r\na\r\n"), "HD\r\n")
        XCTAssertEqual(h.send("ms m 1 ME\r\nb\r\n"), "NS\r\n")
        XCTAssertEqual(h.send("ms m 1 MA\r\nz\r\n"), "HD\r\n")
        XCTAssertEqual(h.send("ms m 1 MP\r\ny\r\n"), "HD\r\n")
        let current = cas(in: h.send("mg m c v\r\n"))
        XCTAssertEqual(h.send("ms m 1 MA C1\r\nq\r\n"), "EX\r\n")
        XCTAssertEqual(h.send("ms m 1 C\(current)\r\nN\r\n"), "HD\r\n")
        XCTAssertEqual(h.send("ms m 1 C\(current)\r\nO\r\n"), "EX\r\n")
        XCTAssertEqual(h.send("ms none 1 C5\r\nO\r\n"), "NF\r\n")
        XCTAssertEqual(h.send("ms m 1 MX\r\nO\r\nmg m v\r\n"), "CLIENT_ERROR invalid mode for ms M token\r\nVA 1\r\nN\r\n")
    }

    func testStaleWhileRevalidate() {
        let h = makeHarness()
        h.send("ms s 3 T100\r\nold\r\n")
        let before = cas(in: h.send("mg s c\r\n"))
        XCTAssertEqual(h.send("md s I T30\r\n"), "HD\r\n")
        let first = h.send("mg s v c t\r\n")
        XCTAssertTrue(first.hasSuffix(" t30 X W\r\nold\r\n"), first)
        let stale = cas(in: first)
        XCTAssertNotEqual(stale, before, "invalidation bumps the CAS")
        XCTAssertTrue(h.send("mg s v t\r\n").hasSuffix(" t30 Z X\r\nold\r\n"))
        // A late writer with the older CAS still stores, as stale; the winner's CAS stores cleanly.
        XCTAssertEqual(h.send("ms s 4 I C\(before)\r\nlate\r\n"), "HD\r\n")
        XCTAssertEqual(h.send("mg s v\r\n"), "VA 4 Z X\r\nlate\r\n")
        let late = cas(in: h.send("mg s c\r\n"))
        XCTAssertEqual(h.send("ms s 3 C\(late) T100\r\nnew\r\n"), "HD\r\n")
        XCTAssertEqual(h.send("mg s v t\r\n"), "VA 3 t100\r\nnew\r\n")
    }

    func testVivifyAndRecache() {
        let h = makeHarness()
        XCTAssertEqual(h.send("mg v N30 t v\r\n"), "VA 0 t30 W\r\n\r\n")
        XCTAssertEqual(h.send("mg v N30 t v\r\n"), "VA 0 t30 Z\r\n\r\n")
        h.send("ms r 1 T100\r\nx\r\n")
        XCTAssertEqual(h.send("mg r R30 v\r\n"), "VA 1\r\nx\r\n")
        XCTAssertEqual(h.send("mg r R200 v\r\n"), "VA 1 W\r\nx\r\n")
        XCTAssertEqual(h.send("mg r R200 v\r\n"), "VA 1 Z\r\nx\r\n")
    }

    func testArithmetic() {
        let h = makeHarness()
        XCTAssertEqual(h.send("ma n\r\n"), "NF\r\n")
        XCTAssertEqual(h.send("ma n N0 J41 v t\r\n"), "VA 2 t-1\r\n41\r\n")
        XCTAssertEqual(h.send("ma n v\r\n"), "VA 2\r\n42\r\n")
        XCTAssertEqual(h.send("ma n MD D50 v\r\n"), "VA 1\r\n0\r\n")
        XCTAssertEqual(h.send("ma n M+ D99 v k O3\r\n"), "VA 2 kn O3\r\n99\r\n")
        XCTAssertEqual(h.send("ma n v\r\n"), "VA 3\r\n100\r\n", "grows into a new item")
        XCTAssertEqual(h.send("ma n q\r\nmn\r\n"), "MN\r\n")
        XCTAssertEqual(h.send("ma n Mx\r\n"), "CLIENT_ERROR invalid mode for ma M token\r\n")
        XCTAssertEqual(h.send("ma n Dx\r\n"), "CLIENT_ERROR invalid or duplicate flag\r\n")
        h.send("ms t 3\r\nabc\r\n")
        XCTAssertEqual(h.send("ma t\r\n"), "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n")
        XCTAssertEqual(h.counter(.incrHits), 4)
        XCTAssertEqual(h.counter(.decrHits), 1)
    }

    func testDeleteAndDebug() {
        let h = makeHarness()
        h.send("ms d 5\r\nhello\r\n")
        XCTAssertTrue(h.send("me d\r\n").hasPrefix("ME d exp=-1 la=0 cas="))
        XCTAssertTrue(h.send("me d\r\n").hasSuffix(" fetch=no cls=1 size=65\r\n"))
        XCTAssertEqual(h.send("md d C999\r\n"), "EX\r\n")
        XCTAssertEqual(h.send("md d q k\r\nmd d q k O9\r\nmn\r\n"), "NF kd O9\r\nMN\r\n")
        XCTAssertEqual(h.send("me d\r\nme\r\n"), "EN\r\nCLIENT_ERROR bad command line format\r\n")
        XCTAssertEqual(h.send("md d !\r\n"), "CLIENT_ERROR invalid or duplicate flag\r\n")
    }

    func testBinaryKeys() {
        let h = makeHarness()
        XCTAssertEqual(h.send("ms AAEC/w== 2 b k\r\nhi\r\n"), "HD kAAEC/w== b\r\n")
        XCTAssertEqual(h.send("mg AAEC/w== b v k\r\n"), "VA 2 kAAEC/w== b\r\nhi\r\n")
        XCTAssertTrue(h.send("me AAEC/w== b\r\n").hasPrefix("ME AAEC/w== exp=-1"))
        h.send("ms foo 1\r\nx\r\n")
        XCTAssertEqual(h.send("mg Zm9v b k v\r\n"), "VA 1 kfoo\r\nx\r\n", "the item's key was not binary")
        XCTAssertEqual(h.send("mg !!!! b\r\n"), "CLIENT_ERROR error decoding key\r\n")
        XCTAssertEqual(h.send("ms !!!! 1 b\r\nx\r\nmn\r\n"), "CLIENT_ERROR error decoding key\r\nMN\r\n")
    }

    func testLineErrorsLeaveTheConnectionUsable() {
        let h = makeHarness()
        let k251 = String(repeating: "k", count: 251)
        XCTAssertEqual(h.send("mg \(k251) v\r\n"), "CLIENT_ERROR bad command line format\r\n")
        XCTAssertEqual(h.send("mg\r\nms k\r\n"), "ERROR\r\nCLIENT_ERROR bad command line format\r\n")
        let many = (0..<18).map { "O\($0)" }.joined(separator: " ")
        XCTAssertEqual(h.send("mg k \(many)\r\n"), "CLIENT_ERROR options flags are too long\r\n")
        XCTAssertEqual(h.send("md k \(many)\r\n"), "CLIENT_ERROR options flags too long\r\n")
        let longOpaque = "O" + String(repeating: "o", count: 32)
        XCTAssertEqual(h.send("mg k \(longOpaque)\r\n"), "CLIENT_ERROR opaque token too long\r\n")
        // The block of a refused ms is swallowed, not read as commands.
        XCTAssertEqual(h.send("ms k 2 Tx\r\nmn\r\nmn\r\n"), "CLIENT_ERROR bad token in command line format\r\nMN\r\n")
    }

    /// Regression: an ms stored already expired (T-1) once gave its chunk back twice, so two
    /// later items shared one chunk.
    func testStoringAnExpiredItemKeepsMemoryConsistent() {
        let h = makeHarness()
        XCTAssertTrue(h.send("ms gone 1 T-1 c\r\nx\r\n").hasPrefix("HD c"))
        XCTAssertEqual(h.send("mg gone v\r\n"), "EN\r\n")
        h.send("ms a1 1\r\nA\r\nms a2 1\r\nB\r\n")
        XCTAssertEqual(h.send("mg a1 v\r\nmg a2 v\r\n"), "VA 1\r\nA\r\nVA 1\r\nB\r\n")
    }

    func testLaterMemcachedFlags() {
        let h = makeHarness()
        XCTAssertEqual(h.send("ms e 1 E12345 c\r\nx\r\n"), "HD c12345\r\n")
        XCTAssertEqual(h.send("ms x 5 F5\r\nhello\r\nmd x x\r\nmg x v f\r\n"), "HD\r\nHD\r\nVA 0 f5\r\n\r\n")
    }
}
