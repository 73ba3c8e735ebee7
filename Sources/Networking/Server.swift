import Atomics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A reusable event-loop server: one listener (on the thread calling `run`) and a number of worker
/// threads, each with its own libevent base, moving bytes between sockets (clear or TLS) and
/// sessions. It knows no protocol and no cache: the executable that wires it gives it plain
/// settings, a session factory per worker, a once-a-second `tick` and what to do on SIGHUP.
public final class Server {
    /// What one worker gets from the layers above, asked for once per worker (on the thread that
    /// calls `start`).
    public struct WorkerSetup {
        /// Where this worker counts bytes, connections, yields and timeouts (read by whoever
        /// reports them).
        public var counters: NetworkCounters
        /// The session for each new TCP or unix-socket connection, called on the worker thread.
        public var makeSession: (ConnectionInfo) -> ConnectionSession
        /// What answers this worker's UDP datagrams; nil serves no UDP.
        public var datagramResponder: DatagramResponder?
        /// Told of each connection opened and closed; nil: nobody.
        public var observer: ConnectionObserver?

        public init(counters: NetworkCounters, makeSession: @escaping (ConnectionInfo) -> ConnectionSession,
                    datagramResponder: DatagramResponder? = nil, observer: ConnectionObserver? = nil) {
            self.counters = counters
            self.makeSession = makeSession
            self.datagramResponder = datagramResponder
            self.observer = observer
        }
    }

    private let settings: NetworkSettings
    private let listenerCounters: NetworkCounters
    private let log: ServerLog
    private let tick: () -> Void
    /// What the workers' buffer pools hold together, bounded by `readBufferMemoryLimit`.
    private let bufferMemory: BufferMemory
    private let makeWorkerSetup: (Int) -> WorkerSetup
    private let hangup: ServerSignals.Hangup
    /// `-c`, `-R`, `idle_timeout`: what a reload changes under the running listener and workers.
    private let live: LiveConnectionLimits
    /// With TLS: the context every TCP listener but `notls:` ones serves with.
    private let tls: TLSServerContext?
    private let openConnections = ManagedAtomic<Int>(0)
    private var workers: [Worker] = []
    private var listener: Listener?
    /// UDP sockets, read by every worker.
    private var datagramSockets: [Int32] = []
    /// The listener's stop wake-up, kept apart so `stop()` never reads `listener` from another thread.
    private var stopSignal: WakeSignal?
    private let roster = ConnectionRoster()
    private var reservedDescriptors = 0

    /// Every open socket, for `stats conns`: give it to the sessions.
    public var connectionDirectory: ConnectionDirectory { roster }

    /// - Parameters:
    ///   - live: limits that may change while serving; nil keeps those of `settings`.
    ///   - listenerCounters: where the listener counts the connections it refuses.
    ///   - hangup: whether the listener takes SIGHUP (and what it does then) or leaves it to the
    ///     executable's own handler.
    ///   - tick: run on the listener thread once a second, before the workers' sweeps (the cache's
    ///     clock); `{}` for none.
    ///   - bufferMemory: the pools' shared account, when the caller reports it; nil makes one.
    ///   - makeWorkerSetup: called with each worker's index as `start` creates it.
    public init(settings: NetworkSettings, tls: TLSServerContext? = nil, live: LiveConnectionLimits? = nil,
                listenerCounters: NetworkCounters, log: ServerLog, hangup: ServerSignals.Hangup = .ignored,
                tick: @escaping () -> Void, bufferMemory: BufferMemory? = nil,
                makeWorkerSetup: @escaping (Int) -> WorkerSetup) {
        self.bufferMemory = bufferMemory ?? BufferMemory(limit: settings.readBufferMemoryLimit)
        self.settings = settings
        self.live = live ?? FixedConnectionLimits(settings)
        self.hangup = hangup
        self.listenerCounters = listenerCounters
        self.log = log
        self.tick = tick
        self.makeWorkerSetup = makeWorkerSetup
        self.tls = tls
    }

    /// Opens the listening sockets and starts the workers. Errors here are startup failures
    /// (address in use, bad `-l`, unix socket path); nothing is left running when one is thrown.
    public func start() throws {
        // A client that goes away mid-write must not kill the process; sends also pass MSG_NOSIGNAL.
        signal(SIGPIPE, SIG_IGN)
        if let warning = DescriptorLimit.raise(toFit: settings.maxConnections, workers: settings.workerThreads) {
            log.warning(warning)
        }
        var sockets: [ListeningSocket] = []
        if let path = settings.unixSocketPath {
            // As in memcached, a unix socket replaces TCP.
            sockets.append(try ListeningSocket.openUnix(path: path, mask: settings.unixSocketMask, backlog: settings.backlog))
        } else if settings.tcpPort != 0 {
            sockets = try ListeningSocket.openTCP(addresses: parsedAddresses(), defaultPort: settings.tcpPort,
                                                  backlog: settings.backlog, tls: tls != nil)
        }
        guard !sockets.isEmpty || settings.udpPort != 0 else { throw ServerError.noListeners }
        do {
            if settings.udpPort != 0, settings.unixSocketPath == nil {
                datagramSockets = try DatagramEndpoint.openSockets(addresses: parsedAddresses(), port: settings.udpPort)
            }
            // What the workers and the listener open for themselves (event loops, wake-ups):
            // memcached's reserved_fds, here counted rather than estimated.
            let descriptorsBefore = OpenDescriptors.count()
            let limits = ConnectionLimits(settings: settings, live: live,
                                          handshakeTimeout: (tls?.settings ?? TLSSettings()).handshakeTimeout)
            for index in 0..<max(1, settings.workerThreads) {
                let setup = makeWorkerSetup(index)
                let worker = try Worker(index: index, limits: limits, log: log, counters: setup.counters,
                                        bufferMemory: bufferMemory, openConnections: openConnections, tls: tls,
                                        observer: setup.observer, makeSession: setup.makeSession)
                if let responder = setup.datagramResponder, !datagramSockets.isEmpty {
                    try worker.serveDatagrams(on: datagramSockets, responder: responder, allowlist: settings.allowlist)
                }
                try worker.start()
                workers.append(worker)
            }
            listener = try Listener(sockets: sockets, workers: workers, live: live, overCapacityReply: settings.overCapacityReply,
                                    openConnections: openConnections, counters: listenerCounters, log: log,
                                    hangup: hangup, allowlist: settings.allowlist, tick: tick)
            reservedDescriptors = max(0, OpenDescriptors.count() - descriptorsBefore)
        } catch {
            for socket in sockets {
                closeDescriptor(socket.fd)
                if socket.isUnixSocket { unlink(socket.name) }
            }
            stopWorkers()
            closeDatagramSockets()
            throw error
        }
        stopSignal = listener?.stopSignal
        roster.install(workers: workers, listeners: sockets, datagramSockets: datagramSockets,
                       reservedDescriptors: reservedDescriptors)
        for socket in sockets { log.connection("listening on \(socket.name)") }
        if let path = settings.portFilePath, settings.unixSocketPath == nil {
            PortFile(path: path).write(PortFile.lines(tcp: sockets.map(\.fd), udp: datagramSockets))
        }
    }

    /// Serves until SIGINT/SIGTERM/SIGUSR1 or `stop()`, then stops accepting, closes every connection
    /// and joins the workers. Returns the signal that ended it (0 for `stop()`).
    @discardableResult
    public func run() -> Int32 {
        guard let listener else { return 0 }
        let signalNumber = listener.run()
        ServerSignalHold.holdForShutdown()
        listener.closeSockets()
        roster.clear()
        stopWorkers()
        closeDatagramSockets()
        self.listener = nil
        return signalNumber
    }

    /// Makes `run` return; callable from any thread once `start` has returned.
    public func stop() {
        stopSignal?.notify()
    }

    /// Connections open right now (all workers).
    public var openConnectionCount: Int { openConnections.load(ordering: .relaxed) }

    /// UDP sockets are shared by all workers: closed only once every worker has stopped.
    private func closeDatagramSockets() {
        for fd in datagramSockets { closeDescriptor(fd) }
        datagramSockets.removeAll()
    }

    private func stopWorkers() {
        for worker in workers { worker.stopAndJoin() }
        workers.removeAll()
    }

    private func parsedAddresses() throws -> [ListenAddress] {
        var result: [ListenAddress] = []
        for text in settings.listenAddresses {
            guard let addresses = ListenAddress.parseList(text) else { throw ServerError.badAddress(text, "malformed address") }
            if tls == nil, addresses.contains(where: \.clearText) {
                // memcached joins repeated -l values with commas, and names them all.
                throw ServerError.clearTextWithoutTLS(settings.listenAddresses.joined(separator: ","))
            }
            result += addresses
        }
        return result
    }
}
