/// `/cluster.json` on the configuration endpoint:
///
///     {"collected_at_ms": 1767000000123, "gather_ms": 2, "unqueried": 0,
///      "endpoint": {"cluster_version": 3, "cluster_nodes": 2, …},
///      "nodes": [{"instance": "node1:11211", "entry": "node1|10.0.0.1|11211", "listed": true,
///                 "health": "up", "answered": true, "requests_per_second": 120, "stats": {"curr_items": 5, …}}, …],
///      "totals": {"nodes_known": 2, "nodes_listed": 2, "nodes_answering": 2, "curr_items": 9, …}}
///
/// A node's `stats` are its `stats` lines as `/stats.json` writes them, or null when it gave none;
/// `requests_per_second` (gets, sets and deletes) is measured between the last two gatherings.
public enum ClusterJSON {
    public static func render(_ report: ClusterReport) -> String {
        JSONText.object([
            ("collected_at_ms", String(report.collectedAtMilliseconds)),
            ("gather_ms", String(report.gatherMilliseconds)),
            ("unqueried", String(report.unqueried)),
            ("endpoint", StatsJSON.flat(report.endpoint)),
            ("nodes", "[" + report.nodes.map(node).joined(separator: ",") + "]"),
            ("totals", JSONText.object(report.totals.map { ($0.name, String($0.value)) })),
        ])
    }

    static func node(_ node: ClusterReport.Node) -> String {
        JSONText.object([
            ("instance", JSONText.string(node.instance)),
            ("entry", JSONText.string(node.entry)),
            ("listed", node.listed ? "true" : "false"),
            ("health", JSONText.string(node.health)),
            ("answered", node.stats == nil ? "false" : "true"),
            ("requests_per_second", node.requestsPerSecond.map { String(UInt64($0.rounded())) } ?? "null"),
            ("stats", node.stats.map(StatsJSON.flat) ?? "null"),
        ])
    }
}
