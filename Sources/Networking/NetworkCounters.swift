import Atomics

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
}

/// One thread's network counters (a worker's, or the listener's). Only the owning thread writes
/// them (a relaxed load and store, no read-modify-write, so no bus lock); any thread may read them.
/// Whoever wires the server creates one per thread and reads them for its statistics.
public final class NetworkCounters: @unchecked Sendable {
    @usableFromInline let slots: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>

    public init() {
        slots = .allocate(capacity: NetworkCounter.allCases.count)
        slots.initialize(repeating: UnsafeAtomic<UInt64>.Storage(0), count: NetworkCounter.allCases.count)
    }

    deinit {
        slots.deinitialize(count: NetworkCounter.allCases.count)
        slots.deallocate()
    }

    /// Adds to a counter; must be called only from the thread that owns this block.
    @inlinable
    public func add(_ counter: NetworkCounter, _ amount: UInt64 = 1) {
        let slot = UnsafeAtomic<UInt64>(at: slots + counter.rawValue)
        slot.store(slot.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }

    @inlinable
    public func value(_ counter: NetworkCounter) -> UInt64 {
        UnsafeAtomic<UInt64>(at: slots + counter.rawValue).load(ordering: .relaxed)
    }
}
