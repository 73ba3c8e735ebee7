import XCTest
import CacheEngine
@testable import RequestHandling

final class ServerCommandTests: XCTestCase {
    func testFlushAll() {
        let h = makeHarness()
        h.send("set a 0 0 1\r\nA\r\n")
        XCTAssertEqual(h.send("flush_all\r\nget a\r\n"), "OK\r\nEND\r\n")
        XCTAssertEqual(h.counter(.getFlushed), 1)
        XCTAssertEqual(h.send("flush_all x\r\n"), "CLIENT_ERROR invalid exptime argument\r\n")
        XCTAssertEqual(h.send("flush_all noreply x\r\n"), "CLIENT_ERROR invalid exptime argument\r\n")
        XCTAssertEqual(h.send("flush_all 1 2 3\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("flush_all -1\r\nflush_all 0 x\r\nflush_all noreply\r\n"), "OK\r\nOK\r\n")
        XCTAssertEqual(h.counter(.cmdFlush), 6)
    }

    /// `-F`: memcached's refusal, counted in cmd_flush, silent under noreply; the item stays.
    func testFlushAllRefusedUnderDisableFlag() {
        let h = makeHarness { $0.admin.flushEnabled = false }
        h.send("set a 0 0 1\r\nA\r\n")
        XCTAssertEqual(h.send("flush_all\r\nflush_all 0\r\nflush_all noreply\r\n"),
                       "CLIENT_ERROR flush_all not allowed\r\nCLIENT_ERROR flush_all not allowed\r\n")
        XCTAssertEqual(h.send("get a\r\n"), "VALUE a 0 1\r\nA\r\nEND\r\n")
        XCTAssertEqual(h.counter(.cmdFlush), 3)
        XCTAssertEqual(h.stat("flush_enabled", from: "stats settings\r\n"), "no")
    }

    /// memcached's answers; the limit shows in limit_maxbytes and maxbytes, and governs new pages.
    func testCacheMemoryLimit() {
        let h = makeHarness(megabytes: 8)
        XCTAssertEqual(h.send("cache_memlimit 100\r\n"), "OK\r\n")
        XCTAssertEqual(h.stat("limit_maxbytes", from: "stats\r\n"), "104857600")
        XCTAssertEqual(h.stat("maxbytes", from: "stats settings\r\n"), "104857600")
        XCTAssertEqual(h.send("cache_memlimit 7\r\n"), "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n")
        XCTAssertEqual(h.send("cache_memlimit 4294967296\r\n"), "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n")
        XCTAssertEqual(h.send("cache_memlimit 1000000001\r\n"),
                       "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes\r\n")
        // Beyond the address space reserved at start-up (room to quadruple, at least 1 GB).
        XCTAssertEqual(h.send("cache_memlimit 999999\r\n"),
                       "MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust\r\n")
        XCTAssertEqual(h.send("cache_memlimit x\r\ncache_memlimit -1\r\ncache_memlimit\r\ncache_memlimit 9 x y\r\n"),
                       "ERROR\r\nERROR\r\nERROR\r\nERROR\r\n")
        XCTAssertEqual(h.send("cache_memlimit 9 noreply\r\ncache_memlimit 10 x\r\n"), "OK\r\n")
        XCTAssertEqual(h.engine.memoryLimit, 10 << 20)
    }

    /// Raising the limit lets a full cache take more pages; lowering it stops new pages.
    func testCacheMemoryLimitGovernsNewPages() {
        let h = makeHarness(megabytes: 8)
        let value = String(repeating: "v", count: 100_000)
        func fill(_ count: Int) { for index in 0..<count { h.send("set k\(index) 0 0 \(value.count)\r\n\(value)\r\n") } }
        fill(200)  // 20 MB of values into 8 MB
        let pagesAt8 = h.engine.slabStatistics().reduce(0) { $0 + $1.totalPages }
        XCTAssertLessThanOrEqual(pagesAt8, 8 + 2)
        XCTAssertEqual(h.send("cache_memlimit 16\r\n"), "OK\r\n")
        fill(200)
        let pagesAt16 = h.engine.slabStatistics().reduce(0) { $0 + $1.totalPages }
        XCTAssertGreaterThan(pagesAt16, pagesAt8 + 4)
        XCTAssertLessThanOrEqual(pagesAt16, 16 + 2)
        XCTAssertEqual(h.send("cache_memlimit 8\r\n"), "OK\r\n")
        fill(200)
        XCTAssertEqual(h.engine.slabStatistics().reduce(0) { $0 + $1.totalPages }, pagesAt16)
    }

    /// `-W` refuses watch as memcached does (watching itself: WatchTests.swift).
    func testWatchUnderDisableFlag() {
        let h = makeHarness { $0.admin.watchEnabled = false }
        XCTAssertEqual(h.send("watch\r\nwatch fetchers noreply\r\nwatch x y\r\n"),
                       "CLIENT_ERROR watch commands not allowed\r\nCLIENT_ERROR watch commands not allowed\r\n")
    }

    /// `-A`: a mode other than graceful is refused (the real shutdown is tested on a process).
    func testShutdownModes() {
        let h = makeHarness { $0.admin.shutdownEnabled = true }
        XCTAssertEqual(h.send("shutdown x\r\nshutdown graceful x\r\nshutdown noreply\r\n"), String(
            repeating: "CLIENT_ERROR invalid shutdown mode\r\n", count: 3))
        XCTAssertEqual(h.stat("shutdown_command", from: "stats settings\r\n"), "yes")
    }

    /// `stats detail on|off` switch detail_enabled; `-D` starts it on with its delimiter.
    func testStatsDetailSwitch() {
        let h = makeHarness { $0.admin.prefixDelimiter = UInt8(ascii: "#"); $0.admin.detailEnabled = true }
        XCTAssertEqual(h.stat("stat_key_prefix", from: "stats settings\r\n"), "#")
        XCTAssertEqual(h.stat("detail_enabled", from: "stats settings\r\n"), "yes")
        XCTAssertEqual(h.send("stats detail off\r\n"), "OK\r\n")
        XCTAssertEqual(h.stat("detail_enabled", from: "stats settings\r\n"), "no")
        XCTAssertEqual(h.send("stats detail on\r\nstats detail dump\r\n"), "OK\r\nEND\r\n")
        XCTAssertEqual(h.stat("detail_enabled", from: "stats settings\r\n"), "yes")
    }

    func testFlushAllWithDelay() {
        let h = makeHarness()
        h.send("set a 0 0 1\r\nA\r\n")
        XCTAssertEqual(h.send("flush_all 10\r\n"), "OK\r\n")
        XCTAssertEqual(h.send("get a\r\n"), "VALUE a 0 1\r\nA\r\nEND\r\n")
        h.engine.clock.advance(by: 11)
        XCTAssertEqual(h.send("get a\r\n"), "END\r\n")
        XCTAssertEqual(h.send("set b 0 0 1\r\nB\r\nget b\r\n"), "STORED\r\nVALUE b 0 1\r\nB\r\nEND\r\n")
    }

    func testVersionVerbosityShutdownMetaNoOp() {
        let h = makeHarness()
        XCTAssertEqual(h.send("version\r\n"), "VERSION \(reportedVersion)\r\n")
        // A plain X.Y.Z that strict version parsers accept (auto-discovery clients need >= 1.4.14).
        XCTAssertEqual(h.send("version\r\n"), "VERSION 1.6.18\r\n")
        XCTAssertEqual(h.send("version x\r\n"), "VERSION \(reportedVersion)\r\n")
        XCTAssertEqual(h.send("verbosity 1\r\n"), "OK\r\n")
        XCTAssertEqual(h.server.verbosity, 1)
        XCTAssertEqual(h.send("verbosity 9 noreply\r\n"), "")
        XCTAssertEqual(h.server.verbosity, 2)
        XCTAssertEqual(h.send("verbosity x\r\n"), "CLIENT_ERROR bad command line format\r\n")
        XCTAssertEqual(h.send("verbosity noreply\r\n"), "")
        XCTAssertEqual(h.send("verbosity\r\nverbosity 1 2 3\r\n"), "ERROR\r\nERROR\r\n")
        XCTAssertEqual(h.send("shutdown\r\nshutdown graceful\r\n"),
                       "ERROR: shutdown not enabled\r\nERROR: shutdown not enabled\r\n")
        XCTAssertEqual(h.send("mn\r\n"), "MN\r\n")
    }

    func testUnknownAndMalformedLines() {
        let h = makeHarness()
        XCTAssertEqual(h.send("\r\n\na\r\n\r\r\nbogus cmd\r\nsxx HTTP/1.1\r\n"),
                       "ERROR\r\nERROR\r\nERROR\r\nERROR\r\nERROR\r\nERROR\r\n")
        XCTAssertFalse(h.closed)
    }

    func testQuitClosesAndIgnoresTheRest() {
        let h = makeHarness()
        XCTAssertEqual(h.send("version\r\nquit x\r\nversion\r\n"), "VERSION \(reportedVersion)\r\n")
        XCTAssertTrue(h.closed)
    }

    func testHttpRequestClosesWithoutAnswer() {
        let h = makeHarness()
        XCTAssertEqual(h.send("GET / HTTP/1.1\r\n"), "")
        XCTAssertTrue(h.closed)
    }

    func testLineTooLongClosesTheConnection() {
        let h = makeHarness()
        XCTAssertEqual(h.send(String(repeating: "x", count: 2048)), "")
        XCTAssertFalse(h.closed)
        XCTAssertEqual(h.send("x"), "")
        XCTAssertTrue(h.closed)
    }

    func testUnfinishedMultigetIsBounded() {
        let h = makeHarness()
        h.send(" get ")
        let keys = Array(String(repeating: "key ", count: 25_000).utf8)
        for _ in 0..<10 where !h.closed { h.send(keys) }
        XCTAssertFalse(h.closed, "a megabyte of keys is still waited for")
        h.send(keys)
        XCTAssertTrue(h.closed)
    }

    func testTooManyLeadingSpacesBeforeLongGet() {
        let h = makeHarness()
        h.send(String(repeating: " ", count: 101) + "get " + String(repeating: "a ", count: 1500))
        XCTAssertTrue(h.closed)
    }
}
