/// How the endpoint decides that a node is up: probe timing and the hysteresis that keeps a flapping
/// node from changing the list (and the version) on every probe.
public struct ProbeSettings: Sendable, Equatable {
    /// Seconds between probe rounds.
    public var interval: Double = 1.0
    /// Seconds one probe may take (connect + `version` + answer).
    public var timeout: Double = 0.5
    /// Consecutive failed probes before a listed node is dropped.
    public var failuresToDrop = 3
    /// Consecutive good probes before a dropped node is listed again.
    public var successesToAdd = 2
    /// Flap damping: a node may come back at most `maxRisesPerWindow` times within `dampingWindow`
    /// seconds; after that it stays out until the window has passed.
    public var maxRisesPerWindow = 3
    public var dampingWindow: Double = 60
    /// Probes in flight at once (each holds one descriptor). A round over N candidates takes at
    /// most ceil(N / window) × `timeout` seconds.
    public var concurrency = 128

    public init() {}

    /// The probes in flight at once: `concurrency`, but never more than a quarter of the
    /// descriptor limit, so probing cannot take the descriptors client connections need.
    public func probeWindow(descriptorLimit: Int) -> Int {
        max(1, min(concurrency, descriptorLimit / 4))
    }

    /// Longest time from a node dying to its removal from the list (probes answered at once, e.g.
    /// refused connections, take less): `failuresToDrop` rounds plus one round of phase, each probe
    /// possibly timing out.
    public var worstCaseDetectionSeconds: Double {
        Double(failuresToDrop + 1) * interval + Double(failuresToDrop) * timeout
    }
}
