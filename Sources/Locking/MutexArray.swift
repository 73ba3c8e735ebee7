#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fixed number of pthread mutexes in one allocation, addressed by index: the engine's hash-table
/// stripes, its per-class LRU and slab locks, and (with one element) every `Lock`.
///
/// A pthread mutex must never move once initialised, and Swift promises no fixed address for a
/// stored property passed with `&` (it may hand a temporary copy to C). So the mutexes live in
/// memory allocated for them here and are only ever passed by that pointer.
///
/// Raw memory, not an object: locking costs no reference counting, and `lock`/`unlock`/`tryLock`
/// inline into the caller as one pthread call and a check of what it returned. The owner calls
/// `destroy()` once, when no thread can reach the mutexes any more.
public struct MutexArray: @unchecked Sendable {
    @usableFromInline let mutexes: UnsafeMutablePointer<pthread_mutex_t>
    public let count: Int

    public init(count: Int) {
        precondition(count > 0, "a MutexArray needs at least one mutex")
        self.count = count
        mutexes = .allocate(capacity: count)
        for index in 0..<count {
            (mutexes + index).initialize(to: pthread_mutex_t())
            let result = pthread_mutex_init(mutexes + index, nil)
            precondition(result == 0, "pthread_mutex_init failed")
        }
    }

    /// Destroys and frees every mutex; none may be held or used again.
    public func destroy() {
        for index in 0..<count {
            let result = pthread_mutex_destroy(mutexes + index)
            precondition(result == 0, "pthread_mutex_destroy failed (a mutex still held?)")
        }
        mutexes.deinitialize(count: count)
        mutexes.deallocate()
    }

    @inlinable @inline(__always)
    public func lock(_ index: Int) {
        let result = pthread_mutex_lock(mutexes + index)
        precondition(result == 0, "pthread_mutex_lock failed")
    }

    @inlinable @inline(__always)
    public func unlock(_ index: Int) {
        let result = pthread_mutex_unlock(mutexes + index)
        precondition(result == 0, "pthread_mutex_unlock failed")
    }

    /// For the rare paths that take locks against the usual order: they never block.
    /// False when another thread holds the mutex.
    @inlinable @inline(__always)
    public func tryLock(_ index: Int) -> Bool {
        let result = pthread_mutex_trylock(mutexes + index)
        precondition(result == 0 || result == EBUSY, "pthread_mutex_trylock failed")
        return result == 0
    }

    /// The mutex itself, for a condition variable's wait.
    @usableFromInline
    func pointer(_ index: Int) -> UnsafeMutablePointer<pthread_mutex_t> { mutexes + index }
}
