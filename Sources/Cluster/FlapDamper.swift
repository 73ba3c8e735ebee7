/// Flap damping: a node (by identity, host and port) may enter the published list at most
/// `maxEntries` times within `window` seconds. Entering counts however it happens — first listing,
/// recovery after failed probes, re-registration after a deregistration, a new ip, a `config set`
/// that lists it again — and the history outlives the node's candidacy, so leaving and coming back
/// is damped like failing and recovering. Leaving is never damped (clients must not be sent to a
/// node that is gone), and a node can only leave once per entry (plus once), which bounds every
/// node's list changes to 2 × `maxEntries` + 1 per window.
///
/// Memory is bounded: histories older than the window are dropped, and at most `capacity`
/// identities are remembered. When that many nodes all entered within one window, further new
/// nodes are held out until room frees up, rather than forgetting a history and breaking the bound.
public struct FlapDamper: Sendable {
    public static let capacity = 65_536

    private let maxEntries: Int
    private let window: Double
    private let capacity: Int
    /// Entry times within the window, oldest first, per identity.
    private var entries: [String: [Double]] = [:]
    private var lastPrune = -Double.infinity

    public init(maxEntries: Int, window: Double, capacity: Int = FlapDamper.capacity) {
        self.maxEntries = maxEntries
        self.window = window
        self.capacity = capacity
    }

    /// Identities remembered (for tests and `stats`).
    public var count: Int { entries.count }

    /// True when `identity` may enter the list at `now` (nothing is recorded: see `recordEntry`).
    public func mayEnter(_ identity: String, at now: Double) -> Bool {
        guard let times = entries[identity] else { return entries.count < capacity }
        return times.filter { now - $0 < window }.count < maxEntries
    }

    /// Records that `identity` entered the published list at `now`.
    public mutating func recordEntry(_ identity: String, at now: Double) {
        var times = entries[identity, default: []].filter { now - $0 < window }
        times.append(now)
        entries[identity] = times
    }

    /// Forgets histories with no entry inside the window: they can no longer hold anyone out.
    /// Runs at most once a second, so a full table is not rescanned for every newcomer.
    public mutating func prune(at now: Double) {
        guard now - lastPrune >= 1 else { return }
        lastPrune = now
        entries = entries.filter { $0.value.contains { now - $0 < window } }
    }
}
