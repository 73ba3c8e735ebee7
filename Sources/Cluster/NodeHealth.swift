/// One node's probe history with hysteresis. A node never probed is `unknown` and the first probe
/// decides (so a fresh endpoint lists live nodes after one round); after that a listed node is dropped
/// only after `failuresToDrop` failures in a row and re-listed after `successesToAdd` successes in a
/// row, and flap damping may hold a recovered node out for a while.
public struct NodeHealth: Sendable, Equatable {
    public enum Status: Sendable, Equatable { case unknown, up, down }

    public private(set) var status: Status = .unknown
    private var streak = 0
    /// Times (seconds) at which the node went from down to up, within the damping window.
    private var rises: [Double] = []

    public init() {}

    public var isUp: Bool { status == .up }

    /// Records one probe; returns true when the status changed.
    @discardableResult
    public mutating func record(success: Bool, at now: Double, settings: ProbeSettings) -> Bool {
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
            guard streak >= settings.successesToAdd, !isDamped(at: now, settings: settings) else { return false }
            rises.append(now)
            status = .up
        }
        streak = 0
        return true
    }

    /// True while the node has come back `maxRisesPerWindow` times within the window.
    private mutating func isDamped(at now: Double, settings: ProbeSettings) -> Bool {
        rises.removeAll { now - $0 >= settings.dampingWindow }
        return rises.count >= settings.maxRisesPerWindow
    }
}
