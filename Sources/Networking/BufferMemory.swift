import Atomics
import Locking

/// What all workers' buffer pools hold, for `stats` (`read_buf_count`, `read_buf_bytes`,
/// `read_buf_bytes_free`, `read_buf_oom`) and for `-o read_buf_mem_limit` (0: no limit).
/// The totals change only when a block is allocated or freed (rare: pools keep free blocks); the
/// free bytes change on every lend and return, so each pool keeps its own gauge, written only by
/// its worker, and `figures` adds them up: a request writes no line other workers write.
public final class BufferMemory: @unchecked Sendable {
    public let limit: Int
    private let bytes = ManagedAtomic<Int>(0)
    private let blocks = ManagedAtomic<Int>(0)
    private let outOfMemory = ManagedAtomic<UInt64>(0)
    /// One gauge per pool (free bytes it keeps); the list changes only as workers start.
    private let freeGauges = Locked<[ManagedAtomic<Int>]>([])

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

    /// `count` blocks are gone (freed by their pool or by the buffer that held them).
    public func release(blocks count: Int, blockSize: Int) {
        guard count > 0 else { return }
        bytes.wrappingDecrement(by: count * blockSize, ordering: .relaxed)
        blocks.wrappingDecrement(by: count, ordering: .relaxed)
    }

    /// A gauge for one pool's free bytes, counted in `figures` from now on.
    func makeFreeGauge() -> ManagedAtomic<Int> {
        let gauge = ManagedAtomic<Int>(0)
        freeGauges.withLock { $0.append(gauge) }
        return gauge
    }

    public var figures: (count: Int, bytes: Int, freeBytes: Int, outOfMemory: UInt64) {
        let free = freeGauges.withLock { gauges in gauges.reduce(0) { $0 + $1.load(ordering: .relaxed) } }
        return (blocks.load(ordering: .relaxed), bytes.load(ordering: .relaxed), free, outOfMemory.load(ordering: .relaxed))
    }
}
