/// One watcher's pending log bytes: a fixed-size ring (`-o watcher_logbuf_size`) of whole lines.
/// A line that does not fit is dropped and counted; before the next line that fits, the ring gets
/// memcached's `skipped=N` line, so the reader learns how many it lost. Not thread-safe: `LogWatcher`
/// holds it under its lock.
final class WatchRing {
    private let storage: UnsafeMutableRawBufferPointer
    private var head = 0
    private(set) var count = 0
    /// Lines dropped since the last `skipped=` line.
    private(set) var skipped: UInt64 = 0
    /// Lines stored and lines dropped since the ring was made (log_watcher_sent / log_watcher_skipped).
    private(set) var linesStored: UInt64 = 0
    private(set) var linesDropped: UInt64 = 0
    /// memcached asks for a line's length plus this much before it writes one, room for a `skipped=` line.
    static let skipLineRoom = 128

    init(capacity: Int) {
        storage = .allocate(byteCount: max(capacity, 1), alignment: 1)
    }

    deinit { storage.deallocate() }

    var capacity: Int { storage.count }
    var isEmpty: Bool { count == 0 }

    /// Adds `line` whole, preceded by the `skipped=N` line when lines were dropped; drops it (and
    /// counts it) when the ring lacks room for it plus `skipLineRoom`, as memcached does. True if stored.
    @discardableResult
    func offer(_ line: UnsafeRawBufferPointer) -> Bool {
        guard capacity - count >= line.count + Self.skipLineRoom else {
            skipped += 1
            linesDropped += 1
            return false
        }
        if skipped > 0 {
            let notice = Array("skipped=\(skipped)\n".utf8)
            notice.withUnsafeBytes { write($0) }
            skipped = 0
        }
        write(line)
        linesStored += 1
        return true
    }

    /// Appends bytes the caller made room for.
    private func write(_ bytes: UnsafeRawBufferPointer) {
        var tail = (head + count) % capacity
        var from = 0
        while from < bytes.count {
            let piece = min(bytes.count - from, capacity - tail)
            storage.baseAddress!.advanced(by: tail).copyMemory(from: bytes.baseAddress!.advanced(by: from), byteCount: piece)
            from += piece
            tail = (tail + piece) % capacity
        }
        count += bytes.count
    }

    /// Hands at most `limit` of the oldest bytes to `body` (one contiguous piece: call again for the
    /// rest after a wrap) and forgets those `body` says it took.
    func take(upTo limit: Int, _ body: (UnsafeRawBufferPointer) -> Int) {
        let piece = min(count, limit, capacity - head)
        guard piece > 0 else { return }
        let taken = body(UnsafeRawBufferPointer(start: storage.baseAddress!.advanced(by: head), count: piece))
        head = (head + taken) % capacity
        count -= taken
    }
}
