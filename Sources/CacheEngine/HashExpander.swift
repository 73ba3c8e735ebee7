/// Grows the hash table when items outnumber buckets by 3:2, moving buckets one at a time so no
/// worker waits for the whole resize. Runs on its own background thread.
final class HashExpander: @unchecked Sendable {
    private let table: HashTable
    private let itemCount: () -> Int
    private var thread: BackgroundThread?

    init(table: HashTable, itemCount: @escaping () -> Int) {
        self.table = table
        self.itemCount = itemCount
    }

    func start() {
        let thread = BackgroundThread(name: "hash-expander", interval: 1) { [unowned self] in growWhileCrowded() }
        self.thread = thread
        thread.start()
    }

    /// Asks for a check soon (called as item counts cross thresholds).
    func poke() { thread?.wake() }

    func stop() {
        thread?.stop()
        thread = nil
    }

    private var isStopping: Bool { thread?.isStopping ?? true }

    private func growWhileCrowded() {
        while !isStopping, itemCount() > (1 << table.sizeFigures().power) * 3 / 2 {
            table.beginExpansion()
            while table.migrateNextBucket() {
                if isStopping { return }  // the table is torn down half-grown; destroy() frees both
            }
            table.finishExpansion()
        }
    }
}
