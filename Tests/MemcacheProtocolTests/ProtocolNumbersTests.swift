import XCTest
import MemcacheProtocol

/// Expected values were checked against memcached 1.6.18 (`set` with the number as flags,
/// exptime or length, then `get`).
final class ProtocolNumbersTests: XCTestCase {
    private func u32(_ text: String) -> UInt32? {
        Array(text.utf8).withUnsafeBytes { ProtocolNumbers.parseUInt32($0) }
    }
    private func i32(_ text: String) -> Int32? {
        Array(text.utf8).withUnsafeBytes { ProtocolNumbers.parseInt32($0) }
    }
    private func u64(_ text: String) -> UInt64? {
        Array(text.utf8).withUnsafeBytes { ProtocolNumbers.parseUInt64($0) }
    }

    func testPlainDecimal() {
        XCTAssertEqual(u32("0"), 0)
        XCTAssertEqual(u32("123"), 123)
        XCTAssertEqual(u32("4294967295"), UInt32.max)
        XCTAssertEqual(i32("-5"), -5)
        XCTAssertEqual(u64("18446744073709551615"), UInt64.max)
    }

    func testLeadingSignAndWhitespace() {
        XCTAssertEqual(u32("+5"), 5)
        XCTAssertEqual(i32("+5"), 5)
        XCTAssertEqual(u32("-0"), 0)
        XCTAssertEqual(u32("\t7"), 7)
        XCTAssertEqual(u64("\u{0B}\u{0C}\r9"), 9)
        XCTAssertNil(u32("+"))
        XCTAssertNil(u32("-"))
        XCTAssertNil(u32(""))
        XCTAssertNil(u32("\t"))
        XCTAssertNil(u32("++5"))
    }

    func testTrailingGarbageRefusedButTrailingWhitespaceEndsTheNumber() {
        XCTAssertNil(u32("5x"))
        XCTAssertNil(i32("12abc"))
        XCTAssertNil(u64("0x10"))
        XCTAssertNil(u64("1.5"))
        XCTAssertEqual(u32("5\tjunk"), 5)
        XCTAssertEqual(i32("5\r"), 5)
    }

    func testNegativeUnsignedValues() {
        XCTAssertNil(u32("-1"))
        XCTAssertNil(u64("-1"))
        XCTAssertNil(u64("-5"))
        // strtoul negates in 64 bits: -(2^64-1) is 1, which has no sign bit, so it passes.
        XCTAssertEqual(u32("-18446744073709551615"), 1)
        XCTAssertEqual(u64("-18446744073709551615"), 1)
    }

    func testValuesAreTruncatedToTheFieldWidthLikeMemcached() {
        XCTAssertEqual(u32("4294967296"), 0)
        XCTAssertEqual(u32("4294967297"), 1)
        XCTAssertEqual(u32("9223372036854775808"), 0)
        XCTAssertEqual(i32("4294967299"), 3)
        XCTAssertEqual(i32("2147483648"), Int32.min)
        XCTAssertEqual(i32("-2147483649"), Int32.max)
    }

    func testSixtyFourBitOverflowIsRefused() {
        XCTAssertNil(u32("18446744073709551616"))
        XCTAssertNil(u64("18446744073709551616"))
        XCTAssertNil(u64("99999999999999999999999"))
        XCTAssertNil(i32("9223372036854775808"))
        XCTAssertEqual(i32("9223372036854775807"), -1)
        XCTAssertEqual(i32("-9223372036854775808"), 0)
        XCTAssertNil(i32("-9223372036854775809"))
    }
}
