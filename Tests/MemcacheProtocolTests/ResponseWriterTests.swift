import OutputBuffers
import XCTest
import MemcacheProtocol

final class ResponseWriterTests: XCTestCase {
    private func written(_ body: (inout OutputBuffer) -> Void) -> String {
        var buffer = OutputBuffer(capacity: 64)
        defer { buffer.deallocate() }
        body(&buffer)
        return String(decoding: buffer.readableBytes, as: UTF8.self)
    }

    func testValueLines() {
        let key = Array("foo".utf8), value = Array("bar".utf8)
        XCTAssertEqual(written { out in
            key.withUnsafeBytes { k in value.withUnsafeBytes { v in out.appendValue(key: k, flags: 42, value: v, cas: nil) } }
        }, "VALUE foo 42 3\r\nbar\r\n")
        XCTAssertEqual(written { out in
            key.withUnsafeBytes { k in out.appendValueHeader(key: k, flags: UInt32.max, length: 0, cas: UInt64.max) }
        }, "VALUE foo 4294967295 0 18446744073709551615\r\n")
    }

    func testDecimalsAtEveryDigitCountBoundary() {
        var samples: [UInt64] = [0, 1, 9, UInt64.max, UInt64.max - 1]
        var power: UInt64 = 10
        while true {
            samples += [power - 1, power, power + 1]
            let (next, overflow) = power.multipliedReportingOverflow(by: 10)
            if overflow { break }
            power = next
        }
        for value in samples {
            XCTAssertEqual(written { $0.appendDecimal(value) }, String(value))
        }
    }

    func testValueLineWithLargeValueGrowsTheBuffer() {
        let key = Array("k".utf8), value = [UInt8](repeating: 0x61, count: 5000)
        let line = written { out in
            key.withUnsafeBytes { k in value.withUnsafeBytes { v in out.appendValue(key: k, flags: 0, value: v, cas: 99) } }
        }
        XCTAssertEqual(line, "VALUE k 0 5000 99\r\n" + String(repeating: "a", count: 5000) + "\r\n")
    }

    func testNumberAndStatLines() {
        XCTAssertEqual(written { $0.appendNumberLine(0) }, "0\r\n")
        XCTAssertEqual(written { $0.appendStat("pid", 12) }, "STAT pid 12\r\n")
        XCTAssertEqual(written { $0.appendStat("curr_items", UInt64(7)) }, "STAT curr_items 7\r\n")
        XCTAssertEqual(written { $0.appendStat("evictions", "on") }, "STAT evictions on\r\n")
    }

    func testTruncateKeepsEarlierBytes() {
        XCTAssertEqual(written { out in
            out.append("STORED\r\n")
            let mark = out.mark
            out.append(String(repeating: "x", count: 500).utf8.withContiguousStorageIfAvailable { UnsafeRawBufferPointer($0) }!)
            out.rollBack(to: mark)
            out.append(ResponseLine.badCommandLineFormat)
        }, "STORED\r\nCLIENT_ERROR bad command line format\r\n")
    }

    func testFixedLinesAreSpelledLikeMemcached() {
        XCTAssertEqual(String(describing: ResponseLine.deleteUsage),
                       "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n")
        XCTAssertEqual(String(describing: ResponseLine.shutdownNotEnabled), "ERROR: shutdown not enabled\r\n")
        XCTAssertEqual(String(describing: ResponseLine.objectTooLarge), "SERVER_ERROR object too large for cache\r\n")
        XCTAssertEqual(String(describing: ResponseLine.outOfMemoryStoring), "SERVER_ERROR out of memory storing object\r\n")
        XCTAssertEqual(String(describing: ResponseLine.nonNumericValue),
                       "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n")
        XCTAssertEqual(String(describing: ResponseLine.invalidDelta), "CLIENT_ERROR invalid numeric delta argument\r\n")
        XCTAssertEqual(String(describing: ResponseLine.invalidExptime), "CLIENT_ERROR invalid exptime argument\r\n")
        XCTAssertEqual(String(describing: ResponseLine.badDataChunk), "CLIENT_ERROR bad data chunk\r\n")
    }

    func testKeyRules() {
        func ok(_ key: [UInt8]) -> Bool { key.withUnsafeBytes { KeyRules.isAcceptable($0) } }
        XCTAssertTrue(ok(Array(repeating: UInt8(ascii: "k"), count: 250)))
        XCTAssertFalse(ok(Array(repeating: UInt8(ascii: "k"), count: 251)))
        XCTAssertFalse(ok(Array("a\tb".utf8)))
        XCTAssertFalse(ok([0x61, 0x7F]))
        XCTAssertTrue(ok(Array("ü~!".utf8)))
    }
}
