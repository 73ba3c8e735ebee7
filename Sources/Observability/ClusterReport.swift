import RequestHandling

/// What the configuration endpoint knows of its cluster at one moment, for its admin listener: its
/// own `stats` lines and, for each node it knows (static list and registrations), whether it is
/// listed, what its probes say and the `stats` it answered. Built by ClusterService's
/// `ClusterStatsCollector`; rendered here as `/cluster.json`, `/metrics` and the cluster dashboard.
public struct ClusterReport: Sendable {
    public struct Node: Sendable {
        /// `host|ip|port`, as clients see it.
        public var entry: String
        /// `host:port`: the `instance` label and the dashboard's row.
        public var instance: String
        /// In the list `config get cluster` answers now.
        public var listed: Bool
        /// The probes' verdict: `up`, `down` or `unknown` (no conclusive probe yet).
        public var health: String
        /// The node's `stats` lines; nil when it gave none in time (or was beyond the cap).
        public var stats: [StatLine]?
        /// Requests (gets, sets, deletes) per second between the previous gathering and this one;
        /// nil unless the node answered both.
        public var requestsPerSecond: Double?

        public init(entry: String, instance: String, listed: Bool, health: String, stats: [StatLine]?) {
            self.entry = entry
            self.instance = instance
            self.listed = listed
            self.health = health
            self.stats = stats
        }

        /// The `stats` figures a dashboard counts as requests (as the node's own dashboard does).
        static let requestStats = ["cmd_get", "cmd_set", "delete_hits", "delete_misses"]

        /// The node's value of `name`, if it answered and printed a whole number.
        func figure(_ name: String) -> UInt64? {
            stats?.first { $0.name == name }.flatMap { UInt64($0.value) }
        }

        var requests: UInt64? {
            guard stats != nil else { return nil }
            return Self.requestStats.reduce(0) { $0 &+ (figure($1) ?? 0) }
        }
    }

    /// Wall-clock time the gathering of node stats began, in unix milliseconds.
    public var collectedAtMilliseconds: Int64
    /// How long gathering took.
    public var gatherMilliseconds: Int
    /// The endpoint's own `stats` lines.
    public var endpoint: [StatLine]
    public var nodes: [Node]
    /// Known nodes beyond the cap on nodes asked, shown without stats.
    public var unqueried: Int

    public init(collectedAtMilliseconds: Int64, gatherMilliseconds: Int, endpoint: [StatLine], nodes: [Node], unqueried: Int) {
        self.collectedAtMilliseconds = collectedAtMilliseconds
        self.gatherMilliseconds = gatherMilliseconds
        self.endpoint = endpoint
        self.nodes = nodes
        self.unqueried = unqueried
    }

    /// This report with each node's requests per second since `previous` (a node that was not in
    /// it, or did not answer either time, has none; a restarted node's count going down neither).
    public func withRates(since previous: ClusterReport?) -> ClusterReport {
        guard let previous, collectedAtMilliseconds > previous.collectedAtMilliseconds else { return self }
        let seconds = Double(collectedAtMilliseconds - previous.collectedAtMilliseconds) / 1000
        let before = Dictionary(previous.nodes.compactMap { node in node.requests.map { (node.instance, $0) } },
                                uniquingKeysWith: { first, _ in first })
        var result = self
        for index in result.nodes.indices {
            guard let now = result.nodes[index].requests, let then = before[result.nodes[index].instance], now >= then else { continue }
            result.nodes[index].requestsPerSecond = Double(now - then) / seconds
        }
        return result
    }

    /// `stats` figures summed over the nodes that answered: the cluster's totals.
    static let summedStats = ["curr_items", "total_items", "bytes", "limit_maxbytes", "get_hits", "get_misses",
                              "cmd_get", "cmd_set", "evictions", "reclaimed", "curr_connections", "total_connections"]

    /// Node counts, each of `summedStats` over the nodes that answered, and their requests per
    /// second (rounded).
    public var totals: [(name: String, value: UInt64)] {
        let answered = nodes.compactMap(\.stats)
        var result: [(name: String, value: UInt64)] = [
            ("nodes_known", UInt64(nodes.count)),
            ("nodes_listed", UInt64(nodes.count(where: \.listed))),
            ("nodes_answering", UInt64(answered.count)),
        ]
        for name in Self.summedStats {
            result.append((name, nodes.reduce(UInt64(0)) { $0 &+ ($1.figure(name) ?? 0) }))
        }
        let rate = nodes.compactMap(\.requestsPerSecond).reduce(0, +)
        result.append(("requests_per_second", UInt64(rate.rounded())))
        return result
    }
}
