import Cluster
import Atomics
import Locking
import RequestHandling
#if canImport(Glibc)
import Glibc
#endif

/// What every endpoint connection shares: the coordinator (membership and the published
/// configuration), the optional credentials, the cluster secret's proof checker, and the few
/// figures `stats` reports.
public final class ConfigEndpoint: Sendable {
    public let coordinator: ClusterCoordinator
    public let credentials: EndpointCredentials?
    public let version: String
    public let threads: Int
    /// `--cluster-secret-file`: membership commands must carry a proof (see `MembershipProof`);
    /// nil: no registrations at all, and `config set` only with `-Y`.
    let proofs: Locked<MembershipProofChecker>?
    /// Wall-clock seconds, for proof timestamps (tests move it).
    let clock: @Sendable () -> Int64
    /// The listener's `rejected_by_allowlist` count; nil without an allowlist (no stats line then).
    let rejectedByAllowlist: (@Sendable () -> UInt64)?
    /// With `--tls`: the listeners' TLS context and counters, for the TLS `stats` lines a data node
    /// prints with `-Z` and `refresh_certs` (nil: none, as memcached without TLS).
    public let tls: EndpointTLS?
    let startedAt = time(nil)
    let currentConnections = ManagedAtomic<Int>(0)
    let totalConnections = ManagedAtomic<Int>(0)
    let configGets = ManagedAtomic<Int>(0)
    /// Membership commands refused for want of a secret, a proof or a login.
    let membershipRefusals = ManagedAtomic<Int>(0)

    public init(coordinator: ClusterCoordinator, credentials: EndpointCredentials?, version: String, threads: Int,
                secret: ClusterSecret? = nil, clock: @escaping @Sendable () -> Int64 = { Int64(time(nil)) },
                rejectedByAllowlist: (@Sendable () -> UInt64)? = nil,
                tls: EndpointTLS? = nil) {
        self.coordinator = coordinator
        self.credentials = credentials
        self.version = version
        self.threads = threads
        proofs = secret.map { Locked(MembershipProofChecker(secret: $0)) }
        self.clock = clock
        self.rejectedByAllowlist = rejectedByAllowlist
        self.tls = tls
    }

    /// Checks a proof and, if good, uses up its nonce. Only called when a secret is configured.
    func checkProof(_ words: [Substring], payload: [UInt8]?) -> MembershipProofChecker.Verdict {
        let now = clock()
        return proofs?.withLock { $0.check(words, payload: payload, now: now) } ?? .badTag
    }

    /// The `stats` lines (memcached's names where they exist, `cluster_*` for the rest).
    public func statsLines() -> [(String, String)] {
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
            ("cluster_registered", "\(counters.registered)"),
            ("cluster_probes_inconclusive", "\(counters.inconclusiveProbes)"),
            ("cluster_probe_rounds_incomplete", "\(counters.incompleteRounds)"),
            ("cluster_version_exhausted", "\(counters.versionExhaustedChanges)"),
            ("cluster_membership_refused", "\(membershipRefusals.load(ordering: .relaxed))"),
        ] + (rejectedByAllowlist.map { [("rejected_by_allowlist", "\($0())")] } ?? []) + (tls?.statsLines ?? [])
    }
}
