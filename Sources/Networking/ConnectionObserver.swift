/// Told of every connection a worker opens and closes (memcached's `connevents` watch stream), on
/// that worker's thread; never per request.
public protocol ConnectionObserver: AnyObject, Sendable {
    func connectionOpened(_ connection: ConnectionInfo)
    /// Called as the connection starts closing, while its socket still names its peer.
    func connectionClosing(_ connection: ConnectionInfo, reason: ConnectionCloseReason)
}

/// Why a connection closed.
public enum ConnectionCloseReason: Sendable {
    /// The client ended it, or the session asked for it.
    case normal
    /// A read or write failed.
    case error
    /// The worker's sweep timed it out (`idle_timeout`, an incomplete request, a slow handshake).
    case idleTimeout
    /// The server is stopping.
    case shutdown
}
