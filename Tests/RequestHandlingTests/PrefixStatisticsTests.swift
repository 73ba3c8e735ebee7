import XCTest
@testable import RequestHandling

/// `stats detail`: what counts against which prefix, the on/off switch, and the bound on prefixes.
final class PrefixStatisticsTests: XCTestCase {
    func testTextCommandsCountAgainstTheirPrefix() {
        let h = makeHarness { $0.admin.prefixDelimiter = UInt8(ascii: "#"); $0.admin.detailEnabled = true }
        h.send("set a#1 0 0 1\r\nA\r\nset plain 0 0 1\r\nB\r\nget a#1 a#2 plain\r\ndelete a#1\r\ndelete b#c#d\r\n")
        XCTAssertEqual(h.send("stats detail dump\r\n"),
                       "PREFIX a get 2 hit 1 set 1 del 1\r\nPREFIX b get 0 hit 0 set 0 del 1\r\nEND\r\n")
    }

    func testNothingCountedWhileOffButDumpKeepsCounts() {
        let h = makeHarness()
        XCTAssertEqual(h.send("stats detail dump\r\n"), "END\r\n")
        h.send("stats detail on\r\nset k:1 0 0 1\r\nA\r\nstats detail off\r\nget k:1\r\ndelete k:1\r\n")
        XCTAssertEqual(h.send("stats detail dump\r\n"), "PREFIX k get 0 hit 0 set 1 del 0\r\nEND\r\n")
    }

    func testPrefixesBeyondTheLimitAreDroppedAndCounted() {
        let statistics = PrefixStatistics(delimiter: UInt8(ascii: ":"), enabled: true)
        for index in 0..<(PrefixStatistics.prefixLimit + 3) {
            Array("p\(index):x".utf8).withUnsafeBytes { statistics.recordSet($0) }
        }
        Array("p0:y".utf8).withUnsafeBytes { statistics.recordGet($0, hit: true) }
        let snapshot = statistics.snapshot()
        XCTAssertEqual(snapshot.count, PrefixStatistics.prefixLimit)
        XCTAssertEqual(statistics.droppedRecords, 3)
        XCTAssertEqual(snapshot.first?.prefix, Array("p0".utf8))
        XCTAssertEqual(snapshot.first?.counts, PrefixStatistics.Counts(gets: 1, hits: 1, sets: 1, deletes: 0))
    }

    /// Outside a server (no network layer to ask) `stats conns` is an empty list.
    func testStatsConnsWithoutDirectoryIsEmpty() {
        XCTAssertEqual(makeHarness().send("stats conns\r\n"), "END\r\n")
    }
}
