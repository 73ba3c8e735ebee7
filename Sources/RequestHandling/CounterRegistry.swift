import Foundation

/// All threads' counter blocks; sums them for `stats`. `stats reset` records a baseline instead of
/// writing to blocks other threads own.
public final class CounterRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var blocks: [CounterBlock] = []
    private var baseline = [UInt64](repeating: 0, count: Counter.allCases.count)

    public init() {}

    /// A new block for one thread (a worker, or the listener for rejected connections).
    public func makeBlock() -> CounterBlock {
        let block = CounterBlock()
        lock.lock()
        blocks.append(block)
        lock.unlock()
        return block
    }

    private func rawTotal(_ counter: Counter) -> UInt64 {
        blocks.reduce(0) { $0 &+ $1.value(counter) }
    }

    /// The sum over all threads since the last reset.
    public func total(_ counter: Counter) -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return rawTotal(counter) &- baseline[counter.rawValue]
    }

    public func reset() {
        lock.lock()
        defer { lock.unlock() }
        for counter in Counter.allCases where counter.isResettable {
            baseline[counter.rawValue] = rawTotal(counter)
        }
    }
}
