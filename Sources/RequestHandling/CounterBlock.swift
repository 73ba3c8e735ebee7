import Networking

/// One thread's counters, written only by that thread and readable from any for `stats`
/// (`CounterSlots`).
///
/// What the network layer counts (bytes, connections, yields, TLS handshakes) lives in `network`,
/// which this thread's `Server.WorkerSetup` hands to Networking; reading or adding one of those
/// counters here goes there.
public final class CounterBlock: @unchecked Sendable {
    @usableFromInline let slots = CounterSlots(count: Counter.allCases.count)
    /// The same thread's network counters.
    public let network = NetworkCounters()

    public init() {}

    deinit { slots.deallocate() }

    /// Adds to a counter; must be called only from the thread that owns this block. Always inlined:
    /// callers name a constant counter, so the network-or-session choice folds away.
    @inlinable @inline(__always)
    public func add(_ counter: Counter, _ amount: UInt64 = 1) {
        if let networkCounter = counter.networkCounter { return network.add(networkCounter, amount) }
        slots.add(counter.rawValue, amount)
    }

    @inlinable
    public func value(_ counter: Counter) -> UInt64 {
        if let networkCounter = counter.networkCounter { return network.value(networkCounter) }
        return slots.value(counter.rawValue)
    }
}
