import Networking
import XCTest

/// `-l` entries as memcached accepts them.
final class ListenAddressTests: XCTestCase {
    func testForms() {
        XCTAssertEqual(ListenAddress.parse("127.0.0.1"), ListenAddress(host: "127.0.0.1"))
        XCTAssertEqual(ListenAddress.parse("127.0.0.1:11311"), ListenAddress(host: "127.0.0.1", port: 11311))
        XCTAssertEqual(ListenAddress.parse("[::1]:11311"), ListenAddress(host: "::1", port: 11311))
        XCTAssertEqual(ListenAddress.parse("[::1]"), ListenAddress(host: "::1"))
        XCTAssertEqual(ListenAddress.parse("::1"), ListenAddress(host: "::1"))
        XCTAssertEqual(ListenAddress.parse("localhost"), ListenAddress(host: "localhost"))
    }

    func testLists() {
        XCTAssertEqual(ListenAddress.parseList("127.0.0.1,[::1]:5000"),
                       [ListenAddress(host: "127.0.0.1"), ListenAddress(host: "::1", port: 5000)])
        XCTAssertEqual(ListenAddress.parseList("a b"), [ListenAddress(host: "a"), ListenAddress(host: "b")])
    }

    /// memcached's `notls:` prefix: a clear-text listener beside TLS ones under `-Z`.
    func testClearTextPrefix() {
        XCTAssertEqual(ListenAddress.parse("notls:127.0.0.1:11312"), ListenAddress(host: "127.0.0.1", port: 11312, clearText: true))
        XCTAssertEqual(ListenAddress.parse("notls:[::1]:5000"), ListenAddress(host: "::1", port: 5000, clearText: true))
        XCTAssertEqual(ListenAddress.parseList("notls:127.0.0.1:1,127.0.0.1:2"),
                       [ListenAddress(host: "127.0.0.1", port: 1, clearText: true), ListenAddress(host: "127.0.0.1", port: 2)])
        XCTAssertNil(ListenAddress.parse("notls:"))
        XCTAssertNil(ListenAddress.parse("notls:127.0.0.1:x"))
    }

    func testMalformed() {
        XCTAssertNil(ListenAddress.parse("127.0.0.1:port"))
        XCTAssertNil(ListenAddress.parse("127.0.0.1:70000"))
        XCTAssertNil(ListenAddress.parse("[::1"))
        XCTAssertNil(ListenAddress.parseList(","))
    }
}
