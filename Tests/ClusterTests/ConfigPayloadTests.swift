import XCTest
@testable import Cluster

/// The wire format, checked the way the strictest clients read it.
final class ConfigPayloadTests: XCTestCase {
    let b = ClusterNode(host: "b.local", ip: "10.0.0.2", port: 11211)
    let a = ClusterNode(host: "a.local", ip: "", port: 11212)

    func testAnswerHasExactByteCountSortedNodesAndTrailer() {
        let response = ConfigPayload(version: 7, nodes: [b, a]).configResponse
        let text = String(decoding: response, as: UTF8.self)
        let body = "7\na.local||11212 b.local|10.0.0.2|11211\n"
        XCTAssertEqual(text, "CONFIG cluster 0 \(body.utf8.count)\r\n\(body)\r\nEND\r\n")
        XCTAssertTrue(text.hasSuffix("\n\r\nEND\r\n"))
    }

    func testStrictParserReadsItsOwnAnswerBack() throws {
        let payload = ConfigPayload(version: 3, nodes: [a, b])
        XCTAssertEqual(try ConfigResponseParser.parse(payload.configResponse), .complete(payload, consumed: payload.configResponse.count))
        XCTAssertEqual(try ConfigResponseParser.parse(Array(payload.configResponse.dropLast(3))), .incomplete)
    }

    func testStrictParserRefusesAWrongByteCount() {
        // The example in the public AWS documentation counts wrong; a strict reader must notice.
        let tooShort = Array("CONFIG cluster 0 10\r\n1\na.local||11212\n\r\nEND\r\n".utf8)
        XCTAssertThrowsError(try ConfigResponseParser.parse(tooShort))
        // Too long: a strict reader waits for bytes that never come.
        let tooLong = Array("CONFIG cluster 0 20\r\n1\na.local||11212\n\r\nEND\r\n".utf8)
        XCTAssertEqual(try ConfigResponseParser.parse(tooLong), .incomplete)
    }

    func testLegacyValueCarriesTheSamePayload() {
        let payload = ConfigPayload(version: 2, nodes: [a])
        let text = String(decoding: payload.legacyValueLines, as: UTF8.self)
        XCTAssertEqual(text, "VALUE AmazonElastiCache:cluster 0 \(payload.bytes.count)\r\n2\na.local||11212\n\r\n")
    }

    func testPayloadParsingAcceptsCRLFAndRefusesBadInput() throws {
        XCTAssertEqual(try ConfigPayload.parse(Array("5\r\nb.local|10.0.0.2|11211 a.local||11212\r\n".utf8)),
                       ConfigPayload(version: 5, nodes: [a, b]))
        for bad in ["0\na||1\n", "x\na||1\n", "1\n", "1\n\n", "1\na||1\nextra\n", "1\na|1\n", "1\na|1.2.3|1\n",
                    "1\na||0\n", "1\na||70000\n", "1\na||1 a||1\n", "1\na b||1\n", "1\na|1.2.3.256|1\n"] {
            XCTAssertThrowsError(try ConfigPayload.parse(Array(bad.utf8)), bad)
        }
    }

    func testNodeListAllowsCommentsNewlinesAndRefusesDuplicates() throws {
        let text = "# nodes\nb.local|10.0.0.2|11211   # rack 1\n\n a.local||11212\n"
        XCTAssertEqual(try NodeListParser.parse(text), [b, a])
        XCTAssertThrowsError(try NodeListParser.parse("a||1 a|1.1.1.1|1")) { error in
            XCTAssertEqual(error as? ClusterInputError, .duplicateNode("a:1"))
        }
    }
}
