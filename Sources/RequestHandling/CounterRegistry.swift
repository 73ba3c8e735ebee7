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

    /// The per-class counters summed over all threads since the last reset (`stats slabs`, `stats
    /// items`' hits_to_*), for `body` only: it runs under the registry's lock (a leaf but for the
    /// engine's statistics locks, which `stats items` takes inside it; nothing takes this lock while
    /// holding one of those). Each figure is summed when asked, so only the printed ones are read.
    public func withClassTotals<R>(_ body: (ClassTotals) -> R) -> R {
        state.withLock { state in body(ClassTotals(blocks: state.blocks, baseline: state.classBaseline)) }
    }

    public func reset() {
        state.withLock { state in
            for counter in Counter.allCases where counter.isResettable {
                state.baseline[counter.rawValue] = state.rawTotal(counter)
            }
            let totals = ClassTotals(blocks: state.blocks, baseline: [])
            state.classBaseline = (0..<ClassCounter.slotCount).map { totals.value(atSlot: $0) }
        }
    }
}
