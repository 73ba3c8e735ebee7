import CacheEngine
import Locking
import Networking

/// What every connection of the server shares: the engine, the settings, the counters of all threads.
public final class ServerContext: @unchecked Sendable {
    public let settings: ServerSettings
    public let engine: CacheEngine
    public let counters: CounterRegistry
    /// What the connections' read and response buffers hold (`read_buf_*` stats, `read_buf_mem_limit`).
    public let bufferMemory: BufferMemory
    /// Unix time the server started (for `uptime`).
    public let startTime: Int64
    /// Answers `config get cluster` when this node belongs to a cluster (`--cluster-endpoint`); set
    /// before the server starts, only read afterwards.
    public var clusterConfig: ClusterConfigSource?
    /// The network layer's TLS context with `-Z` (`refresh_certs`, TLS stats); set before the server
    /// starts, only read afterwards.
    public var tls: TLSControl?
    /// `-c`, `-R`, `idle_timeout`, `-F`: the server-level settings a reload changes (LiveSettings).
    public let live: LiveSettings
    /// With `--config-file`: the executable's way to re-read the file into settings (SIGHUP,
    /// `config reload`); set before the server starts, only read afterwards.
    public var settingsSource: SettingsSource?
    /// Serializes reloads (SIGHUP on the listener and `config reload` on any worker).
    let reloadLock = Lock()
    /// The static settings the last reload found changed, for `stats settings`' `pending_restart`.
    let pendingStatic = Locked<[String]>([])
    /// The network layer's open sockets, for `stats conns`; set before the server starts, only read
    /// afterwards.
    public var connectionDirectory: ConnectionDirectory?
    /// `stats detail`: per-prefix counts, kept only while detail is on.
    public let prefixStatistics: PrefixStatistics
    /// The `watch` connections and the streams they want.
    public let watchHub: WatchHub
    private let verbosityLevel: Locked<Int>

    public init(settings: ServerSettings, engine: CacheEngine, counters: CounterRegistry = CounterRegistry()) {
        self.settings = settings
        self.engine = engine
        self.counters = counters
        bufferMemory = BufferMemory(limit: settings.readBufferMemoryLimit)
        self.startTime = engine.clock.unixNow
        live = LiveSettings(settings)
        verbosityLevel = Locked(settings.verbosity)
        let watchHub = WatchHub(bufferSize: settings.admin.watcherLogBufferSize, evictions: engine.evictionWatch)
        engine.evictionWatch.install { [weak watchHub] in watchHub?.itemEvicted($0) }
        self.watchHub = watchHub
        prefixStatistics = PrefixStatistics(delimiter: settings.admin.prefixDelimiter, enabled: settings.admin.detailEnabled)
    }

    /// `stats detail on|off` (`-D` starts it on), for `stats settings`' `detail_enabled`.
    public var detailEnabled: Bool {
        get { prefixStatistics.isOn }
        set { prefixStatistics.isOn = newValue }
    }

    /// `stats reset`: the counters `stats` prints go back to zero (gauges such as curr_items and
    /// log_watchers do not).
    public func resetStatistics() {
        counters.reset()
        engine.resetStatistics()
        watchHub.resetFigures()
    }

    /// `verbosity N` changes it at run time.
    public var verbosity: Int {
        get { verbosityLevel.withLock { $0 } }
        set { verbosityLevel.withLock { $0 = newValue } }
    }
}

/// What one worker thread's sessions share: the server context and this thread's counters.
public final class WorkerContext: @unchecked Sendable {
    public let server: ServerContext
    public let counters: CounterBlock
    public let workerIndex: Int

    public init(server: ServerContext, workerIndex: Int) {
        self.server = server
        self.workerIndex = workerIndex
        self.counters = server.counters.makeBlock(worker: workerIndex)
    }
}
