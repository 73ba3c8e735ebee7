import Atomics
import Locking
#if canImport(Glibc)
import Glibc
#endif

/// The LRU crawler (memcached's `lru_crawler`): a background thread that walks slab classes and
/// unlinks expired and flushed items, so their memory comes back without waiting for a read or for
/// an allocation to find them at a queue's tail.
///
/// It crawls the classes named by `lru_crawler crawl`, and on its own, once a second, the classes
/// whose time has come in the `AutoCrawlSchedule`. The walk itself is `CacheEngine.crawlClass`.
/// One crawl or metadump runs at a time (memcached's BUSY otherwise): a metadump runs on the
/// asking worker's thread, but claims the crawler the same way, since both use the queues' cursors.
final class LRUCrawler: @unchecked Sendable {
    private enum Activity { case idle, crawling, dumping }

    /// memcached's `crawls_persleep`: the crawler sleeps `sleepMicroseconds` after this many items.
    static let itemsPerSleep = 1000

    private unowned let engine: CacheEngine
    /// Guards `thread`, `activity` and `pending`.
    private let lock = Lock()
    /// Serialises enable/disable, which may wait for the thread to end (taken before `lock`).
    private let controlLock = Lock()
    private var thread: BackgroundThread?
    private var activity = Activity.idle
    private var pending: SlabClassMask?
    private let stopping = ManagedAtomic<Bool>(false)
    /// Crawler thread only.
    private var schedule: AutoCrawlSchedule
    private var itemsSinceSleep = 0

    let sleepMicroseconds: ManagedAtomic<UInt32>
    let toCrawl: ManagedAtomic<UInt32>
    /// lru_crawler_running, lru_crawler_starts.
    let running = ManagedAtomic<Bool>(false)
    let starts = ManagedAtomic<UInt32>(0)

    init(engine: CacheEngine, classCount: Int, sleepMicroseconds: UInt32, toCrawl: UInt32) {
        self.engine = engine
        schedule = AutoCrawlSchedule(classCount: classCount)
        self.sleepMicroseconds = ManagedAtomic(sleepMicroseconds)
        self.toCrawl = ManagedAtomic(toCrawl)
    }

    var isEnabled: Bool { lock.withLock { thread != nil } }

    /// Starts the thread; false when it already runs.
    func enable() -> Bool {
        controlLock.lock()
        defer { controlLock.unlock() }
        guard !isEnabled else { return false }
        stopping.store(false, ordering: .relaxed)
        let thread = BackgroundThread(name: "lru-crawler", interval: 1) { [unowned self] in round() }
        lock.withLock { self.thread = thread }
        thread.start()
        return true
    }

    /// Stops the thread, waiting for it to leave its current batch. A crawl it had not finished is
    /// abandoned; a metadump running on a worker is not affected.
    func disable() {
        controlLock.lock()
        defer { controlLock.unlock() }
        guard let thread = lock.withLock({ self.thread }) else { return }
        stopping.store(true, ordering: .relaxed)
        thread.stop()
        lock.withLock {
            self.thread = nil
            pending = nil
            if activity == .crawling { finish() }
        }
    }

    /// Queues a crawl of the given classes for the thread.
    func request(classes: SlabClassMask) -> CrawlerStart {
        let start = lock.withLock { () -> (CrawlerStart, BackgroundThread?) in
            guard let thread else { return (.disabled, nil) }
            guard activity == .idle else { return (.busy, nil) }
            begin(.crawling)
            pending = classes
            return (.started, thread)
        }
        start.1?.wake()
        return start.0
    }

    func beginDump() -> CrawlerStart {
        lock.withLock {
            guard thread != nil else { return .disabled }
            guard activity == .idle else { return .busy }
            begin(.dumping)
            return .started
        }
    }

    func endDump() { lock.withLock { finish() } }

    // MARK: The thread

    private func round() {
        if let classes = lock.withLock({ () -> SlabClassMask? in defer { pending = nil }; return pending }) {
            crawl(classes, automatic: false)
        } else {
            crawlDueClasses()
        }
    }

    private func crawlDueClasses() {
        let due = schedule.dueClasses(now: engine.clock.now)
        guard due != 0 else { return }
        let claimed = lock.withLock { () -> Bool in
            guard activity == .idle else { return false }
            begin(.crawling)
            return true
        }
        if claimed { crawl(due, automatic: true) }
    }

    private func crawl(_ classes: SlabClassMask, automatic: Bool) {
        defer { lock.withLock { if activity == .crawling { finish() } } }
        let limit = Int(toCrawl.load(ordering: .relaxed))
        for classID in 1..<engine.lrus.classCount where classes.contains(classID) {
            if stopping.load(ordering: .relaxed) { return }
            let tally = engine.crawlClass(classID, limit: limit, reclaiming: true, pace: pace, visit: { _ in })
            if automatic { schedule.record(tally, classID: classID, now: engine.clock.now) }
        }
    }

    /// Between batches: sleeps as `lru_crawler sleep` asks; false once the thread is stopping.
    private func pace(_ examined: Int) -> Bool {
        itemsSinceSleep += examined
        if itemsSinceSleep >= LRUCrawler.itemsPerSleep {
            itemsSinceSleep = 0
            let sleep = sleepMicroseconds.load(ordering: .relaxed)
            if sleep > 0 { usleep(sleep) }
        }
        return !stopping.load(ordering: .relaxed)
    }

    // MARK: State (callers hold `lock`)

    private func begin(_ next: Activity) {
        activity = next
        running.store(true, ordering: .relaxed)
        starts.wrappingIncrement(ordering: .relaxed)
    }

    private func finish() {
        activity = .idle
        running.store(false, ordering: .relaxed)
    }
}
