/// The endpoint's whole view of the cluster, without any I/O: where nodes come from (the static list
/// — cluster file or `config set` — and the leases of self-registered nodes), each node's probe
/// health, flap damping, and what is published with which version.
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
    private var damper: FlapDamper
    /// `config set cluster` may ask for a version above ours; the next publish honours it.
    private var versionFloor: UInt64 = 0

    /// Probe results that said nothing about the node (the endpoint's own resource failures).
    public private(set) var inconclusiveProbes = 0
    /// Changes not published because the version reached `ClusterVersion.maximum`.
    public private(set) var versionExhaustedChanges = 0

    /// `version` and `published` come from the state file (0 and [] the first time).
    public init(version: UInt64, published: [ClusterNode], settings: ProbeSettings) {
        self.version = version
        self.published = published.sorted()
        self.settings = settings
        damper = FlapDamper(maxEntries: settings.maxRisesPerWindow, window: settings.dampingWindow)
    }

    public var payload: ConfigPayload { ConfigPayload(version: version, nodes: published) }

    public mutating func setStaticNodes(_ nodes: [ClusterNode]) {
        staticNodes = nodes
    }

    /// An operator's `config set cluster`: the list replaces the static list (until the cluster
    /// file changes again), and its version is a floor for the next one. A version more than
    /// `ClusterVersion.maxOperatorStep` above the current one is refused, list and all.
    public mutating func setByOperator(_ payload: ConfigPayload) throws {
        try ClusterVersion.checkOperatorVersion(payload.version, current: version)
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

    /// Nodes holding a lease now (self-registered).
    public var registeredCount: Int { leases.nodes.count }

    /// What the probes say of `node` now (`unknown` before a conclusive probe, or for a non-candidate).
    public func status(of node: ClusterNode) -> NodeHealth.Status {
        health[node]?.status ?? .unknown
    }

    /// Candidates with no conclusive probe yet (new, or back with a new ip): probed at once, not at
    /// the next round.
    public var unprobedCandidates: [ClusterNode] {
        candidates.filter { (health[$0]?.status ?? .unknown) == .unknown }
    }

    public mutating func expireLeases(now: Double) {
        leases.expire(now: now)
    }

    /// Applies probe results (for candidates only) and forgets the health of former candidates
    /// (their flap damping stays in the damper). An inconclusive result changes nothing.
    public mutating func recordProbes(_ results: [ClusterNode: ProbeOutcome], now: Double) {
        let current = Set(candidates)
        health = health.filter { current.contains($0.key) }
        for (node, outcome) in results where current.contains(node) {
            switch outcome {
            case .inconclusive: inconclusiveProbes += 1
            case .up, .down: health[node, default: NodeHealth()].record(success: outcome == .up, settings: settings)
            }
        }
    }

    /// Recomputes the listed nodes. Returns the new payload when the list changed (the version then
    /// rose by exactly one, or to the operator's floor), nil when nothing changed — or when the
    /// version has reached `ClusterVersion.maximum`, where serving a new list under an old version
    /// would be worse than keeping the old list.
    public mutating func publish(now: Double) -> ConfigPayload? {
        damper.prune(at: now)
        let listed = listedNodes(at: now)
        // Version 0 is not valid on the wire (libmemcached refuses it): the first publish always
        // counts — but not as an empty list while candidates wait for a conclusive probe (probes
        // that could not run must not announce a cluster with no nodes).
        guard listed != published || version == 0 else { return nil }
        guard version > 0 || !listed.isEmpty || unprobedCandidates.isEmpty else { return nil }
        guard let next = ClusterVersion.next(after: version, floor: versionFloor) else {
            versionExhaustedChanges += 1
            return nil
        }
        let before = Set(published)
        for node in listed where !before.contains(node) { damper.recordEntry(node.identity, at: now) }
        version = next
        published = listed
        return payload
    }

    /// Candidates that are up, plus published candidates with no conclusive probe yet (only
    /// evidence drops a node: a restart, or probes that could not run, must not empty the list),
    /// minus newcomers that flap damping holds out.
    private func listedNodes(at now: Double) -> [ClusterNode] {
        let before = Set(published)
        return candidates.filter { node in
            guard before.contains(node) else {
                return health[node]?.isUp == true && damper.mayEnter(node.identity, at: now)
            }
            return (health[node]?.status ?? .unknown) != .down
        }
    }
}
