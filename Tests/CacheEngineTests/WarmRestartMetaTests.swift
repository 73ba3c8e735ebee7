import XCTest
@testable import CacheEngine

/// The meta file a graceful stop saves (`PATH.meta`): what it must hold to be accepted, and that
/// every other input is refused with a reason rather than trusted.
final class WarmRestartMetaTests: XCTestCase {
    private let limits = RestartLimits(totalPages: 100, largestClass: 39, queuesPerClass: 4)

    private var settings: [RestartSettings.Entry] {
        let layout = ArenaLayout(memoryLimit: 64 << 20, pageSize: 1 << 20, pagesBeyondLimit: 63, growthRoom: 0)
        return RestartSettings.entries(EngineConfiguration(), layout: layout, chunkSizes: [0, 88, 112])
    }

    private var meta: WarmRestartMeta {
        WarmRestartMeta(settings: settings, processStarted: 1_700_000_000, now: 4711, casCounter: 99, oldestLive: 12,
                        oldestCAS: 7, owners: [1, 39, 1, 2],
                        queues: [.init(classID: 1, queue: 0, head: 5, count: 3), .init(classID: 1, queue: 1, head: 9, count: 1),
                                 .init(classID: 39, queue: 0, head: 300, count: 2)])
    }

    private func parse(_ text: String, running: [RestartSettings.Entry]? = nil) throws(WarmRestartRefusal) -> WarmRestartMeta {
        try WarmRestartMeta.parse(Array(text.utf8), running: running ?? settings, limits: limits)
    }

    private func refusal(_ text: String, running: [RestartSettings.Entry]? = nil) -> WarmRestartRefusal? {
        do throws(WarmRestartRefusal) {
            _ = try parse(text, running: running)
            return nil
        } catch {
            return error
        }
    }

    /// The saved text with one line replaced (by its first word) or removed (nil).
    private func edited(_ name: String, _ replacement: String?) -> String {
        var lines = meta.encoded().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let index = lines.firstIndex { $0 == name || $0.hasPrefix(name + " ") }!
        if let replacement { lines[index] = replacement } else { lines.remove(at: index) }
        return lines.joined(separator: "\n")
    }

    func testWhatIsSavedReadsBackTheSame() throws {
        XCTAssertEqual(try parse(meta.encoded()), meta)
        var empty = meta
        empty.owners = []
        empty.queues = []
        XCTAssertEqual(try parse(empty.encoded()), empty)
    }

    func testEachChangedSettingIsNamed() {
        for (index, entry) in settings.enumerated() {
            var running = settings
            running[index] = RestartSettings.Entry(name: entry.name, value: entry.value + "0")
            XCTAssertEqual(refusal(meta.encoded(), running: running),
                           .incompatible(setting: entry.name, saved: entry.value, running: entry.value + "0"))
        }
    }

    func testTheSettingsOfTheFileAreTheRunningOnes() {
        XCTAssertEqual(refusal(edited("setting memory_limit", nil)).map(isCorrupt), true)
        XCTAssertEqual(refusal(edited("setting use_cas", "setting use_cas yes\nsetting use_cas yes")).map(isCorrupt), true)
        var layout = ArenaLayout(memoryLimit: 32 << 20, pageSize: 1 << 20, pagesBeyondLimit: 63, growthRoom: 0)
        let smaller = RestartSettings.entries(EngineConfiguration(), layout: layout, chunkSizes: [0, 88, 112])
        XCTAssertEqual(refusal(meta.encoded(), running: smaller),
                       .incompatible(setting: "reserved_pages", saved: "64+63", running: "32+63"))
        layout = ArenaLayout(memoryLimit: 64 << 20, pageSize: 1 << 20, pagesBeyondLimit: 63, growthRoom: 0)
        let otherClasses = RestartSettings.entries(EngineConfiguration(), layout: layout, chunkSizes: [0, 96, 120])
        XCTAssertEqual(refusal(meta.encoded(), running: otherClasses),
                       .incompatible(setting: "chunk_sizes", saved: "88,112", running: "96,120"))
    }

    func testStructureIsChecked() {
        let text = meta.encoded()
        for bad in ["", "\n", "garbage\n", String(text.dropLast()), String(text.prefix(text.count / 2)),
                    text.replacing("swiftcached-restart 2", with: "swiftcached-restart 1"),
                    text.replacing("swiftcached-restart 2", with: "swiftcached-restart 3"),
                    text + "end\n", text + "more\n", text.replacing("\nend\n", with: "\n"),
                    text.replacing("\nend\n", with: "\nsurprise 1\nend\n"),
                    edited("now", nil), edited("cas", "cas  99"), edited("now", "now 1 2"), edited("oldest_cas", "cas 7"),
                    text.replacing("\n", with: "\r\n")] {
            XCTAssertEqual(refusal(bad).map(isCorrupt), true, bad.debugDescription)
        }
    }

    func testNumbersAreDigitsWithinRange() {
        for bad in ["now -1", "now +1", "now 4294967296", "now 1x", "now 0x10", "now ", "process_started 0",
                    "process_started 99999999999999999999", "cas 18446744073709551616"] {
            let name = String(bad.split(separator: " ").first!)
            XCTAssertEqual(refusal(edited(name, bad)).map(isCorrupt), true, bad)
        }
        XCTAssertEqual(try parse(edited("cas", "cas 18446744073709551615")).casCounter, UInt64.max)
    }

    func testPageOwnersMustBeSlabClassesOrThePool() {
        let tooMany = Array(repeating: "1", count: 101).joined(separator: ",")
        for bad in ["pages 40", "pages 255", "pages 1,", "pages ,1", "pages 1,,2", "pages 1;2", "pages 01x",
                    "pages -1", "pages +1", "pages 1 2", "pages " + tooMany] {
            XCTAssertEqual(refusal(edited("pages", bad)).map(isCorrupt), true, bad)
        }
        let full = Array(repeating: "39", count: 100).joined(separator: ",")
        XCTAssertEqual(try parse(edited("pages", "pages " + full)).owners, Array(repeating: 39, count: 100))
        // 0: a page of the global page pool.
        XCTAssertEqual(try parse(edited("pages", "pages 0,39,0")).owners, [0, 39, 0])
    }

    func testQueuesMustNameClassesAndComeInOrder() {
        for bad in ["queue 0 0 5 3", "queue 40 0 5 3", "queue 1 4 5 3", "queue 1 0 0 3", "queue 1 0 5 0",
                    "queue 1 0 5", "queue 1 0 5 3 1", "queue 1 0 5 4294967296", "queue 39 1 5 3", "queue 1 1 5 3"] {
            XCTAssertEqual(refusal(edited("queue 1 0", bad)).map(isCorrupt), true, bad)
        }
    }

    func testAFileLargerThanTheLimitIsRefusedUnread() {
        let huge = meta.encoded() + String(repeating: "#", count: limits.fileSizeLimit)
        XCTAssertEqual(refusal(huge), .corrupt("larger than \(limits.fileSizeLimit) bytes"))
    }

    func testRandomBytesAreRefusedWithoutATrap() {
        var generator = SeededGenerator(seed: 42)
        let text = Array(meta.encoded().utf8)
        for round in 0..<2000 {
            var bytes = text
            for _ in 0..<(1 + round % 4) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if let parsed = try? WarmRestartMeta.parse(bytes, running: settings, limits: limits) {
                // A change can still read as a valid file (a digit for a digit): then every field is in range.
                XCTAssertTrue(parsed.owners.allSatisfy { (1...39).contains($0) })
                XCTAssertTrue(parsed.queues.allSatisfy { (1...39).contains($0.classID) && (0..<4).contains($0.queue) })
            }
        }
    }

    private func isCorrupt(_ refusal: WarmRestartRefusal) -> Bool {
        if case .corrupt = refusal { return true }
        return false
    }
}
