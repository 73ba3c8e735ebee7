import Locking

/// One `watch` connection as the producers see it: the streams it asked for and its ring of pending
/// lines. Producers (any worker, the engine's eviction hook) `offer` lines under the lock; the
/// watcher's own worker `take`s them out into the connection's output. The first line into an empty
/// ring calls `wake` (set by the network layer), so a busy stream costs one hand-off per drain, not
/// one per line. Everything mutable is behind the one lock.
public final class LogWatcher: @unchecked Sendable {
    public let streams: WatchStreams
    private struct State {
        let ring: WatchRing
        /// The network layer's way to have the owning worker drain us; nil until attached, and after detach.
        var wake: (@Sendable () -> Void)?
        /// A wake was sent and the ring has not been emptied since: no need for another.
        var wakePending = false
    }
    private let state: Locked<State>

    init(streams: WatchStreams, bufferSize: Int) {
        self.streams = streams
        state = Locked(State(ring: WatchRing(capacity: bufferSize)))
    }

    /// Producer side: adds one line (or counts it as skipped when the ring is full).
    func offer(_ line: UnsafeRawBufferPointer) {
        let wake: (@Sendable () -> Void)? = state.withLock { state in
            state.ring.offer(line)
            guard !state.wakePending, !state.ring.isEmpty, let wake = state.wake else { return nil }
            state.wakePending = true
            return wake
        }
        wake?()  // outside the lock: the hand-off takes the worker queue's own lock
    }

    /// Lines this watcher's ring took and dropped so far (read under its lock, by `stats`).
    var lineCounts: WatchLineCounts {
        state.withLock { WatchLineCounts(sent: $0.ring.linesStored, skipped: $0.ring.linesDropped) }
    }

    /// Network side, on the owning worker: from now on a line arriving wakes it through `wake`.
    /// The caller drains right after, so lines offered before are not left waiting.
    public func attach(wake: @escaping @Sendable () -> Void) {
        state.withLock { state in
            state.wake = wake
            state.wakePending = true
        }
    }

    /// Network side: no more wake-ups (the connection is closing).
    public func detach() {
        state.withLock { $0.wake = nil }
    }

    /// Network side: passes at most `limit` pending bytes to `body`, which returns how many it took.
    /// When the ring is left empty the next offered line wakes the worker again.
    public func take(upTo limit: Int, _ body: (UnsafeRawBufferPointer) -> Int) {
        state.withLock { state in
            var left = limit
            while left > 0, !state.ring.isEmpty {
                var moved = 0
                state.ring.take(upTo: left) { piece in
                    moved = body(piece)
                    return moved
                }
                guard moved > 0 else { break }
                left -= moved
            }
            if state.ring.isEmpty { state.wakePending = false }
        }
    }
}
