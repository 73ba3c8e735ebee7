import XCTest
@testable import CacheEngine

/// The item header (Item.swift): CAS, the client's flags and a chunked item's chain link are stored
/// only when present, so an item with flags 0 is 4 bytes smaller, and every path that builds an item
/// sizes it for the flags it will carry.
final class ItemLayoutTests: XCTestCase {
    private let key = Array("layout-key".utf8)

    /// A header written into a scratch chunk, for each combination of the optional parts.
    func testEachOptionalPartLiesWhereTheLayoutByteSays() {
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 8)
        defer { chunk.deallocate() }
        for withCAS in [false, true] {
            for flags: UInt32 in [0, 1, 0xffff_ffff] {
                for chunked in [false, true] {
                    let label = "cas \(withCAS) flags \(flags) chunked \(chunked)"
                    chunk.initializeMemory(as: UInt8.self, repeating: 0xa5, count: 128)
                    let item = Item(chunk)
                    key.withUnsafeBytes {
                        item.initialize(slabClass: 3, key: $0, valueLength: 5, flags: flags, expiry: 9, now: 7,
                                        withCAS: withCAS, chunked: chunked)
                    }
                    if chunked { item.chainHead = 0x0102_0304 }
                    let expected = 28 + (withCAS ? 8 : 0) + (flags == 0 ? 0 : 4) + (chunked ? 4 : 0)
                    XCTAssertEqual(item.dataOffset, expected, label)
                    XCTAssertEqual(Item.headerSize(flags: flags, withCAS: withCAS, chunked: chunked), expected, label)
                    XCTAssertEqual(item.hasCAS, withCAS, label)
                    XCTAssertEqual(item.hasClientFlags, flags != 0, label)
                    XCTAssertEqual(item.isChunked, chunked, label)
                    XCTAssertEqual(item.layout & ItemFlags.layoutUnused, 0, label)
                    // Writing each part leaves the others whole.
                    item.cas = 0x1122_3344_5566_7788
                    XCTAssertEqual(item.cas, withCAS ? 0x1122_3344_5566_7788 : 0, label)
                    XCTAssertEqual(item.clientFlags, flags, label)
                    if chunked { XCTAssertEqual(item.chainHead, 0x0102_0304, label) }
                    XCTAssertEqual(Array(item.key), key, label)
                    XCTAssertEqual(item.slabClass, 3, label)
                    XCTAssertEqual(item.expiry, 9, label)
                    XCTAssertEqual(item.lastAccess, 7, label)
                    XCTAssertEqual(item.valueLength, 5, label)
                    XCTAssertEqual(item.totalSize, expected + key.count + 5, label)
                    // memcached's own size does not depend on this layout: flags count when non-zero.
                    XCTAssertEqual(item.memcachedSize, 48 + (withCAS ? 8 : 0) + key.count + 1 + (flags == 0 ? 0 : 4) + 5 + 2, label)
                }
            }
        }
    }

    func testFlagsRoundTripWithAndWithoutCAS() {
        for withCAS in [true, false] {
            let engine = makeEngine { $0.casEnabled = withCAS }
            for flags: UInt32 in [0, 1, 0x8000_0000, UInt32.max] {
                XCTAssertEqual(engine.set("k\(flags)", "value", flags: flags), .stored)
            }
            for flags: UInt32 in [0, 1, 0x8000_0000, UInt32.max] {
                let found = engine.fetch("k\(flags)")
                XCTAssertEqual(found?.value, "value", "cas \(withCAS)")
                XCTAssertEqual(found?.flags, flags, "cas \(withCAS)")
                XCTAssertEqual(found?.cas != 0, withCAS, "cas \(withCAS)")
            }
            // Re-setting with other flags changes the header size both ways.
            engine.set("k0", "value", flags: 77)
            engine.set("k1", "value", flags: 0)
            XCTAssertEqual(engine.fetch("k0")?.flags, 77)
            XCTAssertEqual(engine.fetch("k1")?.flags, 0)
        }
    }

    /// `bytes` (and the class's mem_requested) counts 4 bytes less for an item with flags 0.
    func testFlagsZeroItemCountsFourBytesLess() {
        for withCAS in [true, false] {
            let header = withCAS ? 36 : 28
            let engine = makeEngine { $0.casEnabled = withCAS }
            engine.set("plain", "12345")
            XCTAssertEqual(engine.statistics().bytes, UInt64(header + 5 + 5), "cas \(withCAS)")
            engine.set("flagged", "12345", flags: 3)
            XCTAssertEqual(engine.statistics().bytes, UInt64(header + 5 + 5 + header + 4 + 7 + 5), "cas \(withCAS)")
            XCTAssertEqual(engine.itemStatistics().first?.memRequested, engine.statistics().bytes)
        }
    }

    /// An item that exactly fills the first class with flags 0 needs the second one with flags.
    func testFlagsZeroItemTakesASmallerChunk() {
        for withCAS in [true, false] {
            let engine = makeEngine { $0.casEnabled = withCAS }
            let first = engine.slabChunkSizes[1]
            let header = withCAS ? 36 : 28
            let value = String(repeating: "v", count: first - header - 8)   // 8-byte keys
            engine.set("plainkey", value)
            engine.set("flagskey", value, flags: 1)
            XCTAssertEqual(usedChunks(engine, classID: 1), 1, "cas \(withCAS): flags 0 fits class 1 (\(first) bytes)")
            XCTAssertEqual(usedChunks(engine, classID: 2), 1, "cas \(withCAS): flags need 4 more bytes")
            // One byte more and the flags-0 item moves up as well.
            engine.set("plainkey", value + "v")
            XCTAssertEqual(usedChunks(engine, classID: 1), 0, "cas \(withCAS)")
            XCTAssertEqual(usedChunks(engine, classID: 2), 2, "cas \(withCAS)")
        }
    }

    func testAppendPrependAndArithmeticKeepTheFlags() {
        for flags: UInt32 in [0, 42] {
            let engine = makeEngine()
            engine.set("text", "middle", flags: flags)
            XCTAssertEqual(engine.set("text", "<", flags: 9, mode: .prepend), .stored)
            XCTAssertEqual(engine.set("text", ">", flags: 9, mode: .append), .stored)
            XCTAssertEqual(engine.fetch("text")?.value, "<middle>")
            XCTAssertEqual(engine.fetch("text")?.flags, flags)

            engine.set("number", "5", flags: flags)
            XCTAssertEqual(engine.adjust("number", increment: true, by: 4), .value(9))  // in place
            XCTAssertEqual(engine.fetch("number")?.flags, flags)
            XCTAssertEqual(engine.adjust("number", increment: true, by: 1), .value(10))  // a new, longer item
            XCTAssertEqual(engine.fetch("number")?.value, "10")
            XCTAssertEqual(engine.fetch("number")?.flags, flags)
            XCTAssertEqual(engine.adjust("number", increment: false, by: 3), .value(7))  // in place, padded
            XCTAssertEqual(engine.fetch("number")?.value, "7 ")
            XCTAssertEqual(engine.fetch("number")?.flags, flags)
            // The new items were sized for the flags they carry: bytes add up.
            let header = flags == 0 ? 36 : 40
            XCTAssertEqual(engine.statistics().bytes, UInt64(header + 4 + 8 + header + 6 + 2))
        }
    }

    private func usedChunks(_ engine: CacheEngine, classID: Int) -> Int {
        engine.slabStatistics().first { $0.classID == classID }?.usedChunks ?? 0
    }
}
