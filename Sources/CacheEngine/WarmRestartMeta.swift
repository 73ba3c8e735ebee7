/// What a graceful stop (SIGUSR1) saves beside the memory file (`PATH.meta`) so that the next start
/// can take the items back: the settings that shape the file, the clock, the CAS counter, the flush
/// horizon, which slab class owns each page handed out, and where each eviction queue starts.
/// Everything else (hash table, free lists, counts) is rebuilt from the items (WarmRestart.swift).
///
/// The file is text, one `name value…` per line, in a fixed order and ending with `end`, so a
/// truncated or edited file is refused whole. Nothing in it is trusted: every number is checked
/// here against the running layout, and every reference is checked again by the memory walk.
struct WarmRestartMeta: Equatable {
    /// Names the item layout too (Item.swift): a file from another layout is refused before its
    /// memory is read. 2: optional CAS / flags / chain after a 28-byte fixed header.
    static let formatLine = "swiftcached-restart 2"

    /// One eviction queue of one slab class, as it stood at the stop.
    struct Queue: Equatable {
        var classID: Int
        var queue: Int
        /// The item at the head (most recent); the walk follows `lruNext` to the tail.
        var head: UInt32
        var count: Int
    }

    /// The settings a restart must find unchanged, by name (`RestartSettings`).
    var settings: [RestartSettings.Entry]
    /// Unix time of relative second 0 (`CacheClock.processStarted`).
    var processStarted: Int64
    /// Relative seconds at the stop.
    var now: UInt32
    var casCounter: UInt64
    /// flush_all's horizons (0: none).
    var oldestLive: UInt32
    var oldestCAS: UInt64
    /// The class of each page handed out, in page order.
    var owners: [UInt8]
    var queues: [Queue]

    /// The file's text.
    func encoded() -> String {
        var lines = [WarmRestartMeta.formatLine]
        for entry in settings { lines.append("setting \(entry.name) \(entry.value)") }
        lines.append("process_started \(processStarted)")
        lines.append("now \(now)")
        lines.append("cas \(casCounter)")
        lines.append("oldest_live \(oldestLive)")
        lines.append("oldest_cas \(oldestCAS)")
        lines.append("pages " + (owners.isEmpty ? "-" : owners.map(String.init).joined(separator: ",")))
        for queue in queues { lines.append("queue \(queue.classID) \(queue.queue) \(queue.head) \(queue.count)") }
        lines.append("end")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The limits a meta file is checked against: those of the arena and the classes running now.
struct RestartLimits {
    /// Pages the arena can hand out (`ArenaLayout.totalPages`).
    let totalPages: Int
    let largestClass: Int
    /// Queues per class (`LRUQueue`'s four).
    let queuesPerClass: Int

    /// The longest meta file that can be valid: a page-owner table as large as the arena (a class
    /// id of at most two digits and a comma a page) and a line for every queue, with room for the
    /// settings.
    var fileSizeLimit: Int { 3 * totalPages + 64 * (largestClass + 1) * queuesPerClass + 16_384 }
}
