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
///
/// Locks that every worker takes for a moment on its request path (the engine's) ask for
/// `.contended`: each mutex gets a cache line of its own, so that two workers taking neighbouring
/// mutexes do not steal the line from each other, and (glibc) it spins briefly before it sleeps,
/// because their critical sections last less than the two system calls a sleep and a wake-up cost.
public struct MutexArray: @unchecked Sendable {
    public enum Layout {
        /// Packed, 40 bytes each; a waiter sleeps at once.
        case compact
        /// One 64-byte line each; a waiter spins a little before it sleeps.
        case contended
    }

    static let cacheLine = 64

    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let stride: Int
    public let count: Int

    public init(count: Int, layout: Layout = .compact) {
        precondition(count > 0, "a MutexArray needs at least one mutex")
        self.count = count
        let size = MemoryLayout<pthread_mutex_t>.stride
        stride = layout == .contended ? (size + Self.cacheLine - 1) / Self.cacheLine * Self.cacheLine : size
        base = .allocate(byteCount: count * stride, alignment: layout == .contended ? Self.cacheLine : 16)
        var attributes = pthread_mutexattr_t()
        precondition(pthread_mutexattr_init(&attributes) == 0, "pthread_mutexattr_init failed")
        defer { pthread_mutexattr_destroy(&attributes) }
        #if canImport(Glibc)
        if layout == .contended {
            precondition(pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP)) == 0,
                         "pthread_mutexattr_settype failed")
        }
        #endif
        for index in 0..<count {
            let mutex = pointer(index)
            mutex.initialize(to: pthread_mutex_t())
            precondition(pthread_mutex_init(mutex, &attributes) == 0, "pthread_mutex_init failed")
        }
    }

    /// Destroys and frees every mutex; none may be held or used again.
    public func destroy() {
        for index in 0..<count {
            let result = pthread_mutex_destroy(pointer(index))
            precondition(result == 0, "pthread_mutex_destroy failed (a mutex still held?)")
            pointer(index).deinitialize(count: 1)
        }
        base.deallocate()
    }

    @inlinable @inline(__always)
    public func lock(_ index: Int) {
        let result = pthread_mutex_lock(pointer(index))
        precondition(result == 0, "pthread_mutex_lock failed")
    }

    @inlinable @inline(__always)
    public func unlock(_ index: Int) {
        let result = pthread_mutex_unlock(pointer(index))
        precondition(result == 0, "pthread_mutex_unlock failed")
    }

    /// For the rare paths that take locks against the usual order: they never block.
    /// False when another thread holds the mutex.
    @inlinable @inline(__always)
    public func tryLock(_ index: Int) -> Bool {
        let result = pthread_mutex_trylock(pointer(index))
        precondition(result == 0 || result == EBUSY, "pthread_mutex_trylock failed")
        return result == 0
    }

    /// The mutex itself (also for a condition variable's wait).
    @inlinable @inline(__always)
    func pointer(_ index: Int) -> UnsafeMutablePointer<pthread_mutex_t> {
        (base + index &* stride).assumingMemoryBound(to: pthread_mutex_t.self)
    }
}
