import Locking

/// One `stats conns` gathering across workers. The asking worker leaves it in every other worker's
/// inbox (`Worker.snapshotRequests`) and wakes it through its hand-off queue; each adds its connections'
/// descriptions on its own thread (no other thread ever reads a connection) and counts itself done.
/// While it waits, the asker answers its own inbox, so two workers asking each other at once both
/// finish. The wait is bounded by `ConnectionSnapshot.waitLimit`: a worker stuck in a long request or
/// stopping costs the asker that long and leaves that worker's connections out, never a hang.
final class ConnectionSnapshot: @unchecked Sendable {
    /// How long the asking session may hold its worker waiting for the others.
    static let waitLimit = 1.0
    /// How often a waiting asker looks at its own inbox.
    static let pollInterval = 0.005

    private let lock = Lock()
    private let condition = ConditionVariable()
    private var outstanding: Int
    private var gathered: [ConnectionDescription] = []

    init(workers: Int) {
        outstanding = workers
    }

    /// On a worker thread: its part of the answer. A part that comes after the wait ended is dropped
    /// with the gathering.
    func add(_ descriptions: [ConnectionDescription]) {
        lock.withLock {
            gathered += descriptions
            outstanding -= 1
            if outstanding == 0 { condition.signal() }
        }
    }

    /// On the asking worker: what came in before every worker answered or the wait limit passed.
    /// `whileWaiting` runs on the asker's thread between short waits (it answers the asker's inbox).
    func collect(whileWaiting: () -> Void) -> [ConnectionDescription] {
        let deadline = monotonicTime() + ConnectionSnapshot.waitLimit
        while true {
            whileWaiting()
            let done: Bool = lock.withLock {
                if outstanding > 0 { condition.wait(on: lock, seconds: ConnectionSnapshot.pollInterval) }
                return outstanding == 0
            }
            if done || monotonicTime() >= deadline { break }
        }
        return lock.withLock { gathered }
    }
}
