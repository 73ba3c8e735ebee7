import XCTest
import RequestHandling
@testable import Observability

final class StatsJSONTests: XCTestCase {
    func testValuesAreNumbersOnlyWhenPlainDecimals() {
        XCTAssertEqual(JSONText.value("12"), "12")
        XCTAssertEqual(JSONText.value("-3"), "-3")
        XCTAssertEqual(JSONText.value("0.123456"), "0.123456")
        XCTAssertEqual(JSONText.value("1.6.18"), "\"1.6.18\"")
        XCTAssertEqual(JSONText.value("007"), "\"007\"")
        XCTAssertEqual(JSONText.value("1."), "\"1.\"")
        XCTAssertEqual(JSONText.value(""), "\"\"")
        XCTAssertEqual(JSONText.value("yes"), "\"yes\"")
    }

    func testStringsAreEscaped() {
        XCTAssertEqual(JSONText.string("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\u0001\"")
    }

    func testPerClassLinesAreNestedAndTotalsKept() {
        let lines = [StatLine(name: "1:chunk_size", value: "88"), StatLine(name: "1:total_pages", value: "1"),
                     StatLine(name: "5:chunk_size", value: "232"), StatLine(name: "active_slabs", value: "2")]
        XCTAssertEqual(StatsJSON.nested(lines, key: ClassStatKey.init(slabsName:)),
                       "{\"1\":{\"chunk_size\":88,\"total_pages\":1},\"5\":{\"chunk_size\":232},\"active_slabs\":2}")
    }

    func testClassKeys() {
        XCTAssertEqual(ClassStatKey(itemsName: "items:3:number"), ClassStatKey(slabsName: "3:number"))
        XCTAssertNil(ClassStatKey(slabsName: "active_slabs"))
        XCTAssertNil(ClassStatKey(itemsName: "3:number"))
        XCTAssertNil(ClassStatKey(slabsName: ":x"))
    }

    func testStatLinesParseUpToTheirFirstSpace() {
        let text = "STAT pid 12\r\nSTAT inter 127.0.0.1, ::1\r\nEND\r\n"
        let lines = Array(text.utf8).withUnsafeBytes { parseStatLines($0) }
        XCTAssertEqual(lines, [StatLine(name: "pid", value: "12"), StatLine(name: "inter", value: "127.0.0.1, ::1")])
    }
}
