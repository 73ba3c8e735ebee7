import Locking

/// A loop on its own thread that runs a round until stopped, sleeping between rounds on a condition
/// variable that `wake()` signals. The engine's helpers (hash expander, LRU maintainer, LRU crawler,
/// slab rebalancer) use it; it needs no Foundation, so the server binary links none.
final class BackgroundThread: @unchecked Sendable {
    private let name: String
    /// Guards `stopping` and `wakeRequested`; the condition is waited on with it.
    private let lock = Lock()
    private let condition = ConditionVariable()
    private var stopping = false
    private var wakeRequested = false
    /// Only touched by `start` and `stop`, on the thread that owns the helper.
    private var thread: PosixThread?
    /// Seconds to sleep before the next round; only the thread itself changes it.
    private var interval: Double
    private let round: () -> Double?

    /// `round` runs after every wake-up or `interval` seconds of sleep.
    convenience init(name: String, interval: Double, round: @escaping () -> Void) {
        self.init(name: name, firstInterval: interval) { round(); return nil }
    }

    /// `round` runs after every wake-up or sleep, and returns how long the next sleep should be
    /// (nil keeps the current one): for loops that back off when idle, as the LRU maintainer does.
    init(name: String, firstInterval: Double, adaptiveRound: @escaping () -> Double?) {
        self.name = name
        self.interval = firstInterval
        self.round = adaptiveRound
    }

    /// The thread holds the helper until its loop ends.
    func start() {
        do {
            thread = try PosixThread(name: name) { [self] in run() }
        } catch {
            fatalError("swiftcached: cannot start the \(name) thread: \(error)")
        }
    }

    /// Asks for a round soon.
    func wake() {
        lock.withLock {
            wakeRequested = true
            condition.signal()
        }
    }

    /// Ends the loop and waits for the thread.
    func stop() {
        lock.withLock {
            stopping = true
            condition.signal()
        }
        thread?.join()
        thread = nil
    }

    var isStopping: Bool {
        lock.withLock { stopping }
    }

    private func run() {
        while sleepUntilWanted() {
            if let next = round() { interval = next }
        }
    }

    /// Sleeps until woken or `interval` passes; false when stopping.
    private func sleepUntilWanted() -> Bool {
        lock.withLock {
            if !wakeRequested && !stopping {
                condition.wait(on: lock, seconds: interval)
            }
            wakeRequested = false
            return !stopping
        }
    }
}
