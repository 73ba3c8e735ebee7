import OutputBuffers
import XCTest
import CacheEngine
import MemcacheProtocol
@testable import RequestHandling

/// Large values go out in place (pinned, not copied); what one connection's answers may hold is
/// bounded, and a request past the bound is answered as memcached answers when it runs out of
/// response objects.
final class ResponseLimitTests: XCTestCase {
    private let large = String(repeating: "L", count: 5000)

    private func harness(maxSplices: Int = 16384, copyBudget: Int = 1 << 20) -> SessionHarness {
        makeHarness { settings in
            settings.responseLimits.maxPendingSplices = maxSplices
            settings.responseLimits.copyBudget = copyBudget
        }
    }

    func testRepeatedKeyMultigetPastTheLimitIsRefusedWholeAndReleasesItsPins() {
        let h = harness(maxSplices: 50)
        h.send("set big 0 0 \(large.count)\r\n\(large)\r\nset small 0 0 2\r\nhi\r\n")
        let fits = h.send("get " + Array(repeating: "big", count: 50).joined(separator: " ") + "\r\n")
        XCTAssertEqual(fits, String(repeating: "VALUE big 0 5000\r\n\(large)\r\n", count: 50) + "END\r\n")
        let tooMany = h.send("get small " + Array(repeating: "big", count: 51).joined(separator: " ") + "\r\n")
        XCTAssertEqual(tooMany, "SERVER_ERROR out of memory writing get response\r\n")
        XCTAssertEqual(h.counter(.responseObjectsOutOfMemory), 1)
        XCTAssertEqual(h.engine.statistics().pinnedItems, 0, "the dropped answers' pins were let go")
        XCTAssertEqual(h.send("get small\r\n"), "VALUE small 0 2\r\nhi\r\nEND\r\n", "the connection goes on")
        XCTAssertTrue(h.send("stats\r\n").contains("STAT response_obj_oom 1\r\n"))
    }

    func testMetaAndBinaryGetsPastTheLimitAreRefused() {
        let h = harness(maxSplices: 2)
        h.send("set big 0 0 \(large.count)\r\n\(large)\r\n")
        // Three mg in one batch: the third would hold a third piece before any is sent.
        let answer = h.send("mg big v\r\nmg big v\r\nmg big v\r\nmn\r\n")
        XCTAssertEqual(answer, String(repeating: "VA 5000\r\n\(large)\r\n", count: 2)
                       + "SERVER_ERROR out of memory writing get response\r\nMN\r\n")
        XCTAssertEqual(h.engine.statistics().pinnedItems, 0)
    }

    /// Drives a session by hand to look at its output before it is sent.
    private func unsent(_ h: SessionHarness, _ request: String, _ body: (inout OutputBuffer) -> Void) {
        var output = OutputBuffer(capacity: 256)
        defer { output.deallocate() }
        let session = TextSession(context: h.worker)
        defer { session.close() }
        _ = Array(request.utf8).withUnsafeBytes { session.process($0, into: &output, requestLimit: 20) }
        body(&output)
    }

    func testLargeValuesGoOutInPlaceAndSurviveADeleteBeforeTheyAreSent() {
        let h = harness()
        h.send("set big 0 0 \(large.count)\r\n\(large)\r\nset small 0 0 5\r\nsmall\r\n")
        unsent(h, "get small big\r\n") { output in
            XCTAssertTrue(output.hasSplices, "the large value is not copied")
            XCTAssertEqual(output.spliceCount, 1)
            XCTAssertLessThan(output.ownedCount, 100, "only the lines and the small value are in the buffer")
            XCTAssertEqual(h.engine.statistics().pinnedItems, 1)
            // Another client deletes and overwrites the key while the answer waits.
            XCTAssertEqual(h.send("delete big\r\n"), "DELETED\r\n")
            let other = String(repeating: "O", count: 5000)
            XCTAssertEqual(h.send("set big 0 0 5000\r\n\(other)\r\nset big2 0 0 5000\r\n\(other)\r\n"), "STORED\r\nSTORED\r\n")
            XCTAssertEqual(String(decoding: output.unsentBytes, as: UTF8.self),
                           "VALUE small 0 5\r\nsmall\r\nVALUE big 0 5000\r\n\(large)\r\nEND\r\n")
            output.consume(output.readableCount)
            XCTAssertEqual(h.engine.statistics().pinnedItems, 0)
        }
    }

    func testPastTheCopyBudgetSmallValuesAreSentInPlaceToo() {
        let h = harness(copyBudget: 64)
        h.send("set a 0 0 10\r\n0123456789\r\n")
        unsent(h, "get a a a a a a a a\r\n") { output in
            XCTAssertGreaterThan(output.spliceCount, 0)
            XCTAssertLessThan(output.spliceCount, 8, "the first values were copied")
            XCTAssertEqual(String(decoding: output.unsentBytes, as: UTF8.self),
                           String(repeating: "VALUE a 0 10\r\n0123456789\r\n", count: 8) + "END\r\n")
        }
        XCTAssertEqual(h.engine.statistics().pinnedItems, 0)
    }

    func testBinaryGetPastTheLimitAnswersOutOfMemory() {
        var settings = ServerSettings()
        settings.responseLimits.maxPendingSplices = 1
        let engine = CacheEngine(configuration: settings.engine)
        defer { engine.shutdown() }
        let server = ServerContext(settings: settings, engine: engine)
        let session = BinarySession(context: WorkerContext(server: server, workerIndex: 0))
        defer { session.close() }
        let stored = Array("k".utf8).withUnsafeBytes { key in
            Array(large.utf8).withUnsafeBytes { engine.store(.set, key: key, flags: 0, exptime: 0, value: $0) }
        }
        XCTAssertEqual(stored, .stored)
        let get: [UInt8] = [0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, UInt8(ascii: "k")]
        var output = OutputBuffer(capacity: 256)
        defer { output.deallocate() }
        _ = (get + get).withUnsafeBytes { session.process($0, into: &output, requestLimit: 20) }
        let answer = output.unsentBytes
        XCTAssertEqual(answer.count, 24 + 4 + 5000 + 24 + 13, "one hit, then one error")
        let second = Array(answer[(24 + 4 + 5000)...])
        XCTAssertEqual(second[7], 0x82, "status: out of memory")
        XCTAssertEqual(String(decoding: second[24...], as: UTF8.self), "Out of memory")
        output.consume(output.readableCount)
        XCTAssertEqual(engine.statistics().pinnedItems, 0)
    }
}
