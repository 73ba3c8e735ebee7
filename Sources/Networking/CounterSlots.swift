import Atomics

/// A fixed number of 64-bit counters in one allocation, written by one thread only (a relaxed load
/// and store, no read-modify-write, so no bus lock) and readable from any. Atomic so the cross-thread
/// reads are well defined (and ThreadSanitizer quiet), at the cost of plain moves on x86. A struct
/// held inline by its owner (`NetworkCounters`, RequestHandling's `CounterBlock`), so a count costs
/// no extra indirection; the owner calls `deallocate` in its deinit.
public struct CounterSlots: @unchecked Sendable {
    @usableFromInline let slots: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>
    public let count: Int

    public init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: UnsafeAtomic<UInt64>.Storage(0), count: count)
    }

    public func deallocate() {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    /// Must be called only from the owning thread.
    @inlinable
    public func add(_ index: Int, _ amount: UInt64) {
        let slot = UnsafeAtomic<UInt64>(at: slots + index)
        slot.store(slot.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }

    @inlinable
    public func value(_ index: Int) -> UInt64 {
        UnsafeAtomic<UInt64>(at: slots + index).load(ordering: .relaxed)
    }
}
