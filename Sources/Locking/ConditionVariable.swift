#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread condition variable at a stable address, waited on with a `Lock` held. Timed waits run on
/// CLOCK_MONOTONIC where the platform allows it, so a wall-clock jump neither cuts a sleep short nor
/// stretches it.
public final class ConditionVariable: @unchecked Sendable {
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    #if canImport(Glibc)
    private static let clock = CLOCK_MONOTONIC
    #else
    private static let clock = CLOCK_REALTIME  // Darwin's condition variables only wait on the wall clock
    #endif

    public init() {
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        check(pthread_condattr_init(&attributes), "pthread_condattr_init")
        #if canImport(Glibc)
        check(pthread_condattr_setclock(&attributes, ConditionVariable.clock), "pthread_condattr_setclock")
        #endif
        check(pthread_cond_init(condition, &attributes), "pthread_cond_init")
        check(pthread_condattr_destroy(&attributes), "pthread_condattr_destroy")
    }

    deinit {
        check(pthread_cond_destroy(condition), "pthread_cond_destroy")
        condition.deinitialize(count: 1)
        condition.deallocate()
    }

    /// Wakes one waiter. Callers hold the lock the waiters wait with, so no wake-up falls between a
    /// waiter's check and its wait.
    public func signal() {
        check(pthread_cond_signal(condition), "pthread_cond_signal")
    }

    /// Releases `lock` (which the caller holds) until signalled or `seconds` have passed, then takes
    /// it again. A wait may also end early for no reason: callers re-check what they wait for.
    public func wait(on lock: Lock, seconds: Double) {
        var deadline = timespec()
        check(clock_gettime(ConditionVariable.clock, &deadline), "clock_gettime")
        let nanoseconds = Int(seconds * 1e9) + deadline.tv_nsec
        deadline.tv_sec += nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        let result = pthread_cond_timedwait(condition, lock.mutex.pointer(0), &deadline)
        precondition(result == 0 || result == ETIMEDOUT, "pthread_cond_timedwait failed")
    }

    private func check(_ result: Int32, _ call: StaticString) {
        precondition(result == 0, "\(call) failed")
    }
}
