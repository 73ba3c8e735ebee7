/// The endpoint's whole view of the cluster, without any I/O: where nodes come from (the static list
/// — cluster file or `config set` — and the leases of self-registered nodes), each node's probe
/// health, and what is published with which version.
///
/// The published list is recomputed only by `publish`, which the endpoint calls once per probe round
/// (and after a reload or `config set`): changes that happen together raise the version once, and
/// the version rises only when the list really differs from the one clients have.
public struct Membership: Sendable {
    public let settings: ProbeSettings
    public private(set) var version: UInt64
    public private(set) var published: [ClusterNode]
    public private(set) var staticNodes: [ClusterNode] = []
    private var leases = LeaseTable()
    /// Keyed by the full entry: a node with a new ip starts a fresh history and must answer first.
    private var health: [ClusterNode: NodeHealth] = [:]
    /// `config set cluster` may ask for a version above ours; the next publish honours it.
    private var versionFloor: UInt64 = 0

    /// `version` and `published` come from the state file (0 and [] the first time).
    public init(version: UInt64, published: [ClusterNode], settings: ProbeSettings) {
        self.version = version
        self.published = published.sorted()
        self.settings = settings
    }

    public var payload: ConfigPayload { ConfigPayload(version: version, nodes: published) }

    public mutating func setStaticNodes(_ nodes: [ClusterNode]) {
        staticNodes = nodes
    }

    /// An operator's `config set cluster`: the list replaces the static list (until the cluster
    /// file changes again), and its version is a floor for the next one.
    public mutating func setByOperator(_ payload: ConfigPayload) {
        staticNodes = payload.nodes
        versionFloor = max(versionFloor, payload.version)
    }

    public mutating func register(_ node: ClusterNode, leaseSeconds: Double, now: Double) throws {
        try leases.register(node, leaseSeconds: leaseSeconds, now: now)
    }

    @discardableResult
    public mutating func deregister(_ node: ClusterNode) -> Bool {
        leases.remove(node)
    }

    /// Every node that should be listed if it answers probes: the static list plus the leased nodes.
    /// A leased node overrides a static entry with the same host and port (it knows its own ip).
    public var candidates: [ClusterNode] {
        var byIdentity: [String: ClusterNode] = [:]
        for node in staticNodes { byIdentity[node.identity] = node }
        for node in leases.nodes { byIdentity[node.identity] = node }
        return byIdentity.values.sorted()
    }

    /// Candidates with no probe result yet (new, or back with a new ip): probed at once, not at the
    /// next round.
    public var unprobedCandidates: [ClusterNode] {
        candidates.filter { (health[$0]?.status ?? .unknown) == .unknown }
    }

    public mutating func expireLeases(now: Double) {
        leases.expire(now: now)
    }

    /// Applies probe results (for candidates only) and forgets the health of former candidates.
    public mutating func recordProbes(_ results: [ClusterNode: Bool], now: Double) {
        let current = Set(candidates)
        health = health.filter { current.contains($0.key) }
        for (node, success) in results where current.contains(node) {
            health[node, default: NodeHealth()].record(success: success, at: now, settings: settings)
        }
    }

    /// Recomputes the list of candidates that are up. Returns the new payload when it changed (the
    /// version then rose by exactly one, or to the operator's floor), nil when nothing changed.
    public mutating func publish() -> ConfigPayload? {
        let listed = candidates.filter { health[$0]?.isUp == true }
        // Version 0 is not valid on the wire (libmemcached refuses it): the first publish always counts.
        guard listed != published || version == 0 else { return nil }
        version = max(version + 1, versionFloor)
        published = listed
        return payload
    }
}
