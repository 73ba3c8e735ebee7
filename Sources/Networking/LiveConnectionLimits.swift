/// The connection limits that may change while the server runs (a configuration reload): read by
/// the listener at each accept (`maxConnections`) and by each worker at its once-a-second sweep
/// (`requestsPerEvent`, `idleTimeout`), so a change is seen within a second and costs the request
/// path nothing. RequestHandling's `LiveSettings` is the real one; without it the values given at
/// start hold (`FixedConnectionLimits`).
public protocol LiveConnectionLimits: AnyObject, Sendable {
    /// Connections beyond this are refused at accept.
    var maxConnections: Int { get }
    /// Requests served from one connection per event before yielding.
    var requestsPerEvent: Int { get }
    /// Seconds without a complete command before a client is closed; 0 never.
    var idleTimeout: Int { get }
}

/// The limits of `NetworkSettings`, for a server whose limits never change.
public final class FixedConnectionLimits: LiveConnectionLimits {
    public let maxConnections: Int
    public let requestsPerEvent: Int
    public let idleTimeout: Int

    public init(_ settings: NetworkSettings) {
        maxConnections = settings.maxConnections
        requestsPerEvent = max(1, settings.requestsPerEvent)
        idleTimeout = max(0, settings.idleTimeout)
    }
}
