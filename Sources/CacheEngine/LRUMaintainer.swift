import Atomics

/// memcached's LRU maintainer thread for the segmented LRU: it juggles each slab class's segments
/// (hot and warm tails to cold or warm, active cold tails back to warm, expired temp items out) and
/// backs off per class when there is nothing to do, exactly as memcached's loop does: a class that
/// moved nothing waits 1 ms, then 1/8 longer each idle round, up to 1 s; a class that moved items
/// halves its wait. The thread sleeps until the soonest class is due.
final class LRUMaintainer: @unchecked Sendable {
    static let minimumSleep: UInt32 = 1_000       // microseconds (MIN_LRU_MAINTAINER_SLEEP)
    static let maximumSleep: UInt32 = 1_000_000   // microseconds (MAX_LRU_MAINTAINER_SLEEP)

    private unowned let engine: CacheEngine
    private var thread: BackgroundThread?
    // Owned by the maintainer thread alone.
    private var nextJuggle: [UInt32]
    private var backoff: [UInt32]
    private var toSleep = LRUMaintainer.minimumSleep

    /// Rounds of the loop (lru_maintainer_juggles).
    let juggles = ManagedAtomic<UInt64>(0)

    init(engine: CacheEngine, classCount: Int) {
        self.engine = engine
        nextJuggle = Array(repeating: 0, count: classCount)
        backoff = Array(repeating: 0, count: classCount)
    }

    func start() {
        let thread = BackgroundThread(name: "lru-maintainer", firstInterval: Double(LRUMaintainer.minimumSleep) / 1e6) { [unowned self] in
            round()
        }
        self.thread = thread
        thread.start()
    }

    func stop() {
        thread?.stop()
        thread = nil
    }

    /// One pass over the classes that are due; returns the seconds until the next one is.
    private func round() -> Double {
        juggles.wrappingIncrement(ordering: .relaxed)
        // What we just slept (a sleep below 1 ms counts as 1 ms, as in memcached).
        let slept = max(toSleep, LRUMaintainer.minimumSleep)
        toSleep = LRUMaintainer.maximumSleep
        for classID in 1..<nextJuggle.count {
            nextJuggle[classID] = nextJuggle[classID] > slept ? nextJuggle[classID] - slept : 0
            if nextJuggle[classID] == 0 {
                adjustBackoff(classID, moved: engine.juggleSegments(classID) > 0)
                nextJuggle[classID] = backoff[classID]
            }
            toSleep = min(toSleep, nextJuggle[classID])
        }
        // memcached may not sleep at all while a class keeps moving items; 1 ms here keeps the
        // thread from spinning on a small machine (each juggle already moves up to 500 items).
        return Double(max(toSleep, LRUMaintainer.minimumSleep)) / 1e6
    }

    private func adjustBackoff(_ classID: Int, moved: Bool) {
        if !moved {
            let grown = backoff[classID] == 0 ? LRUMaintainer.minimumSleep : backoff[classID] + backoff[classID] / 8
            backoff[classID] = min(grown, LRUMaintainer.maximumSleep)
        } else if backoff[classID] > 0 {
            backoff[classID] /= 2
            if backoff[classID] < LRUMaintainer.minimumSleep { backoff[classID] = 0 }
        }
    }
}
