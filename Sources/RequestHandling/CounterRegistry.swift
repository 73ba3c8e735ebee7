import Locking

/// All threads' counter blocks; sums them for `stats`. `stats reset` records a baseline instead of
/// writing to blocks other threads own.
public final class CounterRegistry: @unchecked Sendable {
    private struct State {
        var blocks: [CounterBlock] = []
        /// The worker index of each block (nil: the listener's); same order as `blocks`.
        var workers: [Int?] = []
        var baseline = [UInt64](repeating: 0, count: Counter.allCases.count)
        /// The same for each per-class slot (`ClassCounter.slot`).
        var classBaseline = [UInt64](repeating: 0, count: ClassCounter.slotCount)

        func rawTotal(_ counter: Counter) -> UInt64 {
            blocks.reduce(0) { $0 &+ $1.value(counter) }
        }

        func rawClassTotals() -> [UInt64] {
            var totals = [UInt64](repeating: 0, count: ClassCounter.slotCount)
            for block in blocks {
                for slot in 0..<ClassCounter.slotCount { totals[slot] &+= block.classValue(atSlot: slot) }
            }
            return totals
        }
    }

    private let state = Locked(State())

    public init() {}

    /// A new block for one thread: worker `worker`, or (nil) the listener for rejected connections.
    public func makeBlock(worker: Int? = nil) -> CounterBlock {
        let block = CounterBlock()
        state.withLock {
            $0.blocks.append(block)
            $0.workers.append(worker)
        }
        return block
    }

    /// Each worker's own count of `counter` since start (no baseline: a per-worker figure such as
    /// open connections must not be shifted by `stats reset`), in worker order.
    public func perWorker(_ counter: Counter) -> [(worker: Int, value: UInt64)] {
        state.withLock { state in
            zip(state.workers, state.blocks).compactMap { worker, block in
                worker.map { ($0, block.value(counter)) }
            }.sorted { $0.worker < $1.worker }
        }
    }

    /// The sum over all threads since the last reset.
    public func total(_ counter: Counter) -> UInt64 {
        state.withLock { $0.rawTotal(counter) &- $0.baseline[counter.rawValue] }
    }

    /// Every per-class counter summed over all threads since the last reset (`stats slabs`,
    /// `stats items`' hits_to_*).
    public func classTotals() -> ClassTotals {
        state.withLock { state in
            var values = state.rawClassTotals()
            for slot in values.indices { values[slot] &-= state.classBaseline[slot] }
            return ClassTotals(values: values)
        }
    }

    public func reset() {
        state.withLock { state in
            for counter in Counter.allCases where counter.isResettable {
                state.baseline[counter.rawValue] = state.rawTotal(counter)
            }
            state.classBaseline = state.rawClassTotals()
        }
    }
}
