import Locking

/// What the listener hands a worker.
enum Handoff {
    /// An accepted, non-blocking socket the worker now owns; `tls`: accepted on a TLS listener.
    case connection(fd: Int32, isUnixSocket: Bool, tls: Bool)
    /// Close every connection and leave the event loop.
    case stop
    /// The listener's once-a-second tick: time out connections, take back idle buffers. Sent from
    /// the listener so that a worker's event_base holds no timer: with one, libevent works out the
    /// next timeout on every loop iteration (about 24 instructions per request at pipeline 1).
    case sweep
    /// `stats conns` asked on another worker: answer the gatherings in `Worker.snapshotRequests`.
    case describeConnections
    /// Bytes wait in the output feed of the connection on this socket (a `watch`): send them.
    case feedOutput(fd: Int32)
}

/// The only channel from other threads to one worker: a lock-protected array of handoffs plus a
/// `WakeSignal` that the worker's event_base watches. The listener (and, for `stats conns`, another
/// worker) appends and notifies; the worker
/// clears the signal and swaps the whole array out under the lock, so the lock is held only for an
/// append or a swap.
final class HandoffQueue: @unchecked Sendable {
    private let lock = Lock()
    private var pending: [Handoff] = []
    let wakeSignal: WakeSignal

    init() throws {
        wakeSignal = try WakeSignal()
        pending.reserveCapacity(64)
    }

    /// Sender side (any thread): queue one handoff and wake the worker.
    func push(_ handoff: Handoff) {
        lock.withLock { pending.append(handoff) }
        wakeSignal.notify()
    }

    /// Worker side: clears the wake-up, then swaps the queued handoffs into `batch` (which must be
    /// empty). The two arrays trade storage, so neither side allocates once both have grown.
    /// Clearing before taking the batch means a push racing with us leaves a wake-up behind.
    func drain(into batch: inout [Handoff]) {
        wakeSignal.clear()
        lock.withLock { swap(&pending, &batch) }
    }
}
