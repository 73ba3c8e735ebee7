import XCTest
import CacheEngine
@testable import RequestHandling

/// `lru tune|mode|temp_ttl` as memcached 1.6.18 answers them, and the segmented LRU's stats lines.
final class LRUCommandTests: XCTestCase {
    private func segmented(maintainer: Bool = true) -> SessionHarness {
        makeHarness {
            $0.engine.evictionPolicy = .segmented
            $0.engine.segmentedLRU.maintainer = maintainer
        }
    }

    private func stat(_ name: String, in answer: String) -> String? {
        for line in answer.split(separator: "\r\n") {
            let words = line.split(separator: " ", maxSplits: 2)
            if words.count == 3 && words[1] == name { return String(words[2]) }
        }
        return nil
    }

    func testTuneValidatesAsMemcached() {
        let h = segmented()
        XCTAssertEqual(h.send("lru tune 10 30 0.5 3\r\n"), "OK\r\n")
        let settings = h.send("stats settings\r\n")
        XCTAssertEqual(stat("hot_lru_pct", in: settings), "10")
        XCTAssertEqual(stat("warm_lru_pct", in: settings), "30")
        XCTAssertEqual(stat("hot_max_factor", in: settings), "0.50")
        XCTAssertEqual(stat("warm_max_factor", in: settings), "3.00")
        XCTAssertEqual(h.send("lru tune 50 31 1 1\r\n"), "ERROR hot and warm pcts must not exceed 80\r\n")
        XCTAssertEqual(h.send("lru tune 10 10 0 1\r\n"), "ERROR hot/warm age factors must be greater than 0\r\n")
        XCTAssertEqual(h.send("lru tune 10 10 1 -1\r\n"), "ERROR hot/warm age factors must be greater than 0\r\n")
        XCTAssertEqual(h.send("lru tune x 10 1 1\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("lru tune -1 10 1 1\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("lru tune 10 10 1x 1\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("lru tune 10 10 1\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("lru tune 10 10 1 1 noreply\r\nlru tune 99 99 1 1 noreply\r\nversion\r\n").hasPrefix("VERSION"), true)
        XCTAssertEqual(stat("hot_lru_pct", in: h.send("stats settings\r\n")), "10", "a refused tune changes nothing")
    }

    func testModeAndTempTTLWithTheMaintainer() {
        let h = segmented()
        XCTAssertEqual(h.send("lru mode flat\r\n"), "OK\r\n")
        XCTAssertEqual(stat("lru_segmented", in: h.send("stats settings\r\n")), "no")
        XCTAssertEqual(h.send("lru mode segmented\r\n"), "OK\r\n")
        XCTAssertEqual(stat("lru_segmented", in: h.send("stats settings\r\n")), "yes")
        XCTAssertEqual(h.send("lru mode round\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("lru temp_ttl 30\r\n"), "OK\r\n")
        var settings = h.send("stats settings\r\n")
        XCTAssertEqual(stat("temp_lru", in: settings), "yes")
        XCTAssertEqual(stat("temporary_ttl", in: settings), "30")
        XCTAssertEqual(h.send("lru temp_ttl -1\r\n"), "OK\r\n")
        settings = h.send("stats settings\r\n")
        XCTAssertEqual(stat("temp_lru", in: settings), "no")
        XCTAssertEqual(h.send("lru temp_ttl abc\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("lru\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("lru bogus 1\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("lru mode\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("lru mode flat noreply\r\nlru mode round noreply\r\n"), "")
    }

    func testModeAndTempTTLRefusedWithoutAMaintainerThread() {
        for h in [segmented(maintainer: false), makeHarness()] {
            XCTAssertEqual(h.send("lru mode flat\r\n"), "ERROR\r\n")
            XCTAssertEqual(h.send("lru temp_ttl 10\r\n"), "ERROR\r\n")
            XCTAssertEqual(h.send("lru tune 20 40 0.2 2\r\n"), "OK\r\n")
            XCTAssertEqual(stat("lru_maintainer_thread", in: h.send("stats settings\r\n")), "no")
        }
    }

    func testSettingsAndStatsOfTheSegmentedPolicy() {
        let h = segmented()
        let settings = h.send("stats settings\r\n")
        XCTAssertEqual(stat("lru_maintainer_thread", in: settings), "yes")
        XCTAssertEqual(stat("eviction_policy", in: settings), "segmented")
        XCTAssertEqual(stat("lru_segmented", in: settings), "yes")
        XCTAssertEqual(stat("hot_lru_pct", in: settings), "20")
        XCTAssertEqual(stat("warm_lru_pct", in: settings), "40")
        XCTAssertEqual(stat("hot_max_factor", in: settings), "0.20")
        XCTAssertEqual(stat("warm_max_factor", in: settings), "2.00")
        XCTAssertEqual(stat("temp_lru", in: settings), "no")
        XCTAssertEqual(stat("temporary_ttl", in: settings), "61")
        h.send("set a 0 0 1\r\nA\r\nget a\r\nget a\r\n")
        XCTAssertNotNil(stat("lru_maintainer_juggles", in: h.send("stats\r\n")))
        let items = h.send("stats items\r\n")
        let names = items.split(separator: "\r\n").filter { $0.hasPrefix("STAT ") }.map { String($0.split(separator: " ")[1].split(separator: ":")[2]) }
        XCTAssertEqual(names, ["number", "number_hot", "number_warm", "number_cold", "age_hot", "age_warm", "age",
                               "mem_requested", "evicted", "evicted_nonzero", "evicted_time", "outofmemory", "tailrepairs",
                               "reclaimed", "expired_unfetched", "evicted_unfetched", "evicted_active", "crawler_reclaimed",
                               "crawler_items_checked", "lrutail_reflocked", "moves_to_cold",
                               "moves_to_warm", "moves_within_lru", "direct_reclaims", "hits_to_hot", "hits_to_warm",
                               "hits_to_cold", "hits_to_temp"])
        let hits = ["hits_to_hot", "hits_to_warm", "hits_to_cold"].compactMap { name in
            items.split(separator: "\r\n").first { $0.contains(":\(name) ") }.map { Int($0.split(separator: " ")[2])! }
        }
        XCTAssertEqual(hits.reduce(0, +), 2, "both hits counted in one segment")
    }

    func testNoLRUMaintainerDropsTheSegmentLines() {
        let h = segmented(maintainer: false)
        h.send("set a 0 0 1\r\nA\r\n")
        let items = h.send("stats items\r\n")
        XCTAssertTrue(items.contains(":number "), items)
        XCTAssertFalse(items.contains("number_hot"), items)
        let general = h.send("stats\r\n")
        XCTAssertNil(stat("moves_to_cold", in: general))
        XCTAssertNil(stat("lru_maintainer_juggles", in: general))
    }
}
