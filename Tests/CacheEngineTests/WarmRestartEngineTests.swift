import XCTest
@testable import CacheEngine
#if canImport(Glibc)
import Glibc
#endif

/// Warm restart end to end inside one process: an engine on a memory file stops with a save, a
/// second engine on the same file takes the items back, or starts empty and says why.
final class WarmRestartEngineTests: XCTestCase {
    private var directory = ""
    private var memoryFile: String { directory + "/memory" }
    private static let started: Int64 = 1_700_000_000

    override func setUp() {
        var template = Array((access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp").utf8CString.dropLast())
        template += Array("/warm-restart-XXXXXX".utf8CString)
        directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    override func tearDown() {
        for name in ["memory", "memory.meta", "memory.meta.tmp"] { unlink(directory + "/" + name) }
        rmdir(directory)
    }

    private func configuration(_ change: (inout EngineConfiguration) -> Void = { _ in }) -> EngineConfiguration {
        var configuration = EngineConfiguration()
        configuration.memoryLimit = 64 << 20
        configuration.itemSizeMax = 4 << 20
        configuration.memoryFile = memoryFile
        change(&configuration)
        return configuration
    }

    private func engine(_ configuration: EngineConfiguration, at unixNow: Int64 = started) -> CacheEngine {
        CacheEngine(configuration: configuration, clock: CacheClock(unixNow: unixNow))
    }

    /// Items of many sizes, a few chunked, half with flags (stored) and half with 0 (not stored,
    /// a smaller header); key -> (value, flags).
    private func fill(_ engine: CacheEngine, count: Int) -> [String: ([UInt8], UInt32)] {
        var generator = SeededGenerator(seed: 7)
        var stored: [String: ([UInt8], UInt32)] = [:]
        for index in 0..<count {
            let size = index % 97 == 0 ? Int.random(in: 600_000...1_500_000, using: &generator) : Int.random(in: 0...3000, using: &generator)
            let value = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            let random = UInt32.random(in: 1...UInt32.max, using: &generator)
            let flags = index % 2 == 0 ? 0 : random
            XCTAssertEqual(engine.setBytes("key\(index)", value, flags: flags), .stored)
            stored["key\(index)"] = (value, flags)
        }
        return stored
    }

    private func casValues(_ engine: CacheEngine, _ keys: some Sequence<String>) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for key in keys { result[key] = engine.fetch(key)?.cas }
        return result
    }

    private func assertHolds(_ engine: CacheEngine, _ stored: [String: ([UInt8], UInt32)], cas: [String: UInt64],
                             file: StaticString = #filePath, line: UInt = #line) {
        for (key, (value, flags)) in stored {
            XCTAssertEqual(engine.fetchBytes(key), value, key, file: file, line: line)
            XCTAssertEqual(engine.fetch(key)?.flags, flags, key, file: file, line: line)
            XCTAssertEqual(engine.fetch(key)?.cas, cas[key], key, file: file, line: line)
        }
    }

    func testItemsComeBackWithFlagsCASAndExpiry() {
        let first = engine(configuration())
        XCTAssertEqual(first.warmRestart, .startedEmpty(reason: WarmRestartRefusal.noMetadata.message))
        let stored = fill(first, count: 600)
        first.set("short", "gone", exptime: 100)
        first.set("long", "stays", exptime: 1000)
        let cas = casValues(first, stored.keys)
        let before = first.statistics()
        XCTAssertTrue(first.shutdown(savingForRestart: true))

        let second = engine(configuration(), at: Self.started + 500)  // 500 s down count towards expiry
        XCTAssertEqual(second.warmRestart, .restored(items: stored.count + 1, dropped: 1))
        XCTAssertEqual(access(memoryFile + ".meta", F_OK), -1, "the meta file is consumed at start-up")
        assertHolds(second, stored, cas: cas)
        XCTAssertEqual(second.lookup("short"), .miss)
        XCTAssertEqual(second.fetch("long")?.value, "stays")
        second.clock.advance(by: 600)
        XCTAssertEqual(second.lookup("long"), .expired)
        let after = second.statistics()
        XCTAssertEqual(after.currItems, before.currItems - 2)
        let droppedBytes: UInt64 = (36 + 5 + 4) + (36 + 4 + 5)  // header (flags 0), key and value of "short" and "long"
        XCTAssertEqual(after.bytes, before.bytes - droppedBytes)
        second.set("new", "value")
        XCTAssertGreaterThan(second.fetch("new")!.cas, cas.values.max()!)
        second.shutdown()
    }

    func testItemsWithoutCASComeBack() {
        // -C: the smallest headers (28 bytes with flags 0, 32 with flags), chunked ones included.
        let withoutCAS = configuration { $0.casEnabled = false }
        let first = engine(withoutCAS)
        let stored = fill(first, count: 300)
        XCTAssertTrue(first.shutdown(savingForRestart: true))
        let second = engine(withoutCAS)
        XCTAssertEqual(second.warmRestart, .restored(items: stored.count, dropped: 0))
        assertHolds(second, stored, cas: stored.mapValues { _ in 0 })
        second.shutdown()
    }

    func testFreeChunksAfterARestartAreOnlyTheFreeOnes() {
        // Churn after the restart reuses free chunks; a chunk of a restored item on a free list would
        // be overwritten and show here.
        let first = engine(configuration())
        let stored = fill(first, count: 300)
        for index in 0..<300 where index % 3 == 0 { XCTAssertTrue(first.remove("key\(index)")) }
        let kept = stored.filter { Int($0.key.dropFirst(3))! % 3 != 0 }
        let cas = casValues(first, kept.keys)
        XCTAssertTrue(first.shutdown(savingForRestart: true))
        let second = engine(configuration())
        XCTAssertEqual(second.warmRestart, .restored(items: kept.count, dropped: 0))
        for index in 0..<2000 { second.setBytes("churn\(index % 400)", [UInt8](repeating: UInt8(index & 255), count: index % 2500)) }
        assertHolds(second, kept, cas: cas)
        XCTAssertEqual(second.statistics().evictions, 0)
        second.shutdown()
    }

    func testRestartedEngineCanBeRestartedAgain() {
        let first = engine(configuration())
        let stored = fill(first, count: 200)
        let cas = casValues(first, stored.keys)
        XCTAssertTrue(first.shutdown(savingForRestart: true))
        let second = engine(configuration(), at: Self.started + 10)
        XCTAssertTrue(second.shutdown(savingForRestart: true))
        let third = engine(configuration(), at: Self.started + 20)
        XCTAssertEqual(third.warmRestart, .restored(items: stored.count, dropped: 0))
        assertHolds(third, stored, cas: cas)
        third.shutdown()
    }

    func testAPoolPageComesBackAsAPoolPage() {
        let first = engine(configuration { $0.memoryLimit = 8 << 20; $0.slabAutomove = 0 })
        let value = [UInt8](repeating: 7, count: 100)
        var count = 0
        while first.statistics().evictions == 0 {
            first.setBytes("key\(count)", value)
            count += 1
        }
        let classID = first.slabStatistics().max { $0.totalPages < $1.totalPages }!.classID
        XCTAssertEqual(first.reassignSlabPage(from: classID, to: 0), .ok)
        let deadline = Date().addingTimeInterval(20)
        while first.statistics().globalPagePool == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(first.statistics().globalPagePool, 1)
        let kept = (0..<count).filter { first.fetchBytes("key\($0)") != nil }
        let before = first.statistics()
        let classPages = first.slabs.statistics(classID).totalPages
        XCTAssertTrue(first.shutdown(savingForRestart: true))

        let second = engine(configuration { $0.memoryLimit = 8 << 20; $0.slabAutomove = 0 })
        XCTAssertEqual(second.warmRestart, .restored(items: kept.count, dropped: 0))
        let after = second.statistics()
        XCTAssertEqual(after.globalPagePool, 1)
        XCTAssertEqual(after.totalMalloced, before.totalMalloced)
        XCTAssertEqual(second.slabs.statistics(classID).totalPages, classPages)
        for index in kept { XCTAssertEqual(second.fetchBytes("key\(index)"), value) }
        // A class that needs a page takes the pool's: no fresh memory.
        XCTAssertEqual(second.setBytes("large", [UInt8](repeating: 1, count: 3000)), .stored)
        XCTAssertEqual(second.statistics().globalPagePool, 0)
        XCTAssertEqual(second.statistics().totalMalloced, before.totalMalloced)
        second.shutdown()
    }

    func testFlushedItemsStayFlushed() {
        let first = engine(configuration())
        first.set("before", "x")
        first.flushAll(delay: 0)
        first.clock.advance(by: 2)
        first.set("after", "y")
        XCTAssertTrue(first.shutdown(savingForRestart: true))
        let second = engine(configuration())
        XCTAssertEqual(second.warmRestart, .restored(items: 1, dropped: 1))
        XCTAssertEqual(second.lookup("before"), .miss)
        XCTAssertEqual(second.fetch("after")?.value, "y")
        second.shutdown()
    }

    func testStopWithoutSaveStartsEmpty() {
        let first = engine(configuration())
        first.set("a", "b")
        first.shutdown()
        let second = engine(configuration())
        XCTAssertEqual(second.warmRestart, .startedEmpty(reason: WarmRestartRefusal.noMetadata.message))
        XCTAssertEqual(second.lookup("a"), .miss)
        second.shutdown()
    }

    func testOtherSettingsStartEmptyAndSayWhich() {
        let changes: [(String, (inout EngineConfiguration) -> Void)] = [
            ("memory_limit", { $0.memoryLimit = 32 << 20 }), ("item_size_max", { $0.itemSizeMax = 2 << 20 }),
            ("chunk_size", { $0.chunkSizeMin = 64 }), ("growth_factor", { $0.growthFactor = 1.5 }),
            ("slab_chunk_max", { $0.slabChunkMax = 1 << 18 }), ("use_cas", { $0.casEnabled = false }),
            ("eviction_policy", { $0.evictionPolicy = .lru }),
        ]
        for (name, change) in changes {
            let first = engine(configuration())
            first.set("a", "b")
            XCTAssertTrue(first.shutdown(savingForRestart: true))
            let second = engine(configuration(change))
            guard case .startedEmpty(let reason) = second.warmRestart else { return XCTFail(name) }
            XCTAssertTrue(reason.hasPrefix("restart incompatible: setting [\(name)]"), reason)
            XCTAssertEqual(second.lookup("a"), .miss)
            XCTAssertEqual(second.set("c", "d"), .stored)
            second.shutdown()
        }
    }

    func testDamagedItemHeadersStartEmpty() {
        let damages: [(String, (UnsafeMutableRawPointer) -> Void)] = [
            ("key length", { $0.storeBytes(of: 0, toByteOffset: 24, as: UInt8.self) }),
            ("class", { $0.storeBytes(of: 5, toByteOffset: 25, as: UInt8.self) }),
            ("not linked", { $0.storeBytes(of: 0, toByteOffset: 26, as: UInt8.self) }),
            ("data offset", { $0.storeBytes(of: 33, toByteOffset: 27, as: UInt8.self) }),
            // The first item ("k0", flags 0) has layout 36 | casStored: each bit must agree with the offset.
            ("offset past the parts", { $0.storeBytes(of: 40 | ItemFlags.casStored, toByteOffset: 27, as: UInt8.self) }),
            ("flags bit", { $0.storeBytes(of: 36 | ItemFlags.casStored | ItemFlags.flagsStored, toByteOffset: 27, as: UInt8.self) }),
            ("chain bit", { $0.storeBytes(of: 36 | ItemFlags.casStored | ItemFlags.chained, toByteOffset: 27, as: UInt8.self) }),
            ("no CAS bit", { $0.storeBytes(of: 28, toByteOffset: 27, as: UInt8.self) }),
            ("unused bit", { $0.storeBytes(of: 36 | ItemFlags.casStored | ItemFlags.layoutUnused, toByteOffset: 27, as: UInt8.self) }),
            ("value length", { $0.storeBytes(of: UInt32.max, toByteOffset: 20, as: UInt32.self) }),
            ("loop", { $0.storeBytes(of: 1, toByteOffset: 8, as: UInt32.self) }),
            ("wild next", { $0.storeBytes(of: 0xdead_beef, toByteOffset: 8, as: UInt32.self) }),
        ]
        for (name, damage) in damages {
            let first = engine(configuration())
            for index in 0..<50 { first.set("k\(index)", "v") }
            XCTAssertTrue(first.shutdown(savingForRestart: true))
            damageFirstChunk(damage)
            let second = engine(configuration())
            guard case .startedEmpty(let reason) = second.warmRestart else { return XCTFail(name) }
            XCTAssertTrue(reason.hasPrefix("memory file does not match its metadata"), "\(name): \(reason)")
            XCTAssertEqual(second.statistics().currItems, 0)
            for index in 0..<50 { XCTAssertEqual(second.set("k\(index)", "w"), .stored) }
            second.shutdown()
        }
    }

    func testDamagedChainStartsEmpty() {
        let first = engine(configuration())
        XCTAssertEqual(first.setBytes("big", [UInt8](repeating: 1, count: 1_200_000)), .stored)
        XCTAssertTrue(first.shutdown(savingForRestart: true))
        // The head chunk is the first of the largest class's page (page 0); its chain link follows the
        // CAS (flags 0 are not stored), just before the key.
        let link = Item.headerSize(flags: 0, withCAS: true, chunked: true) - ChunkedItem.linkSize
        XCTAssertEqual(link, 36)
        damageFirstChunk { $0.storeBytes(of: 1, toByteOffset: link, as: UInt32.self) }
        let second = engine(configuration())
        guard case .startedEmpty(let reason) = second.warmRestart else { return XCTFail("chain") }
        XCTAssertTrue(reason.contains("memory file does not match"), reason)
        second.shutdown()
    }

    /// Changes the first chunk of the memory file's first page (the oldest item's chunk).
    private func damageFirstChunk(_ damage: (UnsafeMutableRawPointer) -> Void) {
        let fd = open(memoryFile, O_RDWR)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let page = mmap(nil, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)!
        damage(page)
        munmap(page, 1 << 20)
        close(fd)
    }
}
