import Cluster
import Atomics
#if canImport(Glibc)
import Glibc
#endif

/// What every endpoint connection shares: the coordinator (membership and the published
/// configuration), the optional credentials, and the few figures `stats` reports.
public final class ConfigEndpoint: Sendable {
    public let coordinator: ClusterCoordinator
    public let credentials: EndpointCredentials?
    public let version: String
    public let threads: Int
    let startedAt = time(nil)
    let currentConnections = ManagedAtomic<Int>(0)
    let totalConnections = ManagedAtomic<Int>(0)
    let configGets = ManagedAtomic<Int>(0)

    public init(coordinator: ClusterCoordinator, credentials: EndpointCredentials?, version: String, threads: Int) {
        self.coordinator = coordinator
        self.credentials = credentials
        self.version = version
        self.threads = threads
    }

    /// The `stats` lines (memcached's names where they exist, `cluster_*` for the rest).
    func statsLines() -> [(String, String)] {
        let now = time(nil)
        let payload = coordinator.published.current?.payload
        let counters = coordinator.counters
        return [
            ("pid", "\(getpid())"),
            ("uptime", "\(now - startedAt)"),
            ("time", "\(now)"),
            ("version", version),
            ("threads", "\(threads)"),
            ("curr_connections", "\(currentConnections.load(ordering: .relaxed))"),
            ("total_connections", "\(totalConnections.load(ordering: .relaxed))"),
            ("cmd_config_get", "\(configGets.load(ordering: .relaxed))"),
            ("cluster_version", "\(payload?.version ?? 0)"),
            ("cluster_nodes", "\(payload?.nodes.count ?? 0)"),
            ("cluster_candidates", "\(counters.candidates)"),
            ("cluster_probes_inconclusive", "\(counters.inconclusiveProbes)"),
            ("cluster_probe_rounds_incomplete", "\(counters.incompleteRounds)"),
            ("cluster_version_exhausted", "\(counters.versionExhaustedChanges)"),
        ]
    }
}
