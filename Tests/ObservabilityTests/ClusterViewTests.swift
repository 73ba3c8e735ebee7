import Foundation
import XCTest
import RequestHandling
@testable import Observability

/// The cluster view's rendering from a `ClusterReport`: totals over the nodes that answered, request
/// rates between two gatherings, `/cluster.json` and the endpoint's `/metrics`.
final class ClusterViewTests: XCTestCase {
    private func stats(_ pairs: [(String, String)]) -> [StatLine] {
        pairs.map { StatLine(name: $0.0, value: $0.1) }
    }

    private func node(_ name: String, listed: Bool = true, health: String = "up", stats: [StatLine]?) -> ClusterReport.Node {
        ClusterReport.Node(entry: "\(name)|10.0.0.1|11211", instance: "\(name):11211", listed: listed, health: health, stats: stats)
    }

    private func report(at milliseconds: Int64, _ nodes: [ClusterReport.Node]) -> ClusterReport {
        ClusterReport(collectedAtMilliseconds: milliseconds, gatherMilliseconds: 3,
                      endpoint: stats([("cluster_version", "7"), ("cluster_nodes", "2"), ("version", "1.6.18-swiftcached")]),
                      nodes: nodes, unqueried: 0)
    }

    private func requests(get: Int, set: Int) -> [StatLine] {
        stats([("cmd_get", "\(get)"), ("cmd_set", "\(set)"), ("delete_hits", "1"), ("delete_misses", "1"),
               ("curr_items", "\(set)"), ("get_hits", "\(get / 2)"), ("get_misses", "\(get - get / 2)")])
    }

    func testTotalsCountOnlyNodesThatAnswered() {
        let view = report(at: 1000, [node("a", stats: requests(get: 10, set: 4)), node("b", stats: requests(get: 6, set: 2)),
                                     node("c", listed: false, health: "down", stats: nil)])
        let totals = Dictionary(uniqueKeysWithValues: view.totals.map { ($0.name, $0.value) })
        XCTAssertEqual(totals["nodes_known"], 3)
        XCTAssertEqual(totals["nodes_listed"], 2)
        XCTAssertEqual(totals["nodes_answering"], 2)
        XCTAssertEqual(totals["curr_items"], 6)
        XCTAssertEqual(totals["get_hits"], 8)
        XCTAssertEqual(totals["requests_per_second"], 0, "no rate without an earlier gathering")
    }

    func testRatesAreMeasuredBetweenGatherings() throws {
        let first = report(at: 10_000, [node("a", stats: requests(get: 100, set: 50)), node("b", stats: requests(get: 500, set: 0)),
                                        node("c", stats: nil)])
        let second = report(at: 12_000, [node("a", stats: requests(get: 300, set: 150)), node("b", stats: requests(get: 10, set: 0)),
                                         node("c", stats: requests(get: 5, set: 5)), node("d", stats: requests(get: 1, set: 1))])
            .withRates(since: first)
        XCTAssertEqual(second.nodes[0].requestsPerSecond, 150, "300 more requests in 2 s")
        XCTAssertNil(second.nodes[1].requestsPerSecond, "a count that went down (a restart) is no rate")
        XCTAssertNil(second.nodes[2].requestsPerSecond, "did not answer the first time")
        XCTAssertNil(second.nodes[3].requestsPerSecond, "not known the first time")
        XCTAssertEqual(second.totals.first { $0.name == "requests_per_second" }?.value, 150)
        XCTAssertNil(first.withRates(since: first).nodes[0].requestsPerSecond, "the same gathering gives no rate")
    }

    func testClusterJSONIsJSONWithEveryNode() throws {
        let view = report(at: 1234, [node("a", stats: requests(get: 10, set: 4)), node("b", listed: false, health: "down", stats: nil)])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ClusterJSON.render(view).utf8)) as? [String: Any])
        XCTAssertEqual(object["collected_at_ms"] as? Int, 1234)
        XCTAssertEqual((object["endpoint"] as? [String: Any])?["cluster_version"] as? Int, 7)
        let nodes = try XCTUnwrap(object["nodes"] as? [[String: Any]])
        XCTAssertEqual(nodes.map { $0["instance"] as? String }, ["a:11211", "b:11211"])
        XCTAssertEqual(nodes[0]["answered"] as? Bool, true)
        XCTAssertEqual((nodes[0]["stats"] as? [String: Any])?["curr_items"] as? Int, 4)
        XCTAssertEqual(nodes[1]["answered"] as? Bool, false)
        XCTAssertEqual(nodes[1]["listed"] as? Bool, false)
        XCTAssertTrue(nodes[1]["stats"] is NSNull)
        XCTAssertTrue(nodes[1]["requests_per_second"] is NSNull)
        XCTAssertEqual((object["totals"] as? [String: Any])?["nodes_answering"] as? Int, 1)
    }

    func testMetricsLabelEachNodeAndMarkSilentOnesDown() throws {
        let view = report(at: 1, [node("a", stats: requests(get: 10, set: 4)), node("b", health: "down", stats: nil)])
        let families = ClusterMetrics.families(from: view)
        func samples(_ name: String) -> [MetricFamily.Sample] { families.first { $0.name == name }?.samples ?? [] }
        XCTAssertEqual(samples("swiftcached_config_version").map(\.value), [7])
        XCTAssertEqual(samples("swiftcached_config_listed_nodes").map(\.value), [2])
        XCTAssertEqual(samples("memcached_up").map(\.value), [1, 0])
        XCTAssertEqual(samples("memcached_up").map { $0.labels.first?.value }, ["a:11211", "b:11211"])
        XCTAssertEqual(samples("swiftcached_config_node_probe_up").map(\.value), [1, 0])
        let items = try XCTUnwrap(samples("memcached_current_items").first)
        XCTAssertEqual(items.value, 4)
        XCTAssertEqual(items.labels.map(\.name), ["instance"])
        let hits = samples("memcached_commands_total").first { $0.labels.contains { $0 == ("command", "get") } && $0.labels.contains { $0 == ("status", "hit") } }
        XCTAssertEqual(hits?.value, 5)
        XCTAssertEqual(hits?.labels.first?.name, "instance", "instance first, then the family's own labels")
        XCTAssertEqual(samples("memcached_current_items").count, 1, "no figures for a node that did not answer")
        // Each family once in the text, whatever order the nodes came in.
        let text = PrometheusText.render(families)
        XCTAssertEqual(text.components(separatedBy: "# TYPE memcached_up ").count, 2)
    }
}
