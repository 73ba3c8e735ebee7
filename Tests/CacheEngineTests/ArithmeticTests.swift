import XCTest
@testable import CacheEngine

final class ArithmeticTests: XCTestCase {
    func testIncrementAndDecrement() {
        let engine = makeEngine()
        XCTAssertEqual(engine.adjust("n", increment: true, by: 1), .notFound)
        engine.set("n", "10")
        XCTAssertEqual(engine.adjust("n", increment: true, by: 5), .value(15))
        XCTAssertEqual(engine.adjust("n", increment: false, by: 3), .value(12))
        XCTAssertEqual(engine.fetch("n")?.value, "12")
    }

    func testIncrementWrapsAt64Bits() {
        let engine = makeEngine()
        engine.set("n", "18446744073709551615")
        XCTAssertEqual(engine.adjust("n", increment: true, by: 2), .value(1))
        XCTAssertEqual(engine.fetch("n")?.value, "1                   ")
    }

    func testDecrementFloorsAtZero() {
        let engine = makeEngine()
        engine.set("n", "5")
        XCTAssertEqual(engine.adjust("n", increment: false, by: 9), .value(0))
    }

    func testShorterResultIsPaddedInPlaceLikeMemcached() {
        let engine = makeEngine()
        engine.set("n", "10")
        XCTAssertEqual(engine.adjust("n", increment: false, by: 1), .value(9))
        XCTAssertEqual(engine.fetch("n")?.value, "9 ")
    }

    func testLongerResultGetsNewItemWithSameFlags() {
        let engine = makeEngine()
        engine.set("n", "99", flags: 5)
        let casBefore = engine.fetch("n")!.cas
        XCTAssertEqual(engine.adjust("n", increment: true, by: 1), .value(100))
        XCTAssertEqual(engine.fetch("n")?.value, "100")
        XCTAssertEqual(engine.fetch("n")?.flags, 5)
        XCTAssertGreaterThan(engine.fetch("n")!.cas, casBefore)
    }

    func testNonNumericValuesRefused() {
        let engine = makeEngine()
        for value in ["", "abc", "12a", "-5", "99999999999999999999999", " "] {
            engine.set("n", value)
            XCTAssertEqual(engine.adjust("n", increment: true, by: 1), .nonNumeric, "value \(value.debugDescription)")
        }
    }

    func testNumbersMemcachedAccepts() {
        XCTAssertEqual(parse(" 42"), 42)
        XCTAssertEqual(parse("+7"), 7)
        XCTAssertEqual(parse("-0"), 0)
        XCTAssertEqual(parse("12 34"), 12)
        XCTAssertEqual(parse("18446744073709551615"), UInt64.max)
        XCTAssertNil(parse("18446744073709551616"))
        XCTAssertNil(parse("-1"))
    }

    private func parse(_ text: String) -> UInt64? {
        var text = text
        return text.withUTF8 { DecimalValue.parse(UnsafeRawBufferPointer($0)) }
    }
}
