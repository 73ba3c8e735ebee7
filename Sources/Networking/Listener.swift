import AccessControl
import Atomics
import CLibevent
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The accepting side, on the thread that calls `Server.run` (the main thread of the executable),
/// with its own event_base. Accepts on every listening socket, enforces `-c`, and hands each socket
/// round-robin to a worker's queue. Also owns the once-a-second timer (the executable's `tick`, then
/// each worker's sweep) and the server's signals
/// (`ServerSignals`; libevent delivers signals to one base; this is it).
final class Listener {
    private let base: OpaquePointer
    private let sockets: [ListeningSocket]
    private let workers: [Worker]
    /// `-c`, read at every accept (a reload changes it).
    private let live: LiveConnectionLimits
    /// Sent to a client refused for going past `-c` (`NetworkSettings.overCapacityReply`).
    private let overCapacityReply: StaticString
    private let openConnections: ManagedAtomic<Int>
    /// The listener's own counters: only rejected connections are counted here.
    private let counters: NetworkCounters
    private let log: ServerLog
    private let tick: () -> Void
    private let hangup: ServerSignals.Hangup
    /// `--allow`/`--allow-file`: judged at accept, before the socket reaches a worker.
    private let allowlist: SharedAllowlist?
    /// `Server.stop()` from any thread wakes the loop through this.
    let stopSignal: WakeSignal

    private var acceptEvents: [OpaquePointer] = []
    private var otherEvents: [OpaquePointer] = []
    private var acceptResumeTimer: OpaquePointer?
    private var nextWorker = 0
    private(set) var stoppedBySignal: Int32 = 0

    init(sockets: [ListeningSocket], workers: [Worker], live: LiveConnectionLimits, overCapacityReply: StaticString,
         openConnections: ManagedAtomic<Int>, counters: NetworkCounters, log: ServerLog, hangup: ServerSignals.Hangup,
         allowlist: SharedAllowlist?, tick: @escaping () -> Void) throws {
        guard let base = event_base_new() else { throw ServerError.system("event_base_new", errno) }
        self.base = base
        self.sockets = sockets
        self.workers = workers
        self.live = live
        self.overCapacityReply = overCapacityReply
        self.openConnections = openConnections
        self.counters = counters
        self.log = log
        self.tick = tick
        self.hangup = hangup
        self.allowlist = allowlist
        stopSignal = try WakeSignal()
        try registerEvents()
    }

    deinit {
        for event in acceptEvents + otherEvents { event_free(event) }
        if let acceptResumeTimer { event_free(acceptResumeTimer) }
        event_base_free(base)
    }

    /// Runs until a signal or `stopSignal`; returns the signal number (0 for `stop()`).
    func run() -> Int32 {
        event_base_dispatch(base)
        return stoppedBySignal
    }

    private func registerEvents() throws {
        let context = Unmanaged.passUnretained(self).toOpaque()
        for socket in sockets {
            let callback: event_callback_fn = socket.isUnixSocket
                ? { fd, _, context in Unmanaged<Listener>.fromOpaque(context!).takeUnretainedValue().acceptAll(on: fd, isUnixSocket: true) }
                : { fd, _, context in Unmanaged<Listener>.fromOpaque(context!).takeUnretainedValue().acceptAll(on: fd, isUnixSocket: false) }
            acceptEvents.append(try add(event_new(base, socket.fd, EventFlags.read | EventFlags.persist, callback, context)))
        }
        var second = timeval(tv_sec: 1, tv_usec: 0)
        otherEvents.append(try add(event_new(base, -1, EventFlags.persist, { _, _, context in
            Unmanaged<Listener>.fromOpaque(context!).takeUnretainedValue().everySecond()
        }, context), timeout: &second))
        for signalNumber in ServerSignals.stopping {
            otherEvents.append(try add(event_new(base, signalNumber, EventFlags.signal | EventFlags.persist, { signalNumber, _, context in
                let listener = Unmanaged<Listener>.fromOpaque(context!).takeUnretainedValue()
                listener.stoppedBySignal = signalNumber
                event_base_loopbreak(listener.base)
            }, context)))
        }
        if case .leftToProcess = hangup {} else {
            // Taken so that it cannot kill the process; memcached 1.6.18 ignores it, and so does this
            // server except for re-reading `--allow-file` (or, with `--config-file`, reloading).
            otherEvents.append(try add(event_new(base, SIGHUP, EventFlags.signal | EventFlags.persist, { _, _, context in
                Unmanaged<Listener>.fromOpaque(context!).takeUnretainedValue().hangupReceived()
            }, context)))
        }
        otherEvents.append(try add(event_new(base, stopSignal.readFD, EventFlags.read | EventFlags.persist, { _, _, context in
            let listener = Unmanaged<Listener>.fromOpaque(context!).takeUnretainedValue()
            listener.stopSignal.clear()
            event_base_loopbreak(listener.base)
        }, context)))
    }

    private func add(_ event: OpaquePointer?, timeout: UnsafePointer<timeval>? = nil) throws -> OpaquePointer {
        guard let event else { throw ServerError.system("event_new", errno) }
        guard event_add(event, timeout) == 0 else {
            event_free(event)
            throw ServerError.system("event_add", errno)
        }
        return event
    }

    /// SIGHUP: with `--config-file`, the executable's reload; otherwise the allowlist file is re-read
    /// (a refused file keeps the list in force, and says why even without -v) and nothing else changes.
    private func hangupReceived() {
        if case .reload(let reload) = hangup { return reload() }
        guard let allowlist, allowlist.filePath != nil else { return log.warning("SIGHUP ignored") }
        let outcome = allowlist.reload()
        if case .kept = outcome { log.write(allowlist.describe(outcome)) } else { log.warning(allowlist.describe(outcome)) }
    }

    // MARK: Accepting

    /// Accepts what is waiting (bounded, so one busy socket does not starve the others).
    /// The executable's tick, and each worker's sweep (timeouts, idle buffers; see `Handoff.sweep`).
    private func everySecond() {
        tick()
        for worker in workers { worker.queue.push(.sweep) }
    }

    private func acceptAll(on listenFD: Int32, isUnixSocket: Bool) {
        var peer = sockaddr_storage()
        let tls = sockets.contains { $0.fd == listenFD && $0.tls }
        for _ in 0..<64 {
            let fd = acceptNonBlocking(listenFD, peer: &peer)
            if fd < 0 {
                switch errno {
                case EINTR, ECONNABORTED: continue
                case EAGAIN, EWOULDBLOCK: return
                case EMFILE, ENFILE:
                    log.warning("Too many open connections")
                    pauseAccepting()
                    return
                default:
                    log.warning("accept(): \(String(cString: strerror(errno)))")
                    return
                }
            }
            if let allowlist, !isUnixSocket, !Self.admitted(peer, by: allowlist) {
                // Closed before a byte is read or written: the client learns nothing but that.
                // Counted before the close, so a client that saw the close also sees the count.
                counters.add(.rejectedByAllowlist)
                closeDescriptor(fd)
                continue
            }
            if openConnections.load(ordering: .relaxed) >= live.maxConnections {
                reject(fd)
                continue
            }
            openConnections.wrappingIncrement(ordering: .relaxed)
            if !isUnixSocket { setSocketOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1) }
            workers[nextWorker].queue.push(.connection(fd: fd, isUnixSocket: isUnixSocket, tls: tls))
            nextWorker = (nextWorker + 1) % workers.count
        }
    }

    private static func admitted(_ peer: sockaddr_storage, by allowlist: SharedAllowlist) -> Bool {
        withUnsafePointer(to: peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { allowlist.admits($0) } }
    }

    /// Over `-c`: tell the client why (in the protocol's words), as memcached does, and close.
    /// Counted first, so that whoever has read the reply also sees it in `rejected_connections`.
    private func reject(_ fd: Int32) {
        counters.add(.rejectedConnections)
        if overCapacityReply.utf8CodeUnitCount > 0 {
            _ = sendBytes(fd, UnsafeRawBufferPointer(start: overCapacityReply.utf8Start, count: overCapacityReply.utf8CodeUnitCount))
        }
        closeDescriptor(fd)
    }

    /// Out of descriptors: stop accepting for a moment instead of spinning on a readable listen socket.
    private func pauseAccepting() {
        for event in acceptEvents { event_del(event) }
        if acceptResumeTimer == nil {
            acceptResumeTimer = event_new(base, -1, 0, { _, _, context in
                let listener = Unmanaged<Listener>.fromOpaque(context!).takeUnretainedValue()
                for event in listener.acceptEvents { event_add(event, nil) }
            }, Unmanaged.passUnretained(self).toOpaque())
        }
        var pause = timeval(tv_sec: 0, tv_usec: 100_000)
        event_add(acceptResumeTimer, &pause)
    }

    /// Stops listening: closes the sockets (and removes the unix socket file).
    func closeSockets() {
        for event in acceptEvents { event_del(event) }
        for socket in sockets {
            closeDescriptor(socket.fd)
            if socket.isUnixSocket { unlink(socket.name) }
        }
    }
}

/// A non-blocking, close-on-exec socket for the next connection (accept4 on Linux, as memcached
/// accepts; accept + fcntl elsewhere). The peer's address goes to `peer` (for the allowlist).
private func acceptNonBlocking(_ listenFD: Int32, peer: inout sockaddr_storage) -> Int32 {
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    return withUnsafeMutablePointer(to: &peer) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
            #if os(Linux)
            accept4(listenFD, address, &length, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
            #else
            acceptThenSetFlags(listenFD, address, &length)
            #endif
        }
    }
}

#if !os(Linux)
private func acceptThenSetFlags(_ listenFD: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: inout socklen_t) -> Int32 {
    let fd = accept(listenFD, address, &length)
    guard fd >= 0 else { return fd }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    return fd
}
#endif
