import XCTest
@testable import CacheEngine

/// Values whose every byte can be checked, and the accounting checks the chunked item tests share.
enum Pattern {
    /// `count` pseudo-random bytes determined by `seed`; the first 8 bytes are the seed itself, so a
    /// value read back can be checked without knowing which store wrote it.
    static func bytes(seed: UInt64, count: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        result.withUnsafeMutableBytes { buffer in
            var state = seed | 1
            var offset = 0
            while offset < count {
                var word = offset == 0 ? seed : next(&state)
                withUnsafeBytes(of: &word) { wordBytes in
                    let length = min(8, count - offset)
                    buffer.baseAddress!.advanced(by: offset).copyMemory(from: wordBytes.baseAddress!, byteCount: length)
                }
                offset += 8
            }
        }
        return result
    }

    /// Whether `value` is exactly what `bytes(seed:count:)` gives for the seed in its first 8 bytes.
    static func isIntact(_ value: [UInt8]) -> Bool {
        guard value.count >= 8 else { return true }
        let seed = value.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        return value == bytes(seed: seed, count: value.count)
    }

    private static func next(_ state: inout UInt64) -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

extension XCTestCase {
    /// Every page's chunks are either used or free, in every class (no page is being moved).
    func assertChunksAccounted(_ engine: CacheEngine, file: StaticString = #filePath, line: UInt = #line) {
        for slab in engine.slabStatistics() {
            XCTAssertEqual(slab.usedChunks + slab.freeChunks, slab.totalChunks,
                           "class \(slab.classID): used \(slab.usedChunks) + free \(slab.freeChunks)", file: file, line: line)
        }
    }

    func usedChunks(_ engine: CacheEngine) -> Int { engine.slabStatistics().reduce(0) { $0 + $1.usedChunks } }
}
