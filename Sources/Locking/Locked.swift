#if canImport(Glibc)
import Glibc
#endif

/// A value behind a pthread mutex, used like the standard library's `Mutex`: `withLock { $0 … }`.
///
/// Why not `Synchronization.Mutex`: on Linux it is built on raw futexes, which ThreadSanitizer does not
/// understand, so every access under it is reported as a race and real races would drown in the noise.
/// A pthread mutex is intercepted by TSan, and uncontended it costs the same.
public final class Locked<State: ~Copyable>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var state: State

    public init(_ initial: consuming State) {
        state = initial
        pthread_mutex_init(&mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(&mutex)
    }

    /// Runs `body` with exclusive access to the state.
    public func withLock<Result, Failure: Error>(_ body: (inout State) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body(&state)
    }
}
