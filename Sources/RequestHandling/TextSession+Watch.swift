import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// `watch [streams]`: memcached 1.6.18's `process_watch_command`. The connection becomes a watcher:
/// it is answered `OK` and from then on receives only log lines (`WatchHub`), its input ignored,
/// until it closes. Which commands log what: WatchHub+Commands.swift. Differences from memcached
/// (README): a refused store's line has `clsid=0` and the real `cfd=` (memcached's shows the
/// descriptor as clsid and 0 as cfd); an item flushed by `flush_all` reads `status=flushed` where
/// memcached, which unlinks flushed items at once, says `not_found`.
extension TextSession {
    func watch(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        _ = takeNoreply(in: bytes)
        guard context.server.settings.admin.watchEnabled else {
            return reply(AdminReply.watchNotAllowed, into: &output)
        }
        guard output.isEmpty else { return reply(WatchReply.pipelined, into: &output) }
        guard let streams = requestedStreams(in: bytes) else { return reply(ResponseLine.error, into: &output) }
        stopWatching()  // a caller that kept feeding a watcher (a fuzzer) must not leak its registration
        guard let watcher = watchHub.register(streams) else { return reply(WatchReply.tooMany, into: &output) }
        self.watcher = watcher
        output.append(ResponseLine.ok)
        closeRequested = true  // ends the request loop; `process` reports the switch to watching
    }

    /// The streams named after `watch` (none named: fetchers); nil if one is unknown.
    private func requestedStreams(in bytes: UnsafeRawBufferPointer) -> WatchStreams? {
        guard tokens.count > 1 else { return .fetchers }
        var streams = WatchStreams()
        var words = tokens.words(from: 1)
        while let span = words.next(in: bytes) {
            guard let named = WatchStreams.named(bytes[span: span]) else { return nil }
            streams.formUnion(named)
        }
        return streams
    }

    /// The network layer names the connection's socket for the lines' `cfd=`.
    public func attach(descriptor: Int32) { self.descriptor = descriptor }

    /// The network layer's view of the watcher: its pending lines.
    public var watchFeed: LogWatcher? { watcher }

    /// The connection closed: a watcher stops receiving lines.
    func stopWatching() {
        guard let watcher else { return }
        watchHub.remove(watcher)
        self.watcher = nil
    }

    /// `fetchers`: one key of a get. A hit's class and size are looked up again here, so the get's
    /// own lookup carries nothing for watchers.
    func logFetch(_ key: UnsafeRawBufferPointer, _ result: LookupResult) {
        let shape = result == .hit ? engine.storedShape(of: key) : nil
        watchHub.itemFetched(key, result, slabClass: shape?.slabClass ?? 0, descriptor: descriptor, size: shape?.size ?? 0)
    }

    /// `fetchers`: the lookup a command is about to make (touch, incr, decr, delete, meta).
    func logLookup(_ key: UnsafeRawBufferPointer) {
        watchHub.logLookup(key, in: engine, descriptor: descriptor)
    }

    /// `fetchers` and `mutations`: commits a text store, logging its lookup and its outcome. Kept out
    /// of line so the store path it branches from stays as small as it was (its inliner's choices).
    @inline(never)
    func commitLogged(_ pending: PendingItem, _ mode: StoreMode, _ compareCAS: UInt64) -> (result: StoreResult, comparedClass: Int) {
        watchHub.commitLogged(pending, mode, in: engine, descriptor: descriptor,
                              commit: { engine.commit(pending, mode: mode, compareCAS: compareCAS) }, result: { $0.result })
    }

    /// `mutations`: a store refused before its value arrived (no item: class, ttl and size 0).
    func logRefusedStore(_ key: UnsafeRawBufferPointer, _ result: StoreResult, _ mode: StoreMode) {
        watchHub.itemStored(key, result, command: mode, ttl: 0, slabClass: 0, descriptor: descriptor, size: 0)
    }
}

enum WatchReply {
    static let pipelined: StaticString = "ERROR cannot pipeline other commands before watch\r\n"
    static let tooMany: StaticString = "WATCHER_TOO_MANY log watcher limit reached\r\n"
}
