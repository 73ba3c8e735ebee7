import OutputBuffers
import XCTest
import MemcacheProtocol

/// Base64 with memcached's leniency, the meta flag parser's verdicts and error strings, and
/// recognition of the meta command words. Expected values were checked against memcached 1.6.18.
final class MetaProtocolTests: XCTestCase {
    private func decode(_ text: String) -> [UInt8]? {
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 8)
        defer { scratch.deallocate() }
        let length = Array(text.utf8).withUnsafeBytes { Base64.decode($0, into: scratch) }
        return length == 0 ? nil : Array(UnsafeRawBufferPointer(start: scratch, count: length))
    }

    private func encode(_ bytes: [UInt8]) -> String {
        var output = OutputBuffer(capacity: 64)
        defer { output.deallocate() }
        bytes.withUnsafeBytes { Base64.encode($0, into: &output) }
        return String(decoding: output.readableBytes, as: UTF8.self)
    }

    func testBase64DecodesLikeMemcached() {
        XCTAssertEqual(decode("Zm9v"), Array("foo".utf8))
        XCTAssertEqual(decode("Zm8="), Array("fo".utf8))
        XCTAssertEqual(decode("Zg=="), Array("f".utf8))
        XCTAssertEqual(decode("AAEC/w=="), [0, 1, 2, 255])
        // Bytes outside the alphabet are skipped; the first padded group ends the decoding.
        XCTAssertEqual(decode("!Zm8=!"), Array("fo".utf8))
        XCTAssertEqual(decode("Zm8=Zm8="), Array("fo".utf8))
        // Refused: not a multiple of four, nothing at all, three or four '=' in a group.
        XCTAssertNil(decode("Zm8"))
        XCTAssertNil(decode("!!!!"))
        XCTAssertNil(decode(""))
        XCTAssertNil(decode("Z==="))
        XCTAssertNil(decode("===="))
    }

    func testBase64EncodesWithPadding() {
        XCTAssertEqual(encode(Array("foo".utf8)), "Zm9v")
        XCTAssertEqual(encode(Array("fo".utf8)), "Zm8=")
        XCTAssertEqual(encode(Array("f".utf8)), "Zg==")
        XCTAssertEqual(encode([0, 1, 2, 255]), "AAEC/w==")
        XCTAssertEqual(encode([]), "")
        let all = (0...255).map { UInt8($0) }
        XCTAssertEqual(decode(encode(all)), all)
    }

    private func parse(_ line: String, from first: Int = 2) -> MetaFlags {
        let table = TokenTable()
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 8)
        defer { scratch.deallocate() }
        return Array(line.utf8).withUnsafeBytes { raw in
            table.fill(from: raw, line: ByteSpan(start: 0, count: raw.count))
            return MetaFlags.parse(table, from: first, in: raw, keyScratch: scratch)
        }
    }

    private func error(_ flags: MetaFlags) -> String? {
        flags.failed ? String(decoding: UnsafeRawBufferPointer(start: flags.errorLine.utf8Start, count: flags.errorLine.utf8CodeUnitCount), as: UTF8.self) : nil
    }

    func testFlagValues() {
        let flags = parse("mg key v q T30 N-1 R10 F7 C99 D5 J3 MD Oabc k b", from: 2)
        XCTAssertNotNil(error(flags), "'key' is not base64: b must fail")
        let good = parse("mg key v q T30 N-1 R10 F7 C99 D5 J3 MD Oabc k")
        XCTAssertNil(error(good))
        XCTAssertTrue(good.returnsValue && good.quiet && good.hasTTL && good.vivify && good.hasCompareCAS)
        XCTAssertEqual(good.exptime, 30)
        XCTAssertEqual(good.vivifyExptime, -1)
        XCTAssertEqual(good.recacheExptime, 10)
        XCTAssertEqual(good.clientFlags, 7)
        XCTAssertEqual(good.compareCAS, 99)
        XCTAssertEqual(good.delta, 5)
        XCTAssertEqual(good.initial, 3)
        XCTAssertEqual(good.mode, UInt8(ascii: "D"))
        XCTAssertFalse(good.noBump || good.invalidate || good.base64Key)
        XCTAssertEqual(parse("ma key").delta, 1, "D defaults to 1")
    }

    func testFlagErrorsUseMemcachedsMessages() {
        XCTAssertEqual(error(parse("mg key v v")), "CLIENT_ERROR duplicate flag\r\n")
        XCTAssertEqual(error(parse("mg key \u{7f}")), "CLIENT_ERROR duplicate flag\r\n", "bytes past 126")
        XCTAssertEqual(error(parse("mg key !")), "CLIENT_ERROR invalid flag\r\n")
        XCTAssertEqual(error(parse("mg key y")), "CLIENT_ERROR invalid flag\r\n")
        XCTAssertEqual(error(parse("mg key Tabc")), "CLIENT_ERROR bad token in command line format\r\n")
        XCTAssertEqual(error(parse("mg key T")), "CLIENT_ERROR bad token in command line format\r\n")
        XCTAssertEqual(error(parse("mg key Cx")), "CLIENT_ERROR bad token in command line format\r\n")
        XCTAssertEqual(error(parse("ma key Dx")), "CLIENT_ERROR invalid numeric delta value\r\n")
        XCTAssertEqual(error(parse("ma key Jx")), "CLIENT_ERROR invalid numeric initial value\r\n")
        XCTAssertEqual(error(parse("ms key 1 MEE", from: 3)), "CLIENT_ERROR incorrect length for M token\r\n")
        XCTAssertEqual(error(parse("mg !!!! b")), "CLIENT_ERROR error decoding key\r\n")
        // A bad F records no message of its own: the default, or the last one recorded, is sent.
        XCTAssertEqual(error(parse("ms key 1 Fx", from: 3)), "CLIENT_ERROR bad command line format\r\n")
        XCTAssertEqual(error(parse("ms key 1 Tx Fx", from: 3)), "CLIENT_ERROR bad token in command line format\r\n")
        // A later bad token overwrites an earlier message; an unknown flag stops at once.
        XCTAssertEqual(error(parse("mg !!!! b Tx")), "CLIENT_ERROR bad token in command line format\r\n")
        XCTAssertEqual(error(parse("mg key Tx ! Dx")), "CLIENT_ERROR invalid flag\r\n")
    }

    func testBase64KeyIsDecodedIntoScratch() {
        let table = TokenTable()
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 8)
        defer { scratch.deallocate() }
        let flags = Array("mg Zm9v b v".utf8).withUnsafeBytes { raw -> MetaFlags in
            table.fill(from: raw, line: ByteSpan(start: 0, count: raw.count))
            return MetaFlags.parse(table, from: 2, in: raw, keyScratch: scratch)
        }
        XCTAssertTrue(flags.base64Key && !flags.failed)
        XCTAssertEqual(Array(UnsafeRawBufferPointer(start: scratch, count: flags.decodedKeyLength)), Array("foo".utf8))
    }

    private func recognize(_ line: String) -> Recognition {
        let table = TokenTable()
        return Array(line.utf8).withUnsafeBytes { raw in
            table.fill(from: raw, line: ByteSpan(start: 0, count: raw.count))
            return CommandRecognizer.recognize(table, in: raw)
        }
    }

    func testMetaCommandWords() {
        XCTAssertEqual(recognize("mg k v"), .command(.metaGet))
        XCTAssertEqual(recognize("ms k 1"), .command(.metaSet))
        XCTAssertEqual(recognize("md k"), .command(.metaDelete))
        XCTAssertEqual(recognize("ma k"), .command(.metaArithmetic))
        XCTAssertEqual(recognize("me k"), .command(.metaDebug))
        XCTAssertEqual(recognize("me"), .command(.metaDebug), "me without a key answers its own error")
        XCTAssertEqual(recognize("mn x y"), .command(.metaNoOp))
        for line in ["mg", "ms", "md", "ma", "mx k", "mgx k", "MG k"] {
            XCTAssertEqual(recognize(line), .error, line)
        }
    }
}
