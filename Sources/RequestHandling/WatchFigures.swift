/// Lines offered to watchers: taken into a watcher's buffer (sent) or dropped for want of room there
/// (skipped), memcached's log_watcher_sent / log_watcher_skipped.
struct WatchLineCounts {
    var sent: UInt64 = 0
    var skipped: UInt64 = 0

    static func + (lhs: WatchLineCounts, rhs: WatchLineCounts) -> WatchLineCounts {
        WatchLineCounts(sent: lhs.sent &+ rhs.sent, skipped: lhs.skipped &+ rhs.skipped)
    }

    static func - (lhs: WatchLineCounts, rhs: WatchLineCounts) -> WatchLineCounts {
        WatchLineCounts(sent: lhs.sent &- rhs.sent, skipped: lhs.skipped &- rhs.skipped)
    }
}

/// What `stats` prints of `watch`: memcached's log_* lines.
public struct WatchFigures: Sendable {
    /// Lines producers wrote (log_worker_written): one per event someone watched.
    public var written: UInt64
    public var sent: UInt64
    public var skipped: UInt64
    /// Watchers connected now (log_watchers).
    public var watchers: Int
}
