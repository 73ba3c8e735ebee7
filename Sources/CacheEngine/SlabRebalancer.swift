import Atomics
import Locking
#if canImport(Glibc)
import Glibc
#endif

/// Moves slab pages between classes, on its own thread, one page at a time: on request
/// (`slabs reassign`) or, with automove, from a class with spare memory to one that keeps evicting.
/// Class 0 is the global page pool (SlabArena.swift): a page moved there waits for whichever class
/// next needs one; a page moved out of it needs no evacuation.
///
/// A move evacuates the source's last page: its free chunks leave the free list at once; its linked
/// items are unlinked (evicted) by walking the source's queues with the LRU lock held and try-locking
/// each item's stripe; chunks that are in flight (a store waiting for its data, a chunk just taken for
/// reuse) are counted when they come back or are unlinked on a later pass. When every chunk of the page
/// is accounted for, the page joins the destination's free list. No chunk is ever reused while a
/// reader or writer can still reach it.
///
/// Beyond memcached: a class refused its first page because the pages allowed beyond the memory limit
/// are spent (FirstPageWaits.swift) is given one from the class with the most pages, whatever the
/// automove mode (it stands in for the page memcached would have handed out past `-m`); not with -M,
/// whose full cache refuses stores rather than evict.
final class SlabRebalancer: @unchecked Sendable {
    enum Request { case move(source: Int, destination: Int) }

    /// Automove: pages moved per second between the chosen pair, so a large shift settles in seconds.
    static let pagesPerRound = 4

    private unowned let engine: CacheEngine
    private var thread: BackgroundThread?
    /// Guards `pending`, `automoveMode` and `ratio` (the last two change at run time: `slabs automove`,
    /// a configuration reload).
    private let lock = Lock()
    private var pending: (source: Int, destination: Int)?
    private var automoveMode: Int
    private var ratio: Double
    /// Per class, for automove: evictions seen at the last round, and the evictions of each of the last
    /// `window.seconds` rounds.
    private var lastEvictions: [UInt64]
    private var window: EvictionWindow

    let running = ManagedAtomic<Bool>(false)
    let pagesMoved = ManagedAtomic<UInt64>(0)
    let itemsEvicted = ManagedAtomic<UInt64>(0)
    let busyItems = ManagedAtomic<UInt64>(0)
    let busyDeletes = ManagedAtomic<UInt64>(0)

    init(engine: CacheEngine, automove: Int, ageRatio: Double, windowSeconds: Int, classCount: Int) {
        self.engine = engine
        automoveMode = automove
        ratio = ageRatio
        lastEvictions = Array(repeating: 0, count: classCount)
        window = EvictionWindow(classCount: classCount, seconds: windowSeconds)
    }

    /// `stats reset`: the move counts start again (a move under way keeps running).
    func resetFigures() {
        for figure in [pagesMoved, itemsEvicted, busyItems, busyDeletes] { figure.store(0, ordering: .relaxed) }
    }

    func start() {
        let thread = BackgroundThread(name: "slab-rebalancer", interval: 1) { [unowned self] in round() }
        self.thread = thread
        thread.start()
    }

    func stop() {
        thread?.stop()
        thread = nil
    }

    var automove: Int {
        get { lock.withLock { automoveMode } }
        set { lock.withLock { automoveMode = newValue } }
    }

    /// `slab_automove_ratio`: how much younger than the oldest idle class's tail the evicting class's
    /// tail must be for automove 1 to take a page from it.
    var ageRatio: Double {
        get { lock.withLock { ratio } }
        set { lock.withLock { ratio = newValue } }
    }

    /// Whether a move is queued or running (`slabs reassign` answers BUSY before checking anything else).
    var isBusy: Bool {
        lock.withLock { pending != nil || running.load(ordering: .relaxed) }
    }

    /// Asks for a round now (a class waits for its first page).
    func wake() { thread?.wake() }

    /// Queues a move; false if one is already queued or running.
    func request(source: Int, destination: Int) -> Bool {
        let accepted = lock.withLock { () -> Bool in
            guard pending == nil, !running.load(ordering: .relaxed) else { return false }
            pending = (source, destination)
            return true
        }
        if accepted { thread?.wake() }
        return accepted
    }

    private func round() {
        let requested = lock.withLock { () -> (source: Int, destination: Int)? in
            // Running from the moment the request leaves the queue, so `isBusy` never reads false between.
            if pending != nil { running.store(true, ordering: .relaxed) }
            defer { pending = nil }
            return pending
        }
        if let requested {
            move(from: requested.source, to: requested.destination)
        } else if automove > 0, let choice = automoveChoice() {
            for _ in 0..<SlabRebalancer.pagesPerRound where engine.slabs.statistics(choice.source).totalPages >= 2 {
                move(from: choice.source, to: choice.destination)
            }
        }
        giveFirstPages()
    }

    /// A page for each class still waiting for its first one, from the class with the most pages.
    private func giveFirstPages() {
        guard !engine.slabs.firstPageWaits.isEmpty else { return }
        let waiting = engine.slabs.firstPageWaits.removeAll()
        guard engine.configuration.evictionsEnabled else { return }
        for classID in waiting where engine.slabs.statistics(classID).totalPages == 0 {
            let source = engine.busiestClass(except: classID)
            if source > 0 { move(from: source, to: classID) }
        }
    }

    private func move(from source: Int, to destination: Int) {
        running.store(true, ordering: .relaxed)
        defer { running.store(false, ordering: .relaxed) }
        if source == 0 {
            // A pool page holds no chunk of anyone's: it changes hands at once (memcached counts it
            // in `slabs_moved` like any other move).
            if engine.slabs.movePoolPage(to: destination) { pagesMoved.wrappingIncrement(ordering: .relaxed) }
            return
        }
        guard let page = engine.slabs.beginEvacuation(source) else { return }
        while !engine.slabs.isEvacuated(source) {
            let pass = engine.evictItems(in: page, classID: source)
            itemsEvicted.wrappingIncrement(by: UInt64(pass.evicted), ordering: .relaxed)
            busyItems.wrappingIncrement(by: UInt64(pass.busy), ordering: .relaxed)
            busyDeletes.wrappingIncrement(by: UInt64(pass.busyDeletes), ordering: .relaxed)
            if engine.slabs.isEvacuated(source) { break }
            if thread?.isStopping ?? true { return }  // shutting down: the engine is torn down anyway
            usleep(1000)  // chunks still in flight: a store waiting for its data, a chunk being reused
        }
        engine.slabs.movePage(from: source, to: destination)
        pagesMoved.wrappingIncrement(ordering: .relaxed)
    }

    /// The page goes to the evicting class (memcached's rule over `slab_automove_window` seconds: it
    /// evicted in more than half of them, or had more than a quarter of all evictions) that evicted most
    /// this last second. It comes from a class with at least two pages' worth of free chunks; failing
    /// that (automove 1, memcached's default, which weighs ages) from a class that did not evict this
    /// second and whose oldest item is oldest, when the destination's oldest item is younger than
    /// `slab_automove_ratio` times that — memory holding what nobody has used for longest — or
    /// (automove 2) from the class with the most pages among those not evicting.
    private func automoveChoice() -> (source: Int, destination: Int)? {
        let figures = engine.rebalancingFigures()
        let evicted = figures.enumerated().map { classID, figure -> UInt64 in
            defer { lastEvictions[classID] = figure.evictions }
            return classID == 0 ? 0 : figure.evictions &- lastEvictions[classID]
        }
        window.record(evicted)
        var destination: Int?
        var mostEvictions: UInt64 = 0
        for classID in 1..<figures.count where window.isEvicting(classID) && evicted[classID] > mostEvictions {
            destination = classID
            mostEvictions = evicted[classID]
        }
        guard let destination else { return nil }
        let candidates = figures.enumerated().filter { $0.offset > 0 && $0.offset != destination && $0.element.pages >= 2 }
        var source = candidates.filter { $0.element.freeChunks >= 2 * $0.element.chunksPerPage }
            .max { $0.element.freeChunks / $0.element.chunksPerPage < $1.element.freeChunks / $1.element.chunksPerPage }?.offset
        if source == nil {
            let idle = candidates.filter { evicted[$0.offset] == 0 }
            if automove == 2 {
                source = idle.max { $0.element.pages < $1.element.pages }?.offset
            } else if let oldest = idle.max(by: { $0.element.age < $1.element.age }),
                      Double(max(figures[destination].age, 1)) < Double(oldest.element.age) * ageRatio {
                source = oldest.offset
            }
        }
        guard let source else { return nil }
        return (source, destination)
    }
}
