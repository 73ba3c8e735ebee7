#if canImport(Glibc)
import Glibc
#endif

/// A pthread that runs a loop body until stopped, sleeping between rounds on a condition variable
/// that `wake()` signals. The engine's helpers (hash expander, and the maintainers that follow)
/// use it; it needs no Foundation, so the server binary links none.
final class BackgroundThread: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var stopping = false
    private var wakeRequested = false
    private var thread: pthread_t?
    /// Seconds to sleep before the next round; only the thread itself changes it.
    private var interval: Double
    private let round: () -> Double?

    /// `round` runs after every wake-up or `interval` seconds of sleep.
    convenience init(interval: Double, round: @escaping () -> Void) {
        self.init(firstInterval: interval) { round(); return nil }
    }

    /// `round` runs after every wake-up or sleep, and returns how long the next sleep should be
    /// (nil keeps the current one): for loops that back off when idle, as the LRU maintainer does.
    init(firstInterval: Double, adaptiveRound: @escaping () -> Double?) {
        self.interval = firstInterval
        self.round = adaptiveRound
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        var handle = pthread_t()
        let created = pthread_create(&handle, nil, { context in
            let thread = Unmanaged<BackgroundThread>.fromOpaque(context!).takeRetainedValue()
            thread.run()
            return nil
        }, context)
        precondition(created == 0, "cannot start an engine thread")
        thread = handle
    }

    /// Asks for a round soon.
    func wake() {
        pthread_mutex_lock(&mutex)
        wakeRequested = true
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// Ends the loop and waits for the thread.
    func stop() {
        pthread_mutex_lock(&mutex)
        stopping = true
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    var isStopping: Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return stopping
    }

    private func run() {
        while sleepUntilWanted() {
            if let next = round() { interval = next }
        }
    }

    /// Sleeps until woken or `interval` passes; false when stopping.
    private func sleepUntilWanted() -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if !wakeRequested && !stopping {
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let nanoseconds = Int(interval * 1e9) + deadline.tv_nsec
            deadline.tv_sec += nanoseconds / 1_000_000_000
            deadline.tv_nsec = nanoseconds % 1_000_000_000
            pthread_cond_timedwait(&condition, &mutex, &deadline)
        }
        wakeRequested = false
        return !stopping
    }
}
