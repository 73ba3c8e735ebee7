/// One node's probe history with hysteresis. A node never probed is `unknown` and the first probe
/// decides (so a fresh endpoint lists live nodes after one round); after that a listed node is dropped
/// only after `failuresToDrop` failures in a row and re-listed after `successesToAdd` successes in a
/// row. Flap damping is not here but in `FlapDamper`, which outlives the node's candidacy.
public struct NodeHealth: Sendable, Equatable {
    public enum Status: Sendable, Equatable { case unknown, up, down }

    public private(set) var status: Status = .unknown
    private var streak = 0

    public init() {}

    public var isUp: Bool { status == .up }

    /// Records one conclusive probe; returns true when the status changed.
    @discardableResult
    public mutating func record(success: Bool, settings: ProbeSettings) -> Bool {
        switch (status, success) {
        case (.unknown, true):
            status = .up
        case (.unknown, false):
            status = .down
        case (.up, true), (.down, false):
            streak = 0
            return false
        case (.up, false):
            streak += 1
            guard streak >= settings.failuresToDrop else { return false }
            status = .down
        case (.down, true):
            streak += 1
            guard streak >= settings.successesToAdd else { return false }
            status = .up
        }
        streak = 0
        return true
    }
}
