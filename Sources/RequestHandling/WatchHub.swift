import Atomics
import CacheEngine
import Locking
import MemcacheProtocol
import OutputBuffers
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The server's `watch` connections (at most `watcherLimit`, memcached's WATCHER_LIMIT) and the
/// streams any of them wants. Producers test `switch` first, one relaxed load, and format a line only
/// when someone watches its stream; `publish` then stamps it (`ts=… gid=…`) and offers it to each
/// matching watcher. The list is behind its own lock, taken only by producers of a watched stream
/// and by `watch` / a watcher's close.
public final class WatchHub: @unchecked Sendable {
    /// memcached 1.6.18 allows 20 watchers; the 21st gets `WATCHER_TOO_MANY`.
    public static let watcherLimit = 20

    /// What the request path reads: the union of every watcher's streams.
    public struct Switch: @unchecked Sendable {
        fileprivate let mask: UnsafeAtomic<UInt8>

        @inline(__always)
        public func isOn(_ streams: WatchStreams) -> Bool {
            mask.load(ordering: .relaxed) & streams.rawValue != 0
        }
    }

    public let `switch`: Switch
    /// `-o watcher_logbuf_size`: each watcher's ring.
    let bufferSize: Int
    /// The watchers and the line counts of `stats` (lock order: this, then a watcher's own lock).
    private struct Registry {
        var watchers: [LogWatcher] = []
        /// Lines producers formatted for at least one watcher.
        var written: UInt64 = 0
        /// Sent and skipped lines of watchers that have gone.
        var retired = WatchLineCounts()
        /// What `stats reset` subtracts.
        var writtenAtReset: UInt64 = 0
        var linesAtReset = WatchLineCounts()

        var lineCounts: WatchLineCounts { watchers.reduce(retired) { $0 + $1.lineCounts } }
    }
    private let registry = Locked(Registry())
    /// memcached's global log line id: lines from several threads can be put back in order with it.
    private let nextGID = ManagedAtomic<UInt64>(1)

    /// The engine's eviction hook, switched on while someone watches evictions.
    private let evictions: EvictionWatch?

    public init(bufferSize: Int, evictions: EvictionWatch? = nil) {
        self.bufferSize = bufferSize
        self.evictions = evictions
        `switch` = Switch(mask: .create(0))
    }

    deinit { `switch`.mask.destroy() }

    /// A new watcher for these streams, or nil when `watcherLimit` are already registered.
    func register(_ streams: WatchStreams) -> LogWatcher? {
        let watcher = LogWatcher(streams: streams, bufferSize: bufferSize)
        return registry.withLock { registry in
            guard registry.watchers.count < Self.watcherLimit else { return nil }
            registry.watchers.append(watcher)
            refreshMask(registry.watchers)
            return watcher
        }
    }

    /// The watcher's connection closed.
    func remove(_ watcher: LogWatcher) {
        registry.withLock { registry in
            guard registry.watchers.contains(where: { $0 === watcher }) else { return }
            registry.retired = registry.retired + watcher.lineCounts
            registry.watchers.removeAll { $0 === watcher }
            refreshMask(registry.watchers)
        }
    }

    public var watcherCount: Int { registry.withLock { $0.watchers.count } }

    /// memcached's log_* figures since start or the last `stats reset`.
    public var figures: WatchFigures {
        registry.withLock { registry in
            let lines = registry.lineCounts - registry.linesAtReset
            return WatchFigures(written: registry.written &- registry.writtenAtReset, sent: lines.sent,
                                skipped: lines.skipped, watchers: registry.watchers.count)
        }
    }

    /// `stats reset`: the line counts start again from zero (watchers stay).
    func resetFigures() {
        registry.withLock { registry in
            registry.writtenAtReset = registry.written
            registry.linesAtReset = registry.lineCounts
        }
    }

    private func refreshMask(_ list: [LogWatcher]) {
        let mask = list.reduce(WatchStreams()) { $0.union($1.streams) }
        `switch`.mask.store(mask.rawValue, ordering: .relaxed)
        evictions?.switchOn(mask.contains(.evictions))
    }

    /// One line for `stream`: `ts=<sec>.<usec> gid=<n> ` + what `body` writes + `\n`, offered to each
    /// watcher of the stream. Called only after `switch.isOn(stream)` said yes.
    public func publish(_ stream: WatchStreams, _ body: (inout OutputBuffer) -> Void) {
        let targets = registry.withLock { registry in
            let targets = registry.watchers.filter { $0.streams.contains(stream) }
            if !targets.isEmpty { registry.written &+= 1 }
            return targets
        }
        guard !targets.isEmpty else { return }
        var line = OutputBuffer(capacity: 256)
        defer { line.deallocate() }
        stamp(into: &line)
        body(&line)
        line.append(byte: UInt8(ascii: "\n"))
        for watcher in targets { watcher.offer(line.readableBytes) }
    }

    /// `ts=` is wall-clock seconds and microseconds, the latter not zero-padded (memcached prints `%d`).
    private func stamp(into line: inout OutputBuffer) {
        var now = timeval()
        gettimeofday(&now, nil)
        line.append("ts=")
        line.appendDecimal(Int64(now.tv_sec))
        line.append(byte: UInt8(ascii: "."))
        line.appendDecimal(Int64(now.tv_usec))
        line.append(" gid=")
        line.appendDecimal(nextGID.loadThenWrappingIncrement(ordering: .relaxed))
        line.append(byte: UInt8(ascii: " "))
    }
}
