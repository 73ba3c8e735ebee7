import Atomics

/// What all workers' buffer pools hold, for `stats` (`read_buf_count`, `read_buf_bytes`,
/// `read_buf_bytes_free`, `read_buf_oom`) and for `-o read_buf_mem_limit` (0: no limit).
public final class BufferMemory: @unchecked Sendable {
    public let limit: Int
    private let bytes = ManagedAtomic<Int>(0)
    private let freeBytes = ManagedAtomic<Int>(0)
    private let blocks = ManagedAtomic<Int>(0)
    private let outOfMemory = ManagedAtomic<UInt64>(0)

    public init(limit: Int) { self.limit = limit }

    /// Counts a new block if the limit allows it; counts a refusal otherwise.
    public func reserve(_ size: Int) -> Bool {
        let total = bytes.wrappingIncrementThenLoad(by: size, ordering: .relaxed)
        if limit > 0 && total > limit {
            bytes.wrappingDecrement(by: size, ordering: .relaxed)
            outOfMemory.wrappingIncrement(ordering: .relaxed)
            return false
        }
        blocks.wrappingIncrement(ordering: .relaxed)
        return true
    }

    public func noteReused(_ size: Int) { freeBytes.wrappingDecrement(by: size, ordering: .relaxed) }
    public func noteFreed(_ size: Int) { freeBytes.wrappingIncrement(by: size, ordering: .relaxed) }

    /// `count` blocks are gone, `free` of them from a free list.
    public func release(blocks count: Int, blockSize: Int, free: Int) {
        guard count > 0 else { return }
        bytes.wrappingDecrement(by: count * blockSize, ordering: .relaxed)
        blocks.wrappingDecrement(by: count, ordering: .relaxed)
        freeBytes.wrappingDecrement(by: free * blockSize, ordering: .relaxed)
    }

    public var figures: (count: Int, bytes: Int, freeBytes: Int, outOfMemory: UInt64) {
        (blocks.load(ordering: .relaxed), bytes.load(ordering: .relaxed), freeBytes.load(ordering: .relaxed),
         outOfMemory.load(ordering: .relaxed))
    }
}
