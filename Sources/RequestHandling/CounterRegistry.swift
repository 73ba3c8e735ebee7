import Locking

/// All threads' counter blocks; sums them for `stats`. `stats reset` records a baseline instead of
/// writing to blocks other threads own.
public final class CounterRegistry: @unchecked Sendable {
    private struct State {
        var blocks: [CounterBlock] = []
        var baseline = [UInt64](repeating: 0, count: Counter.allCases.count)

        func rawTotal(_ counter: Counter) -> UInt64 {
            blocks.reduce(0) { $0 &+ $1.value(counter) }
        }
    }

    private let state = Locked(State())

    public init() {}

    /// A new block for one thread (a worker, or the listener for rejected connections).
    public func makeBlock() -> CounterBlock {
        let block = CounterBlock()
        state.withLock { $0.blocks.append(block) }
        return block
    }

    /// The sum over all threads since the last reset.
    public func total(_ counter: Counter) -> UInt64 {
        state.withLock { $0.rawTotal(counter) &- $0.baseline[counter.rawValue] }
    }

    public func reset() {
        state.withLock { state in
            for counter in Counter.allCases where counter.isResettable {
                state.baseline[counter.rawValue] = state.rawTotal(counter)
            }
        }
    }
}
