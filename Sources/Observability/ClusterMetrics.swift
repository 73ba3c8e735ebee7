/// `/metrics` on the configuration endpoint: the endpoint's own figures under
/// `swiftcached_config_`, each known node's standing, and — so one scrape target covers the
/// cluster — memcached_exporter's general and command families for every node that answered,
/// labelled `instance="host:port"` (`memcached_up` is 0 for a node that did not).
public enum ClusterMetrics {
    public static func families(from report: ClusterReport) -> [MetricFamily] {
        var set = FamilySet()
        ExporterMetrics.addPlain(endpoint, from: report.endpoint, to: &set)
        set.add("swiftcached_config_stats_gather_seconds", "Seconds the last gathering of the nodes' stats took.", .gauge,
                value: Double(report.gatherMilliseconds) / 1000)
        for node in report.nodes {
            let instance = [(name: "instance", value: node.instance)]
            set.add("swiftcached_config_node_listed", "Whether the node is in the list clients get (1) or not (0).", .gauge,
                    labels: instance, value: node.listed ? 1 : 0)
            set.add("swiftcached_config_node_probe_up", "Whether the endpoint's probes find the node up (1) or not (0: down or not yet probed).",
                    .gauge, labels: instance, value: node.health == "up" ? 1 : 0)
            set.add("memcached_up", "Whether the node answered the endpoint's stats request (1) or not (0).", .gauge,
                    labels: instance, value: node.stats == nil ? 0 : 1)
        }
        for node in report.nodes {
            guard let stats = node.stats else { continue }
            ExporterMetrics.addGeneral(stats, labels: [("instance", node.instance)], to: &set)
        }
        return set.families
    }

    /// The endpoint's `stats` lines (docs/cluster.md) as families.
    static let endpoint: [ExporterMetrics.Plain] = [
        .init(stat: "uptime", name: "swiftcached_config_uptime_seconds", help: "Seconds since the endpoint started.", kind: .counter),
        .init(stat: "cluster_version", name: "swiftcached_config_version", help: "The configuration version clients get now.", kind: .gauge),
        .init(stat: "cluster_nodes", name: "swiftcached_config_listed_nodes", help: "Nodes in the list clients get now.", kind: .gauge),
        .init(stat: "cluster_candidates", name: "swiftcached_config_candidate_nodes", help: "Nodes that would be listed if they answer probes (static list and registrations).", kind: .gauge),
        .init(stat: "cluster_registered", name: "swiftcached_config_registered_nodes", help: "Nodes holding a registration lease now.", kind: .gauge),
        .init(stat: "cluster_probes_inconclusive", name: "swiftcached_config_probes_inconclusive_total", help: "Probes the endpoint could not run (its own resources), which changed nothing.", kind: .counter),
        .init(stat: "cluster_probe_rounds_incomplete", name: "swiftcached_config_probe_rounds_incomplete_total", help: "Probe rounds in which some probes could not run.", kind: .counter),
        .init(stat: "cluster_version_exhausted", name: "swiftcached_config_version_exhausted_changes_total", help: "List changes not published because the version is at its maximum.", kind: .counter),
        .init(stat: "cluster_membership_refused", name: "swiftcached_config_membership_refused_total", help: "Membership commands refused for want of a secret, proof or login.", kind: .counter),
        .init(stat: "cmd_config_get", name: "swiftcached_config_gets_total", help: "config get cluster requests answered.", kind: .counter),
        .init(stat: "curr_connections", name: "swiftcached_config_current_connections", help: "Client connections open now.", kind: .gauge),
        .init(stat: "total_connections", name: "swiftcached_config_connections_total", help: "Client connections opened since start.", kind: .counter),
        .init(stat: "rejected_by_allowlist", name: "swiftcached_config_connections_rejected_by_allowlist_total", help: "Connections closed because no --allow range admits the client.", kind: .counter),
    ]
}
