/// A value behind a `Lock`, used like the standard library's `Mutex`: `withLock { $0 … }`. The state
/// can only be reached inside `withLock`, so it is never touched without the lock.
public final class Locked<State: ~Copyable>: @unchecked Sendable {
    private let lock = Lock()
    private var state: State

    public init(_ initial: consuming State) {
        state = initial
    }

    /// Runs `body` with exclusive access to the state.
    public func withLock<Result, Failure: Error>(_ body: (inout State) throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}
