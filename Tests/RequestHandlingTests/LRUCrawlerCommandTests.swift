import XCTest
import CacheEngine
@testable import RequestHandling

/// `lru_crawler ...`, `stats sizes*` and the crawler's settings lines, as memcached 1.6.18 answers.
final class LRUCrawlerCommandTests: XCTestCase {
    func testRepliesAndErrors() {
        let h = makeHarness()
        XCTAssertEqual(h.send("lru_crawler\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("lru_crawler crawl\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("lru_crawler crawl 0\r\n"), "BADCLASS invalid class id\r\n")
        // The default table has more than memcached's 63 classes: every one can be named, none past it.
        let largest = h.engine.slabChunkSizes.count - 1
        XCTAssertGreaterThan(largest, 63)
        XCTAssertEqual(h.send("lru_crawler crawl 1,\(largest + 1)\r\n"), "BADCLASS invalid class id\r\n")
        XCTAssertEqual(h.send("lru_crawler crawl 1,64,\(largest)\r\n"), "OK\r\n")
        // With memcached's factor the table is memcached's, and so is the limit: 63.
        let memcachedTable = makeHarness { $0.engine.growthFactor = 1.25 }
        XCTAssertEqual(memcachedTable.send("lru_crawler crawl 1,64\r\n"), "BADCLASS invalid class id\r\n")
        XCTAssertEqual(memcachedTable.send("lru_crawler crawl 63\r\n"), "OK\r\n")
        XCTAssertEqual(h.send("lru_crawler crawl ,\r\n"), "NOTSTARTED no items to crawl\r\n")
        XCTAssertEqual(h.send("lru_crawler crawl hash\r\n"), "ERROR an unknown error happened\r\n")
        XCTAssertEqual(h.send("lru_crawler sleep 1000001\r\n"), "CLIENT_ERROR sleep must be one second or less\r\n")
        XCTAssertEqual(h.send("lru_crawler sleep x\r\n"), "CLIENT_ERROR bad command line format\r\n")
        XCTAssertEqual(h.send("lru_crawler tocrawl -1\r\n"), "CLIENT_ERROR bad command line format\r\n")
        XCTAssertEqual(h.send("lru_crawler sleep 50\r\nlru_crawler tocrawl 7\r\n"), "OK\r\nOK\r\n")
        let settings = h.send("stats settings\r\n")
        XCTAssertTrue(settings.contains("STAT lru_crawler yes\r\nSTAT lru_crawler_sleep 50\r\nSTAT lru_crawler_tocrawl 7\r\n"), settings)
        XCTAssertEqual(h.send("lru_crawler enable\r\n"), "ERROR failed to start lru crawler thread\r\n")
        XCTAssertEqual(h.send("lru_crawler disable\r\nlru_crawler disable\r\n"), "OK\r\nOK\r\n")
        XCTAssertEqual(h.send("lru_crawler crawl all\r\n"), "CLIENT_ERROR lru crawler disabled\r\n")
        XCTAssertEqual(h.send("lru_crawler metadump all\r\n"), "CLIENT_ERROR lru crawler disabled\r\n")
        XCTAssertFalse(h.send("stats\r\n").contains("lru_crawler_running"), "printed only while enabled")
        XCTAssertTrue(h.send("stats settings\r\n").contains("STAT lru_crawler no\r\n"))
        XCTAssertEqual(h.send("lru_crawler enable\r\n"), "OK\r\n")
        XCTAssertTrue(h.send("stats\r\n").contains("STAT lru_crawler_running "))
    }

    func testMetadumpLinesAsMemcachedPrintsThem() {
        let h = makeHarness()
        h.send("set a%b~c 5 0 1\r\nx\r\nget a%b~c\r\n")
        let started = h.engine.clock.processStarted
        let dump = h.send("lru_crawler metadump all\r\n")
        XCTAssertEqual(dump, "key=a%25b~c exp=-1 la=\(started + 2) cas=1 fetch=yes cls=1 size=69\nEND\r\n")
        XCTAssertEqual(h.send("lru_crawler metadump hash\r\n"), dump)
        XCTAssertEqual(h.send("lru_crawler metadump 2,3\r\n"), "END\r\n")
        XCTAssertEqual(h.send("version\r\nlru_crawler metadump all\r\n").hasSuffix(
            "ERROR cannot pipeline other commands before metadump\r\n"), true)
    }

    func testCrawlReclaimsAndIsCounted() {
        let h = makeHarness()
        h.send("set gone 0 1 1\r\nx\r\nset kept 0 0 1\r\nx\r\n")
        h.engine.clock.advance(by: 3)
        var reply = h.send("lru_crawler crawl all\r\n")
        let deadline = Date().addingTimeInterval(30)
        while reply.hasPrefix("BUSY") && Date() < deadline {
            usleep(10_000)
            reply = h.send("lru_crawler crawl all\r\n")
        }
        XCTAssertEqual(reply, "OK\r\n")
        while h.engine.statistics().currItems != 1 && Date() < deadline { usleep(10_000) }
        let stats = h.send("stats\r\n")
        XCTAssertTrue(stats.contains("STAT curr_items 1\r\n"), stats)
        XCTAssertTrue(stats.contains("STAT crawler_reclaimed 1\r\n"), stats)
        let items = h.send("stats items\r\n")
        XCTAssertTrue(items.contains("STAT items:1:evicted_active 0\r\nSTAT items:1:crawler_reclaimed 1\r\nSTAT items:1:crawler_items_checked "), items)
    }

    func testStatsSizes() {
        let h = makeHarness()
        h.send("set before 0 0 1\r\nx\r\n")
        XCTAssertEqual(h.send("stats sizes_enable\r\n"), "STAT sizes_status enabled\r\n")
        h.send("set b 0 0 100\r\n" + String(repeating: "x", count: 100) + "\r\nset c 5 0 1\r\nx\r\n")
        XCTAssertEqual(h.send("stats sizes\r\n"), "STAT 96 1\r\nSTAT 160 1\r\nEND\r\n")
        XCTAssertTrue(h.send("stats settings\r\n").contains("STAT track_sizes yes\r\n"))
        XCTAssertEqual(h.send("stats sizes_disable\r\n"), "STAT sizes_status disabled\r\n")
        XCTAssertEqual(h.send("stats sizes\r\n"), "STAT sizes_status disabled\r\nEND\r\n")
        let noCAS = makeHarness { $0.engine.casEnabled = false }
        XCTAssertEqual(noCAS.send("stats sizes_enable\r\n"),
                       "STAT sizes_status error\r\nSTAT sizes_error cas_support_disabled\r\n")
    }
}
