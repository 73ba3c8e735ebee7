import XCTest
import RequestHandling
@testable import Observability

final class ExporterMetricsTests: XCTestCase {
    private func lines(_ pairs: [(String, String)]) -> [StatLine] {
        pairs.map { StatLine(name: $0.0, value: $0.1) }
    }

    private func snapshot() -> StatsSnapshot {
        StatsSnapshot(groups: [
            .general: lines([("version", "1.6.18"), ("uptime", "7"), ("rusage_user", "1.500000"), ("curr_items", "2"),
                             ("cmd_set", "10"), ("cas_hits", "1"), ("cas_misses", "2"), ("cas_badval", "3"),
                             ("get_hits", "5"), ("get_misses", "6"), ("cmd_flush", "1"), ("hash_power_level", "16")]),
            .settings: lines([("maxconns", "1024"), ("lru_crawler", "yes"), ("lru_maintainer_thread", "no")]),
            .items: lines([("items:1:number", "2"), ("items:1:hits_to_temp", "4"), ("items:12:evicted", "9")]),
            .slabs: lines([("1:chunk_size", "88"), ("1:get_hits", "5"), ("1:cmd_set", "10"), ("1:delete_hits", "0"),
                           ("1:incr_hits", "0"), ("1:decr_hits", "0"), ("1:cas_hits", "1"), ("1:cas_badval", "2"),
                           ("1:touch_hits", "3"), ("12:chunk_size", "1184"), ("12:get_hits", "4"),
                           ("active_slabs", "2"), ("total_malloced", "2097152")]),
        ])
    }

    private func family(_ name: String, in families: [MetricFamily]) -> MetricFamily? {
        families.first { $0.name == name }
    }

    func testPlainStatsKeepTheirValueAndExporterType() throws {
        let families = ExporterMetrics.families(from: snapshot())
        XCTAssertEqual(family("memcached_up", in: families)?.samples.first?.value, 1)
        XCTAssertEqual(family("memcached_current_items", in: families)?.kind, .gauge)
        XCTAssertEqual(family("memcached_current_items", in: families)?.samples.first?.value, 2)
        XCTAssertEqual(family("memcached_uptime_seconds", in: families)?.kind, .counter)
        XCTAssertEqual(family("memcached_process_user_cpu_seconds_total", in: families)?.samples.first?.value, 1.5)
        XCTAssertEqual(family("memcached_malloced_bytes", in: families)?.samples.first?.value, 2097152)
        XCTAssertEqual(family("memcached_lru_crawler_maintainer_thread", in: families)?.samples.first?.value, 0)
        let version = try XCTUnwrap(family("memcached_version", in: families)?.samples.first)
        XCTAssertEqual(version.labels.first?.value, "1.6.18")
    }

    func testSetCountsExcludeCasAsTheExporterDoes() throws {
        let commands = try XCTUnwrap(family("memcached_commands_total", in: ExporterMetrics.families(from: snapshot())))
        func value(_ command: String, _ status: String) -> Double? {
            commands.samples.first { $0.labels.elementsEqual([("command", command), ("status", status)]) { $0 == $1 } }?.value
        }
        XCTAssertEqual(value("set", "hit"), 4)
        XCTAssertEqual(value("get", "hit"), 5)
        XCTAssertEqual(value("get", "miss"), 6)
        XCTAssertEqual(value("cas", "badval"), 3)
        XCTAssertEqual(value("flush", "hit"), 1)
        XCTAssertNil(value("incr", "hit"), "a stat not printed gives no sample")
    }

    func testPerClassFamiliesAreLabelledBySlab() throws {
        let families = ExporterMetrics.families(from: snapshot())
        let chunk = try XCTUnwrap(family("memcached_slab_chunk_size_bytes", in: families))
        XCTAssertEqual(chunk.samples.map { $0.labels.first?.value }, ["1", "12"])
        XCTAssertEqual(chunk.samples.map(\.value), [88, 1184])
        let hits = try XCTUnwrap(family("memcached_slab_lru_hits_total", in: families)?.samples.first)
        XCTAssertTrue(hits.labels.elementsEqual([("slab", "1"), ("lru", "temporary")]) { $0 == $1 })
        XCTAssertEqual(family("memcached_slab_items_evicted_total", in: families)?.samples.first?.value, 9)
    }

    func testSlabCommandsAreBuiltAsTheExporterBuildsThem() throws {
        let commands = try XCTUnwrap(family("memcached_slab_commands_total", in: ExporterMetrics.families(from: snapshot())))
        func value(_ slab: String, _ command: String, _ status: String) -> Double? {
            commands.samples.first {
                $0.labels.elementsEqual([("slab", slab), ("command", command), ("status", status)]) { $0 == $1 }
            }?.value
        }
        XCTAssertEqual(commands.kind, .counter)
        XCTAssertEqual(value("1", "get", "hit"), 5)
        XCTAssertEqual(value("1", "touch", "hit"), 3)
        XCTAssertEqual(value("1", "cas", "hit"), 1)
        XCTAssertEqual(value("1", "cas", "badval"), 2)
        XCTAssertEqual(value("1", "set", "hit"), 7, "cmd_set less the class's cas hits and bad values")
        XCTAssertEqual(value("12", "get", "hit"), 4)
        XCTAssertNil(value("12", "set", "hit"), "a class without cmd_set gives no set sample")
        XCTAssertEqual(commands.samples.count, 9)
    }

    func testEachFamilyAppearsOnce() {
        let names = ExporterMetrics.families(from: snapshot()).map(\.name)
        XCTAssertEqual(names.count, Set(names).count)
    }

    func testSwiftcachedFamilies() throws {
        let figures = ServerFigures(policy: "s3fifo",
                                    queues: [.init(classID: 1, queue: "small", items: 2), .init(classID: 1, queue: "main", items: 0)],
                                    workers: [.init(worker: 0, open: 3, opened: 5), .init(worker: 1, open: 0, opened: 1)],
                                    ghostFilterBytes: 1 << 20)
        let families = SwiftcachedMetrics.families(from: snapshot(), figures: figures)
        XCTAssertEqual(family("swiftcached_ghost_filter_bytes", in: families)?.samples.first?.value, 1_048_576)
        XCTAssertEqual(family("swiftcached_hash_buckets", in: families)?.samples.first?.value, 65536)
        XCTAssertEqual(family("swiftcached_worker_connections", in: families)?.samples.map(\.value), [3, 0])
        XCTAssertEqual(family("swiftcached_policy_queue_items", in: families)?.samples.count, 2)
        XCTAssertEqual(family("swiftcached_eviction_policy", in: families)?.samples.first?.labels.first?.value, "s3fifo")
    }
}
