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

        public init(entry: String, instance: String, listed: Bool, health: String, stats: [StatLine]?) {
            self.entry = entry
            self.instance = instance
            self.listed = listed
            self.health = health
            self.stats = stats
        }
    }

    /// Wall-clock time the node stats were gathered, in unix milliseconds.
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

    /// `stats` figures summed over the nodes that answered: the cluster's totals.
    static let summedStats = ["curr_items", "total_items", "bytes", "limit_maxbytes", "get_hits", "get_misses",
                              "cmd_get", "cmd_set", "evictions", "reclaimed", "curr_connections", "total_connections"]

    /// Node counts, then each of `summedStats` over the nodes that answered.
    public var totals: [(name: String, value: UInt64)] {
        let answered = nodes.compactMap(\.stats)
        var result: [(name: String, value: UInt64)] = [
            ("nodes_known", UInt64(nodes.count)),
            ("nodes_listed", UInt64(nodes.count(where: \.listed))),
            ("nodes_answering", UInt64(answered.count)),
        ]
        for name in Self.summedStats {
            let sum = answered.reduce(UInt64(0)) { total, lines in
                total &+ (lines.first { $0.name == name }.flatMap { UInt64($0.value) } ?? 0)
            }
            result.append((name, sum))
        }
        return result
    }
}
