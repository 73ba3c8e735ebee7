import CacheEngine
import MemcacheProtocol
import Networking
import OutputBuffers

/// The text protocol state of one connection: parses requests from raw bytes, runs them against the
/// engine and appends the responses. Knows nothing of sockets: the network layer feeds it bytes.
///
/// Between calls the session remembers only what memcached's connection state machine remembers:
/// whether it is waiting for a command line, receiving a value into a pending item, or throwing
/// away the data block of a refused store.
///
/// Deliberate differences from memcached 1.6.18 (everything else is meant to match byte for byte):
/// - keys with control bytes (< 0x21, 0x7F) are refused like over-long keys (memcached takes them);
/// - a get/gets line still without newline is dropped with the connection past 1 MB + 2048 bytes;
/// - a bad key in a multiget discards this command's VALUE lines only, not earlier answers that
///   memcached may still hold unsent;
/// - answers are handed to the network layer as soon as they exist (memcached holds them while it
///   waits for a data block), except a refused store's error, sent after its swallowed block;
/// - watch: see TextSession+Watch.swift; `stats cachedump` lists every queue of the class
///   (memcached: its COLD queue only) (slabs: TextSession+Slabs.swift;
///   lru_crawler: TextSession+LRUCrawler.swift; lru: TextSession+LRU.swift);
/// - meta commands: see TextSession+MetaGet.swift and the files beside it for their differences.
public final class TextSession {
    let context: WorkerContext
    let engine: CacheEngine
    let counters: CounterBlock
    /// `stats detail`'s per-prefix counts, recorded only while `detailSwitch.isOn`.
    let detail: PrefixStatistics
    let detailSwitch: PrefixStatistics.Switch
    /// The server's `watch` connections; lines are made only while `watchSwitch` says someone watches.
    let watchHub: WatchHub
    let watchSwitch: WatchHub.Switch
    /// The connection's socket as log lines name it (`cfd=`); the network layer tells us (`attach`).
    var descriptor: Int32 = -1
    /// Set once this connection has become a watcher: it then only receives log lines.
    var watcher: LogWatcher?
    /// How hit values go out: copied, or in place with the item pinned.
    let sending: ValueSending
    /// Reused for every line: parsing allocates nothing.
    let tokens = TokenTable()
    /// Buffers the meta commands reuse (decoded b keys, a pending ms's reply flags).
    let meta = MetaScratch()
    var state: InputState = .awaitingRequest
    /// The current command asked for `noreply`: its answer (and most of its errors) is not sent.
    var noreply = false
    /// Leading bytes of the unconsumed input already searched for a newline, so a long multiget
    /// line arriving in many pieces is not rescanned from its start every time.
    var searchedWithoutNewline = 0
    /// Set by a command that ends the connection (quit, an HTTP request line).
    var closeRequested = false
    /// The last command was one after which memcached sends its pending answers at once (get, gets,
    /// gat, gats, mn): `lru_crawler metadump` refuses to follow answers still waiting to be sent.
    var lastCommandFlushed = true

    public init(context: WorkerContext) {
        self.context = context
        self.engine = context.server.engine
        self.counters = context.counters
        detail = context.server.prefixStatistics
        detailSwitch = detail.switch
        watchHub = context.server.watchHub
        watchSwitch = watchHub.switch
        sending = ValueSending(engine: engine, limits: context.server.settings.responseLimits)
    }

    deinit { close() }

    /// Handles as many complete requests in `input` as possible (at most `requestLimit`), appending
    /// responses to `output`. Incomplete trailing bytes are left unconsumed; call again with them
    /// plus whatever arrives next. A value block is the exception: what has arrived of it is copied
    /// into the item at once and consumed, so a large value never needs a large input buffer.
    public func process(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer, requestLimit: Int) -> SessionProgress {
        var position = 0
        var requests = 0
        closeRequested = false
        while !closeRequested {
            // The common state first, tested by tag alone: a `switch` over `state` would copy the
            // value reception it may carry (a memcpy per request).
            if case .awaitingRequest = state {
                if position == input.count {
                    return SessionProgress(consumed: position, commands: requests, shouldClose: false, yielded: false)
                }
                if requests >= requestLimit {
                    let rest = UnsafeRawBufferPointer(rebasing: input[position...])
                    return SessionProgress(consumed: position, commands: requests, shouldClose: false, yielded: holdsRequest(rest))
                }
                let searchFrom = position + (position == 0 ? searchedWithoutNewline : 0)
                guard let newline = CommandLineScanner.newline(in: input, from: searchFrom) else {
                    return waitForLineEnd(input, from: position, after: requests)
                }
                searchedWithoutNewline = 0
                let line = CommandLineScanner.lineContent(in: input, start: position, newlineIndex: newline)
                position = newline + 1
                requests += 1
                noreply = false
                executeLine(line, in: input, into: &output)
                continue
            }
            switch state.continueBlock(input, at: &position) {
            case .needsMoreInput:
                return SessionProgress(consumed: position, commands: requests, shouldClose: false, yielded: false)
            case .received(let reception):
                finishStore(reception, into: &output)
            case .swallowed(let answer):
                if let answer { output.append(answer) }
            }
        }
        if watcher != nil {
            // `watch` stopped the loop: anything after it is ignored, as memcached ignores a watcher's input.
            return SessionProgress(consumed: input.count, commands: requests, shouldClose: false, yielded: false, startsFeed: true)
        }
        return SessionProgress(consumed: position, commands: requests, shouldClose: true, yielded: false)
    }

    /// The connection is gone: give back anything held (a half-received item).
    public func close() {
        if case .receivingValue(let reception) = state {
            engine.release(reception.item)
        }
        state = .awaitingRequest
        stopWatching()
    }

    /// No newline in `input[start...]` yet: keep waiting, unless memcached would hang up.
    private func waitForLineEnd(_ input: UnsafeRawBufferPointer, from start: Int, after requests: Int) -> SessionProgress {
        let pending = UnsafeRawBufferPointer(rebasing: input[start...])
        switch CommandLineScanner.judgePartialLine(pending, maxLineLength: context.server.settings.maxLineLength) {
        case .keepWaiting:
            searchedWithoutNewline = pending.count
            return SessionProgress(consumed: start, commands: requests, shouldClose: false, yielded: false)
        case .closeConnection:
            searchedWithoutNewline = 0
            return SessionProgress(consumed: start, commands: requests, shouldClose: true, yielded: false)
        }
    }

    /// Whether unread input left after a yield is worth coming back for right away.
    private func holdsRequest(_ rest: UnsafeRawBufferPointer) -> Bool {
        CommandLineScanner.newline(in: rest, from: 0) != nil
            || rest.count > context.server.settings.maxLineLength
    }

    /// Appends a reply unless the command asked for `noreply` (memcached's `out_string`).
    func reply(_ line: StaticString, into output: inout OutputBuffer) {
        if !noreply { output.append(line) }
    }
}

/// The text protocol's read cycle: a refused store's answer is a fixed line (nil under noreply).
typealias InputState = DataBlockState<ValueReception, StaticString?>
