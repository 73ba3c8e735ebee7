import Atomics
import Networking

/// One thread's counters. Only the owning thread writes them (a relaxed load and store, no
/// read-modify-write, so no bus lock); any thread may read them for `stats`. Being atomic keeps the
/// cross-thread reads well defined (and ThreadSanitizer quiet) at the cost of plain moves on x86.
///
/// What the network layer counts (bytes, connections, yields, TLS handshakes) lives in `network`,
/// which this thread's `Server.WorkerSetup` hands to Networking; reading or adding one of those
/// counters here goes there.
public final class CounterBlock: @unchecked Sendable {
    @usableFromInline let slots: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>
    /// The same thread's network counters.
    public let network = NetworkCounters()

    public init() {
        slots = .allocate(capacity: Counter.allCases.count)
        slots.initialize(repeating: UnsafeAtomic<UInt64>.Storage(0), count: Counter.allCases.count)
    }

    deinit {
        slots.deinitialize(count: Counter.allCases.count)
        slots.deallocate()
    }

    /// Adds to a counter; must be called only from the thread that owns this block.
    @inlinable
    public func add(_ counter: Counter, _ amount: UInt64 = 1) {
        if let networkCounter = counter.networkCounter { return network.add(networkCounter, amount) }
        let slot = UnsafeAtomic<UInt64>(at: slots + counter.rawValue)
        slot.store(slot.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }

    @inlinable
    public func value(_ counter: Counter) -> UInt64 {
        if let networkCounter = counter.networkCounter { return network.value(networkCounter) }
        return UnsafeAtomic<UInt64>(at: slots + counter.rawValue).load(ordering: .relaxed)
    }
}
