import Foundation

/// The background thread that grows the hash table when items outnumber buckets by 3:2, moving
/// buckets one at a time so no worker waits for the whole resize.
final class HashExpander: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopping = false
    private var wakeRequested = false
    private let finished = DispatchSemaphore(value: 0)
    private let table: HashTable
    private let itemCount: () -> Int

    init(table: HashTable, itemCount: @escaping () -> Int) {
        self.table = table
        self.itemCount = itemCount
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "hash-expander"
        thread.start()
    }

    /// Asks for a check soon (called as item counts cross thresholds).
    func poke() {
        condition.lock()
        wakeRequested = true
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
        finished.wait()
    }

    private func run() {
        while waitForWork() {
            while !isStopping, itemCount() > table.bucketCountForGrowthCheck * 3 / 2 {
                table.beginExpansion()
                while !isStopping, table.migrateNextBucket() {}
                table.finishExpansion()
            }
        }
        finished.signal()
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// Sleeps until poked or a second passes; false when stopping.
    private func waitForWork() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if !wakeRequested && !stopping {
            _ = condition.wait(until: Date(timeIntervalSinceNow: 1))
        }
        wakeRequested = false
        return !stopping
    }
}

extension HashTable {
    /// Bucket count read under a stripe (it changes only while all stripes are held).
    var bucketCountForGrowthCheck: Int { 1 << sizeFigures().power }
}
