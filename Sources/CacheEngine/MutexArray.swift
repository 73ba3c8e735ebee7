#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of pthread mutexes in one allocation, addressed by index. Used for the hash table's
/// lock stripes and the per-slab-class LRU and free-list locks. Raw memory so that locking costs no
/// Swift reference counting.
@usableFromInline
struct MutexArray {
    @usableFromInline let mutexes: UnsafeMutablePointer<pthread_mutex_t>
    let count: Int

    init(count: Int) {
        self.count = count
        mutexes = .allocate(capacity: count)
        for index in 0..<count {
            pthread_mutex_init(mutexes + index, nil)
        }
    }

    func destroy() {
        for index in 0..<count {
            pthread_mutex_destroy(mutexes + index)
        }
        mutexes.deallocate()
    }

    @inline(__always) @usableFromInline
    func lock(_ index: Int) {
        pthread_mutex_lock(mutexes + index)
    }

    @inline(__always) @usableFromInline
    func unlock(_ index: Int) {
        pthread_mutex_unlock(mutexes + index)
    }

    /// For the rare paths that take locks against the usual order: never block there.
    @inline(__always)
    func tryLock(_ index: Int) -> Bool {
        pthread_mutex_trylock(mutexes + index) == 0
    }
}
