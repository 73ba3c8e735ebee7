import XCTest
import CacheEngine
@testable import RequestHandling

final class StatsTests: XCTestCase {
    private func statNames(_ answer: String) -> [String] {
        answer.split(separator: "\r\n").filter { $0.hasPrefix("STAT ") }.map { String($0.split(separator: " ")[1]) }
    }

    private func stat(_ name: String, in answer: String) -> String? {
        for line in answer.split(separator: "\r\n") {
            let words = line.split(separator: " ", maxSplits: 2)
            if words.count == 3 && words[1] == name { return String(words[2]) }
        }
        return nil
    }

    func testGeneralStatsOrderAndValues() {
        let h = makeHarness()
        h.send("set a 0 0 1\r\nA\r\nget a b\r\n")
        let answer = h.send("stats\r\n")
        XCTAssertTrue(answer.hasSuffix("END\r\n"))
        let names = statNames(answer)
        // memcached 1.6.18's `stats` with its default settings, line for line.
        let memcachedOrder = ["pid", "uptime", "time", "version", "libevent", "pointer_size", "rusage_user",
                              "rusage_system", "max_connections", "curr_connections", "total_connections",
                              "rejected_connections", "connection_structures", "response_obj_oom", "response_obj_count",
                              "response_obj_bytes", "read_buf_count", "read_buf_bytes", "read_buf_bytes_free",
                              "read_buf_oom", "reserved_fds", "cmd_get", "cmd_set", "cmd_flush",
                              "cmd_touch", "cmd_meta", "get_hits", "get_misses", "get_expired", "get_flushed",
                              "delete_misses", "delete_hits", "incr_misses", "incr_hits", "decr_misses", "decr_hits",
                              "cas_misses", "cas_hits", "cas_badval", "touch_hits", "touch_misses", "store_too_large",
                              "store_no_memory", "auth_cmds", "auth_errors", "bytes_read", "bytes_written",
                              "limit_maxbytes", "accepting_conns", "listen_disabled_num", "time_in_listen_disabled_us",
                              "threads", "conn_yields", "hash_power_level", "hash_bytes", "hash_is_expanding",
                              "slab_reassign_rescues", "slab_reassign_chunk_rescues", "slab_reassign_evictions_nomem",
                              "slab_reassign_inline_reclaim", "slab_reassign_busy_items", "slab_reassign_busy_deletes",
                              "slab_reassign_running", "slabs_moved", "lru_crawler_running", "lru_crawler_starts",
                              "lru_maintainer_juggles", "malloc_fails", "log_worker_dropped", "log_worker_written",
                              "log_watcher_skipped", "log_watcher_sent", "log_watchers", "unexpected_napi_ids",
                              "round_robin_fallback", "bytes", "curr_items", "total_items", "slab_global_page_pool",
                              "expired_unfetched", "evicted_unfetched", "evicted_active",
                              "evictions", "reclaimed", "crawler_reclaimed", "crawler_items_checked", "lrutail_reflocked", "moves_to_cold",
                              "moves_to_warm", "moves_within_lru", "direct_reclaims", "lru_bumps_dropped"]
        XCTAssertEqual(names, memcachedOrder)
        XCTAssertEqual(stat("cmd_get", in: answer), "2")
        XCTAssertEqual(stat("get_hits", in: answer), "1")
        XCTAssertEqual(stat("get_misses", in: answer), "1")
        XCTAssertEqual(stat("cmd_set", in: answer), "1")
        XCTAssertEqual(stat("curr_items", in: answer), "1")
        XCTAssertEqual(stat("version", in: answer), reportedVersion)
        XCTAssertEqual(stat("limit_maxbytes", in: answer), String(8 << 20))
        XCTAssertEqual(stat("pointer_size", in: answer), "64")
        let rusage = stat("rusage_user", in: answer)!
        XCTAssertNotNil(rusage.range(of: #"^\d+\.\d{6}$"#, options: .regularExpression), rusage)
    }

    func testMetaDebugIsWhatCmdMetaCounts() {
        let h = makeHarness()
        h.send("set a 0 0 1\r\nA\r\nmg a v\r\nmn\r\nme a\r\nme nope\r\nme\r\n")
        XCTAssertEqual(stat("cmd_meta", in: h.send("stats\r\n")), "2")
    }

    func testWithoutSlabReassignThePageMoverLinesAreLeftOut() {
        let h = makeHarness { $0.admin.slabReassign = false }
        let names = statNames(h.send("stats\r\n"))
        XCTAssertFalse(names.contains { $0.hasPrefix("slab_reassign_") || $0 == "slabs_moved" }, "\(names)")
        XCTAssertTrue(names.contains("slab_global_page_pool"))
    }

    func testResetZeroesCounters() {
        let h = makeHarness()
        h.send("get a b c\r\n")
        XCTAssertEqual(h.send("stats reset\r\n"), "RESET\r\n")
        XCTAssertEqual(stat("cmd_get", in: h.send("stats\r\n")), "0")
        XCTAssertEqual(h.send("stats reset extra\r\n"), "RESET\r\n")
    }

    func testSettingsItemsSlabs() {
        let h = makeHarness { $0.tcpPort = 22122; $0.listenAddresses = ["127.0.0.1"] }
        h.send("set a 0 0 1\r\nA\r\n")
        let settings = h.send("stats settings\r\n")
        XCTAssertEqual(Array(statNames(settings).prefix(8)),
                       ["maxbytes", "maxconns", "tcpport", "udpport", "inter", "verbosity", "oldest", "evictions"])
        XCTAssertEqual(stat("tcpport", in: settings), "22122")
        XCTAssertEqual(stat("inter", in: settings), "127.0.0.1")
        XCTAssertEqual(stat("growth_factor", in: settings), "1.08", "the finer default class table")
        XCTAssertEqual(stat("umask", in: settings), "700")
        XCTAssertEqual(stat("item_size_max", in: settings), "1048576")
        let items = h.send("stats items\r\n")
        XCTAssertTrue(items.hasPrefix("STAT items:"), items)
        XCTAssertTrue(statNames(items).contains { $0.hasSuffix(":number") })
        XCTAssertTrue(items.hasSuffix("END\r\n"))
        let slabs = h.send("stats slabs\r\n")
        XCTAssertTrue(statNames(slabs).contains { $0.hasSuffix(":chunk_size") })
        XCTAssertEqual(stat("active_slabs", in: slabs), "1")
        XCTAssertTrue(slabs.hasSuffix("END\r\n"))
    }

    func testOtherSubcommands() {
        let h = makeHarness()
        XCTAssertEqual(h.send("stats sizes\r\n"), "STAT sizes_status disabled\r\nEND\r\n")
        XCTAssertEqual(h.send("stats detail\r\n"), "CLIENT_ERROR usage: stats detail on|off|dump\r\n")
        XCTAssertEqual(h.send("stats detail on\r\nstats detail off\r\n"), "OK\r\nOK\r\n")
        XCTAssertEqual(h.send("stats foo\r\n"), "ERROR\r\n")
        XCTAssertEqual(h.send("stats cachedump 1 1\r\n"), "END\r\n")
        XCTAssertEqual(h.send("stats items\r\n"), "END\r\n")
    }

    func testCachedumpListsAClassNewestFirstWithMemcachedsReplies() {
        let h = makeHarness()
        h.send("set old 0 0 3\r\nabc\r\nset new 0 100 5\r\nhello\r\n")
        let items = h.send("stats items\r\n")
        let classID = try! XCTUnwrap(items.split(separator: "\r\n").first).split(separator: ":")[1]
        let dump = h.send("stats cachedump \(classID) 0\r\n")
        let lines = dump.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.count, 4, dump)  // two items, END, and the empty rest after the last \r\n
        XCTAssertTrue(lines[0].hasPrefix("ITEM new [5 b; ") && lines[0].hasSuffix(" s]"), lines[0])
        let expiry = Int(lines[0].dropFirst("ITEM new [5 b; ".count).dropLast(" s]".count))!
        XCTAssertEqual(Int64(expiry), h.engine.clock.unixNow + 100, "absolute unix time of expiry")
        XCTAssertEqual(lines[1], "ITEM old [3 b; 0 s]")  // never expires: 0
        XCTAssertEqual(lines[2], "END")
        XCTAssertEqual(h.send("stats cachedump \(classID) 1\r\n"), lines[0] + "\r\nEND\r\n")
        XCTAssertEqual(h.send("stats cachedump\r\n"), "CLIENT_ERROR bad command line\r\n")
        XCTAssertEqual(h.send("stats cachedump 1\r\n"), "CLIENT_ERROR bad command line\r\n")
        XCTAssertEqual(h.send("stats cachedump x 1\r\n"), "CLIENT_ERROR bad command line format\r\n")
        XCTAssertEqual(h.send("stats cachedump 1 -1\r\n"), "CLIENT_ERROR bad command line format\r\n")
        let largest = h.engine.slabChunkSizes.count - 1  // past memcached's 63 with the default table
        XCTAssertEqual(h.send("stats cachedump \(largest + 1) 1\r\n"), "CLIENT_ERROR Illegal slab id\r\n")
        XCTAssertEqual(h.send("stats cachedump \(largest) 1\r\n"), "END\r\n")
        let memcachedTable = makeHarness { $0.engine.growthFactor = 1.25 }
        XCTAssertEqual(memcachedTable.send("stats cachedump 64 1\r\n"), "CLIENT_ERROR Illegal slab id\r\n")
        XCTAssertEqual(h.send("stats cachedump 0 1\r\n"), "END\r\n")
    }

    func testDisabledDumpingRefusesCachedumpAndMetadump() {
        let h = makeHarness { $0.dumpEnabled = false }
        XCTAssertEqual(h.send("stats cachedump 1 1\r\n"), "CLIENT_ERROR stats cachedump not allowed\r\n")
        XCTAssertEqual(h.send("lru_crawler metadump all\r\n"), "ERROR metadump not allowed\r\n")
        XCTAssertEqual(stat("dump_enabled", in: h.send("stats settings\r\n")), "no")
        XCTAssertEqual(stat("dump_enabled", in: makeHarness().send("stats settings\r\n")), "yes")
    }
}
