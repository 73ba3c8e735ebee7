/// One pthread mutex at a stable address (see `MutexArray`), for state guarded by hand: `withLock {}`
/// around the critical section, or `lock()`/`unlock()` where it spans more than one scope.
///
/// Why not `Synchronization.Mutex`: on Linux it is built on raw futexes, which ThreadSanitizer does not
/// understand, so every access under it is reported as a race and real races would drown in the noise.
/// A pthread mutex is intercepted by TSan, and uncontended it costs the same.
public final class Lock: @unchecked Sendable {
    @usableFromInline let mutex = MutexArray(count: 1)

    public init() {}

    deinit { mutex.destroy() }

    @inlinable
    public func lock() { mutex.lock(0) }

    @inlinable
    public func unlock() { mutex.unlock(0) }

    /// False when another thread holds the lock; never blocks.
    @inlinable
    public func tryLock() -> Bool { mutex.tryLock(0) }

    /// Runs `body` with the lock held.
    @inlinable
    public func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        lock()
        defer { unlock() }
        return try body()
    }
}
