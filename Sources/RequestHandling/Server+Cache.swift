import CacheEngine
import MemcacheProtocol
import Networking

extension Server {
    /// The cache server: on each worker, sessions of the protocol `-B` allows (`ProtocolSessions`)
    /// and, with `-U`, a `DatagramSession`, all on the engine of `context`; its counters where
    /// `stats` reads them; `connevents` told to the watch hub; the engine's clock ticked once a
    /// second; SIGHUP reloading `--config-file` when there is one.
    public convenience init(context: ServerContext, tls: TLSServerContext? = nil) {
        self.init(
            settings: context.settings.networkSettings,
            tls: tls,
            live: context.live,
            listenerCounters: context.counters.makeBlock().network,
            log: ServerLog(level: { [unowned context] in context.verbosity }),
            hangup: context.reloadsConfiguration ? .reload({ [unowned context] in _ = context.reloadConfiguration() }) : .ignored,
            tick: { [unowned context] in context.engine.clock.tick() },
            bufferMemory: context.bufferMemory,
            makeWorkerSetup: { index in
                let worker = WorkerContext(server: context, workerIndex: index)
                return WorkerSetup(counters: worker.counters.network, makeSession: ProtocolSessions.factory(for: worker),
                                   datagramResponder: context.settings.udpPort != 0 ? DatagramSession(context: worker) : nil,
                                   observer: context.watchHub)
            })
    }
}

extension ServerSettings {
    /// What the network layer takes from the command line: listeners, workers and per-connection
    /// bounds, with the protocol's words for a client refused over `-c`.
    public var networkSettings: NetworkSettings {
        var network = NetworkSettings()
        network.tcpPort = tcpPort
        network.udpPort = udpPort
        network.listenAddresses = listenAddresses
        network.unixSocketPath = unixSocketPath
        network.unixSocketMask = unixSocketMask
        network.backlog = backlog
        network.workerThreads = workerThreads
        network.portFilePath = portFilePath
        network.allowlist = allowlist
        network.maxConnections = maxConnections
        network.requestsPerEvent = requestsPerEvent
        network.idleTimeout = idleTimeout
        network.incompleteRequestTimeout = incompleteRequestTimeout
        network.outputHighWater = outputHighWater
        // The largest item plus room for its command line: a client still short of a complete
        // request past that is closed.
        network.maxInputCapacity = max(engine.itemSizeMax, 1 << 20) * 2 + 64 * 1024
        network.readBufferMemoryLimit = readBufferMemoryLimit
        network.overCapacityReply = ResponseLine.tooManyConnections
        return network
    }
}
