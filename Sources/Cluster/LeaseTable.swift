/// Nodes that registered themselves (`swiftcached --cluster-endpoint … --advertise …`), each until its
/// lease runs out unless a heartbeat renews it. Keyed by identity (host and port), so a node that
/// re-registers with a new ip replaces its old entry.
public struct LeaseTable: Sendable {
    /// Registrations beyond this many distinct nodes are refused: a storm of made-up nodes cannot
    /// grow the table (or the probe rounds) without bound.
    public static let capacity = 1024
    public static let maxLeaseSeconds = 3600.0

    private var leases: [String: (node: ClusterNode, expiry: Double)] = [:]

    public init() {}

    public enum RegistrationError: Error, Equatable { case tableFull, badLease }

    public mutating func register(_ node: ClusterNode, leaseSeconds: Double, now: Double) throws {
        guard leaseSeconds > 0, leaseSeconds <= Self.maxLeaseSeconds else { throw RegistrationError.badLease }
        guard leases[node.identity] != nil || leases.count < Self.capacity else { throw RegistrationError.tableFull }
        leases[node.identity] = (node, now + leaseSeconds)
    }

    /// Returns true when the node held a lease.
    @discardableResult
    public mutating func remove(_ node: ClusterNode) -> Bool {
        leases.removeValue(forKey: node.identity) != nil
    }

    public mutating func expire(now: Double) {
        leases = leases.filter { $0.value.expiry > now }
    }

    public var nodes: [ClusterNode] { leases.values.map(\.node) }
}
