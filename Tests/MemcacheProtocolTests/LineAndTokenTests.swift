import XCTest
import MemcacheProtocol

final class LineAndTokenTests: XCTestCase {
    private func content(_ text: String) -> String {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { raw in
            let newline = CommandLineScanner.newline(in: raw, from: 0)!
            let span = CommandLineScanner.lineContent(in: raw, start: 0, newlineIndex: newline)
            return String(decoding: raw[span: span], as: UTF8.self)
        }
    }

    func testLineEndings() {
        XCTAssertEqual(content("get a\r\n"), "get a")
        XCTAssertEqual(content("get a\n"), "get a")
        XCTAssertEqual(content("get a\r\r\n"), "get a\r")
        // A lone "\r" is kept: memcached strips it only when something precedes it.
        XCTAssertEqual(content("\r\n"), "\r")
        XCTAssertEqual(content("\n"), "")
    }

    func testLineEndsAtNulByte() {
        XCTAssertEqual(content("get a\u{0} b\r\n"), "get a")
    }

    func testNewlineSearchStartsWhereAsked() {
        Array("ab\ncd\n".utf8).withUnsafeBytes { raw in
            XCTAssertEqual(CommandLineScanner.newline(in: raw, from: 0), 2)
            XCTAssertEqual(CommandLineScanner.newline(in: raw, from: 3), 5)
            XCTAssertNil(CommandLineScanner.newline(in: raw, from: 6))
        }
    }

    private func judge(_ bytes: [UInt8]) -> CommandLineScanner.PartialLineVerdict {
        bytes.withUnsafeBytes { CommandLineScanner.judgePartialLine($0, maxLineLength: 2048) }
    }

    func testPartialLineLimits() {
        XCTAssertEqual(judge(Array(repeating: UInt8(ascii: "x"), count: 2048)), .keepWaiting)
        XCTAssertEqual(judge(Array(repeating: UInt8(ascii: "x"), count: 2049)), .closeConnection)
        let longGet = Array("get ".utf8) + Array(repeating: UInt8(ascii: "k"), count: 5000)
        XCTAssertEqual(judge(longGet), .keepWaiting)
        XCTAssertEqual(judge(Array("gets ".utf8) + Array(repeating: UInt8(ascii: "k"), count: 5000)), .keepWaiting)
        XCTAssertEqual(judge(Array("gat 0 ".utf8) + Array(repeating: UInt8(ascii: "k"), count: 5000)), .closeConnection)
        XCTAssertEqual(judge(Array(repeating: 0x20, count: 100) + longGet), .keepWaiting)
        XCTAssertEqual(judge(Array(repeating: 0x20, count: 101) + longGet), .closeConnection)
        let tooLongGet = Array("get ".utf8) + Array(repeating: UInt8(ascii: "k"), count: CommandLineScanner.maxLongGetLineLength)
        XCTAssertEqual(judge(tooLongGet), .closeConnection)
    }

    private func words(_ line: String, from index: Int = 0) -> (tokens: [String], all: [String], remainder: Bool) {
        let table = TokenTable()
        let bytes = Array(line.utf8)
        return bytes.withUnsafeBytes { raw in
            table.fill(from: raw, line: ByteSpan(start: 0, count: raw.count))
            let tokens = (0..<table.count).map { String(decoding: raw[span: table[$0]], as: UTF8.self) }
            var iterator = table.words(from: index)
            var all: [String] = []
            while let span = iterator.next(in: raw) { all.append(String(decoding: raw[span: span], as: UTF8.self)) }
            return (tokens, all, table.remainderStart != nil)
        }
    }

    func testSplitsOnSpacesOnly() {
        let result = words("  set  a\tb 0 ")
        XCTAssertEqual(result.tokens, ["set", "a\tb", "0"])
        XCTAssertFalse(result.remainder)
    }

    func testTokenCapAndUnboundedWordList() {
        let keys = (1...40).map { "k\($0)" }
        let result = words("get " + keys.joined(separator: "  "), from: 1)
        XCTAssertEqual(result.tokens.count, TokenTable.maxTokens)
        XCTAssertTrue(result.remainder)
        XCTAssertEqual(result.all, keys)
        XCTAssertEqual(words("gat 10", from: 2).all, [])
        XCTAssertEqual(words("a b c", from: 5).all, [])
    }
}
