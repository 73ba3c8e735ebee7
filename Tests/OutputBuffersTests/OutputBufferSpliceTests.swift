import XCTest
import OutputBuffers
#if canImport(Glibc)
import Glibc
#endif

/// Splices: bytes an `OutputBuffer` sends in place, in stream order, with their tokens handed back
/// exactly once when sent or dropped.
final class OutputBufferSpliceTests: XCTestCase {
    private final class TokenLog: SpliceOwner {
        var released: [UInt32] = []
        func releaseSplice(_ token: UInt32) { released.append(token) }
    }

    private let outside = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
    private let log = TokenLog()

    override func setUp() {
        for index in 0..<outside.count { outside[index] = UInt8(ascii: "a") + UInt8(index % 26) }
    }

    override func tearDown() { outside.deallocate() }

    private func piece(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(outside)[offset..<(offset + count)])
    }

    /// "H1" + outside[0..<10] + "M" + outside[10..<15] (token 7) + "T".
    private func filled(capacity: Int = 64) -> OutputBuffer {
        var buffer = OutputBuffer(capacity: capacity)
        buffer.append("H1")
        buffer.appendSplice(piece(0, 10), token: 0, owner: log)
        buffer.append("M")
        buffer.appendSplice(piece(10, 5), token: 7, owner: log)
        buffer.append("T")
        return buffer
    }

    private var expected: [UInt8] { Array("H1".utf8) + Array(outside[0..<10]) + Array("M".utf8) + Array(outside[10..<15]) + Array("T".utf8) }

    func testSplicesGoOutInStreamOrder() {
        var buffer = filled()
        defer { buffer.deallocate() }
        XCTAssertTrue(buffer.hasSplices)
        XCTAssertEqual(buffer.readableCount, 19)
        XCTAssertEqual(buffer.ownedCount, 4)
        XCTAssertEqual(buffer.unsentBytes, expected)
    }

    func testGatherListsEveryRangeAndConsumeReleasesTokensOnce() {
        var buffer = filled()
        defer { buffer.deallocate() }
        let vectors = UnsafeMutablePointer<iovec>.allocate(capacity: 8)
        defer { vectors.deallocate() }
        XCTAssertEqual(buffer.gather(into: vectors, limit: 8), 5)
        XCTAssertEqual((0..<5).map { vectors[$0].iov_len }, [2, 10, 1, 5, 1])
        XCTAssertEqual(buffer.gather(into: vectors, limit: 3), 3, "the limit is kept")
        // Send in awkward steps: through the first splice, into the second, past it.
        var sent: [UInt8] = []
        for step in [1, 4, 8, 3, 2, 1] {
            sent += buffer.unsentBytes.prefix(step)
            buffer.consume(step)
            if sent.count < 17 { XCTAssertEqual(log.released, [], "released after \(sent.count) bytes") }
        }
        XCTAssertEqual(sent, expected)
        XCTAssertEqual(log.released, [7])
        XCTAssertTrue(buffer.isEmpty)
        XCTAssertFalse(buffer.hasSplices)
    }

    func testRollBackDropsLaterSplicesAndHandsTheirTokensBack() {
        var buffer = OutputBuffer(capacity: 64)
        defer { buffer.deallocate() }
        buffer.append("KEEP")
        buffer.appendSplice(piece(0, 3), token: 1, owner: log)
        let mark = buffer.mark
        buffer.append("DROP")
        buffer.appendSplice(piece(3, 4), token: 2, owner: log)
        buffer.appendSplice(piece(7, 4), token: 3, owner: log)
        XCTAssertEqual(buffer.splices(since: mark), 2)
        XCTAssertEqual(buffer.ownedBytes(since: mark), 4)
        buffer.rollBack(to: mark)
        XCTAssertEqual(log.released.sorted(), [2, 3])
        XCTAssertEqual(buffer.unsentBytes, Array("KEEP".utf8) + Array(outside[0..<3]))
        buffer.consume(buffer.readableCount)
        XCTAssertEqual(log.released.sorted(), [1, 2, 3])
    }

    func testGrowingKeepsSplicesInPlace() {
        var buffer = OutputBuffer(capacity: 64)
        defer { buffer.deallocate() }
        buffer.append("0123456789")
        buffer.appendSplice(piece(0, 20), token: 5, owner: log)
        buffer.append("tail")
        buffer.consume(6)  // the buffer's own bytes now start at index 6: growing compacts them
        let large = [UInt8](repeating: UInt8(ascii: "z"), count: 500)
        large.withUnsafeBytes { buffer.append($0) }
        XCTAssertEqual(buffer.unsentBytes, Array("6789".utf8) + Array(outside[0..<20]) + Array("tail".utf8) + large)
    }

    func testFlattenCopiesSplicesAndReleasesThem() {
        var buffer = filled(capacity: 8)
        defer { buffer.deallocate() }
        buffer.flattenSplices()
        XCTAssertFalse(buffer.hasSplices)
        XCTAssertEqual(Array(buffer.readableBytes), expected)
        XCTAssertEqual(log.released, [7])
    }

    func testDeallocateReleasesUnsentSplices() {
        var buffer = filled()
        buffer.consume(3)
        buffer.deallocate()
        XCTAssertEqual(log.released, [7])
    }

    func testSplicesAfterARewindStartAgain() {
        var buffer = OutputBuffer(capacity: 64)
        defer { buffer.deallocate() }
        for round in 0..<50 {  // the queue rewinds when empty: many rounds need no growth
            buffer.append("V")
            buffer.appendSplice(piece(round, 8), token: UInt32(round + 1), owner: log)
            buffer.append("\r\n")
            XCTAssertEqual(buffer.unsentBytes, Array("V".utf8) + Array(outside[round..<(round + 8)]) + Array("\r\n".utf8))
            buffer.consume(buffer.readableCount)
        }
        XCTAssertEqual(log.released, (1...50).map(UInt32.init))
    }
}
