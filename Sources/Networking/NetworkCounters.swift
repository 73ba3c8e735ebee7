/// What the network layer counts, one figure per case. The layer above reports them under its own
/// names (RequestHandling's `Counter` maps onto these for `stats`).
public enum NetworkCounter: Int, CaseIterable, Sendable {
    case bytesRead, bytesWritten
    /// Connections a worker adopted, and those it closed.
    case connectionsOpened, connectionsClosed
    /// Refused at accept for going past the connection limit.
    case rejectedConnections
    /// Connections closed at accept, and datagrams dropped, for coming from outside the allowlist.
    case rejectedByAllowlist
    /// Serving a connection stopped at the request limit to let the others have a turn.
    case connYields
    /// Connections the sweep timed out.
    case idleKicks
    /// TLS handshakes that failed or were abandoned, and full handshakes that put a new session in
    /// the server's cache.
    case sslHandshakeErrors, sslNewSessions
    /// Response buffers lent to connections and taken back (what is lent now is the difference: a
    /// gauge kept as two counters, each written by one thread only; every block is
    /// `BufferPool.standardBlockSize` bytes).
    case responseBuffersLent, responseBuffersReturned
}

/// One thread's network counters (a worker's, or the listener's), written only by that thread and
/// readable from any (`CounterSlots`). Whoever wires the server creates one per thread and reads
/// them for its statistics.
public final class NetworkCounters: @unchecked Sendable {
    @usableFromInline let slots = CounterSlots(count: NetworkCounter.allCases.count)

    public init() {}

    deinit { slots.deallocate() }

    /// Adds to a counter; must be called only from the thread that owns this block.
    @inlinable
    public func add(_ counter: NetworkCounter, _ amount: UInt64 = 1) {
        slots.add(counter.rawValue, amount)
    }

    @inlinable
    public func value(_ counter: NetworkCounter) -> UInt64 {
        slots.value(counter.rawValue)
    }
}
