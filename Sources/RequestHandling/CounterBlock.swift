import Atomics

/// One thread's counters. Only the owning thread writes them (a relaxed load and store, no
/// read-modify-write, so no bus lock); any thread may read them for `stats`. Being atomic keeps the
/// cross-thread reads well defined (and ThreadSanitizer quiet) at the cost of plain moves on x86.
public final class CounterBlock: @unchecked Sendable {
    @usableFromInline let slots: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>

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
        let slot = UnsafeAtomic<UInt64>(at: slots + counter.rawValue)
        slot.store(slot.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }

    @inlinable
    public func value(_ counter: Counter) -> UInt64 {
        UnsafeAtomic<UInt64>(at: slots + counter.rawValue).load(ordering: .relaxed)
    }
}
