import XCTest
import CacheEngine
import MemcacheProtocol
@testable import RequestHandling

/// Every read path returns a chunked value (above slab_chunk_max) whole: text get/gets/gat, meta mg v,
/// binary get/getk/gat; stores of such values arrive in pieces of any size.
final class ChunkedValueTests: XCTestCase {
    private let size = 1_300_000   // three chunks of 512 KB
    /// Printable bytes (the text harness answers in a String), varying so a misplaced segment shows.
    private var value: [UInt8] { (0..<size).map { UInt8(33 + ($0 &* 31 &+ $0 >> 9) % 90) } }

    private func configure(_ settings: inout ServerSettings) {
        settings.engine.memoryLimit = 16 << 20
        settings.engine.itemSizeMax = 2 << 20
    }

    func testTextAndMetaReadsReturnTheWholeValue() {
        let h = makeHarness(megabytes: 16) { self.configure(&$0) }
        let value = self.value
        // Deliver the store in uneven pieces, as a socket would.
        let request = Array("set big 5 0 \(size)\r\n".utf8) + value + Array("\r\n".utf8)
        var answer = ""
        var offset = 0
        var piece = 1
        while offset < request.count {
            let end = min(request.count, offset + piece * 7919)
            answer += h.send(Array(request[offset..<end]))
            offset = end
            piece += 1
        }
        XCTAssertEqual(answer, "STORED\r\n")
        let body = String(decoding: value, as: UTF8.self)
        XCTAssertTrue(Array(h.send("get big\r\n").utf8) == Array("VALUE big 5 \(size)\r\n".utf8) + value + Array("\r\nEND\r\n".utf8))
        XCTAssertTrue(h.send("gets big\r\n").hasSuffix(body + "\r\nEND\r\n"))
        XCTAssertTrue(h.send("gat 100 big\r\n").hasSuffix(body + "\r\nEND\r\n"))
        XCTAssertTrue(Array(h.send("mg big v s\r\n").utf8) == Array("VA \(size) s\(size)\r\n".utf8) + value + Array("\r\n".utf8))
        XCTAssertEqual(h.send("append big 0 0 3\r\nxyz\r\n"), "STORED\r\n")
        XCTAssertTrue(h.send("get big\r\n").hasSuffix(body + "xyz\r\nEND\r\n"))
        XCTAssertTrue(h.send("incr big 1\r\n").hasPrefix("CLIENT_ERROR"))
    }

    func testBinaryReadsReturnTheWholeValue() {
        let h = BytesHarness(configure: { self.configure(&$0) }) { worker in
            let session = BinarySession(context: worker)
            return ({ session.process($0, into: &$1, requestLimit: $2) }, { session.close() })
        }
        addTeardownBlock { h.shutdown() }
        let value = self.value
        let set = binaryRequest(0x01, key: "big", extras: bigEndian(UInt32(9)) + bigEndian(UInt32(0)), value: value)
        var replies: [UInt8] = []
        for start in stride(from: 0, to: set.count, by: 65_537) { replies += h.send(Array(set[start..<min(set.count, start + 65_537)])) }
        XCTAssertEqual(BinaryResponse.parseAll(replies).map(\.status), [0])
        for opcode: UInt8 in [0x00, 0x0C] {
            let reply = BinaryResponse.parseAll(h.send(binaryRequest(opcode, key: "big")))
            XCTAssertEqual(reply.count, 1)
            XCTAssertTrue(reply.first?.value == value, "opcode \(opcode): \(reply.first?.value.count ?? -1) bytes")
            XCTAssertEqual(reply.first?.extras, bigEndian(UInt32(9)))
        }
    }
}
