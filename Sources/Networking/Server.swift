import Atomics
import RequestHandling
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The network side of the cache server: one listener (on the thread calling `run`) and `-t` worker
/// threads, each with its own libevent base. Knows nothing of items: it moves bytes between sockets
/// and sessions.
public final class Server {
    /// What one worker needs from the layers above: its counter block, and how to make a session for
    /// each new connection (called on the worker thread).
    public struct WorkerSetup {
        public var counters: CounterBlock
        public var makeSession: () -> ConnectionSession
        /// What runs this worker's UDP requests (`-U`); nil serves no UDP.
        public var datagramResponder: DatagramResponder?
        /// Where `connevents` lines go (nil: a server without `watch`).
        public var watchHub: WatchHub?

        public init(counters: CounterBlock, makeSession: @escaping () -> ConnectionSession,
                    datagramResponder: DatagramResponder? = nil, watchHub: WatchHub? = nil) {
            self.counters = counters
            self.makeSession = makeSession
            self.datagramResponder = datagramResponder
            self.watchHub = watchHub
        }
    }

    private let settings: ServerSettings
    private let counters: CounterRegistry
    private let log: ServerLog
    private let tick: () -> Void
    /// What the workers' buffer pools hold together, bounded by `-o read_buf_mem_limit`.
    private let bufferMemory: BufferMemory
    private let makeWorkerSetup: (Int) -> WorkerSetup
    private let hangup: ServerSignals.Hangup
    /// `-c`, `-R`, `idle_timeout`: what a reload changes under the running listener and workers.
    private let live: LiveSettings
    /// With `-Z`: the TLS context every TCP listener but `notls:` ones serves with.
    private let tls: TLSServerContext?
    private let openConnections = ManagedAtomic<Int>(0)
    private var workers: [Worker] = []
    private var listener: Listener?
    /// `-U` sockets, read by every worker.
    private var datagramSockets: [Int32] = []
    /// The listener's stop wake-up, kept apart so `stop()` never reads `listener` from another thread.
    private var stopSignal: WakeSignal?
    private let roster = ConnectionRoster()
    private var reservedDescriptors = 0

    /// Every open socket, for `stats conns`: give it to the sessions' `ServerContext`.
    public var connectionDirectory: ConnectionDirectory { roster }

    /// The real server: sessions of the protocol `-B` allows (see `ProtocolSessions`) on the engine of
    /// `context`, clock ticked once a second.
    public convenience init(context: ServerContext, tls: TLSServerContext? = nil) {
        self.init(
            tls: tls,
            settings: context.settings,
            live: context.live,
            counters: context.counters,
            log: ServerLog(level: { [unowned context] in context.verbosity }),
            hangup: context.reloadsConfiguration ? .reload({ [unowned context] in _ = context.reloadConfiguration() }) : .ignored,
            tick: { [unowned context] in context.engine.clock.tick() },
            bufferMemory: context.bufferMemory,
            makeWorkerSetup: { index in
                let workerContext = WorkerContext(server: context, workerIndex: index)
                return WorkerSetup(counters: workerContext.counters, makeSession: ProtocolSessions.factory(for: workerContext),
                                   datagramResponder: context.settings.udpPort != 0 ? DatagramSession(context: workerContext) : nil,
                                   watchHub: context.watchHub)
            })
    }

    /// Any session kind (tests use this to run the plumbing without an engine). `hangup` says whether
    /// the listener takes SIGHUP (and ignores it) or leaves it to the executable's own handler.
    public init(tls: TLSServerContext? = nil, settings: ServerSettings, live: LiveSettings? = nil,
                counters: CounterRegistry, log: ServerLog,
                hangup: ServerSignals.Hangup = .ignored,
                tick: @escaping () -> Void, bufferMemory: BufferMemory? = nil,
                makeWorkerSetup: @escaping (Int) -> WorkerSetup) {
        self.bufferMemory = bufferMemory ?? BufferMemory(limit: settings.readBufferMemoryLimit)
        self.settings = settings
        self.live = live ?? LiveSettings(settings)
        self.hangup = hangup
        self.counters = counters
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
            let limits = ConnectionLimits(settings: settings, live: live)
            for index in 0..<max(1, settings.workerThreads) {
                let setup = makeWorkerSetup(index)
                let worker = try Worker(index: index, limits: limits, log: log, counters: setup.counters,
                                        bufferMemory: bufferMemory, openConnections: openConnections, tls: tls,
                                        watchHub: setup.watchHub, makeSession: setup.makeSession)
                if let responder = setup.datagramResponder, !datagramSockets.isEmpty {
                    try worker.serveDatagrams(on: datagramSockets, responder: responder, allowlist: settings.allowlist)
                }
                try worker.start()
                workers.append(worker)
            }
            listener = try Listener(sockets: sockets, workers: workers, live: live,
                                    openConnections: openConnections, counters: counters.makeBlock(), log: log,
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
