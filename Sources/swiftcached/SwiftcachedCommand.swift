import ArgumentParser
import CacheEngine
import Cluster
import ClusterService
import Networking
import RequestHandling
#if canImport(Glibc)
import Glibc
#endif

/// The `swiftcached` command line: memcached's flags, names and defaults (the subset this server has).
struct SwiftcachedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftcached",
        abstract: "A memcached-compatible cache server (swiftcached \(swiftcachedRelease), memcached \(reportedVersion) protocol).")

    // `.unconditional`: `-p -1` (an ephemeral port, memcached's convention) must not read as a flag.
    @Option(name: [.customShort("p"), .customLong("port")], parsing: .unconditional,
            help: "TCP port to listen on (0: off; -1: one the kernel picks; default 11211, or the -U port when only -U is given).")
    var port: Int?

    @Option(name: [.customShort("U"), .customLong("udp-port")], parsing: .unconditional,
            help: "UDP port to listen on (0: off; -1: one the kernel picks; default: 0).")
    var udpPort: Int = 0

    @OptionGroup var protocols: ProtocolOptions

    @Option(name: [.customShort("s"), .customLong("unix-socket")], help: "UNIX socket to listen on (disables network support).")
    var unixSocket: String?

    @Option(name: [.customShort("a"), .customLong("unix-mask")], help: "Access mask for the UNIX socket, in octal.")
    var unixMask: String = "700"

    @Option(name: [.customShort("l"), .customLong("listen")],
            help: "Interface to listen on, `addr[:port]`, comma separated or repeated (default: all interfaces).")
    var listen: [String] = []

    @Option(name: [.customShort("c"), .customLong("conn-limit")], help: "Max simultaneous connections.")
    var connectionLimit: Int = 1024

    @Option(name: [.customShort("t"), .customLong("threads")], help: "Number of worker threads.")
    var threads: Int = 4

    @Option(name: [.customShort("R"), .customLong("max-reqs-per-event")],
            help: "Maximum requests served per event before yielding to other connections.")
    var requestsPerEvent: Int = 20

    @Option(name: [.customShort("b"), .customLong("listen-backlog")], help: "Backlog queue limit.")
    var backlog: Int = 1024

    @Option(name: [.customShort("m"), .customLong("memory-limit")], help: "Item memory in megabytes.")
    var memoryLimit: Int = 64

    @Flag(name: [.customShort("M"), .customLong("disable-evictions")],
          help: "Return an error on memory exhausted instead of evicting.")
    var disableEvictions = false

    @Option(name: [.customShort("f"), .customLong("slab-growth-factor")],
            help: "Chunk size growth factor (memcached's default is 1.25; 1.08 wastes less per item).")
    var growthFactor: Double = EngineConfiguration.defaultGrowthFactor

    @Option(name: [.customShort("n"), .customLong("slab-min-size")], help: "Min space used for key+value+flags.")
    var slabMinSize: Int = 48

    @Option(name: [.customShort("I"), .customLong("max-item-size")],
            help: "Max item size, with k or m suffix (min 1k, max 1024m).")
    var maxItemSize: String = "1m"

    @Flag(name: [.customShort("C"), .customLong("disable-cas")], help: "Disable use of CAS.")
    var disableCAS = false

    @Flag(name: [.customShort("X"), .customLong("disable-dumping")],
          help: "Disable stats cachedump and lru_crawler metadump.")
    var disableDumping = false

    @Flag(name: [.customShort("v"), .customLong("verbose")],
          help: "Verbose: -v prints errors/warnings, -vv also client connections and commands.")
    var verbose: Int

    @Flag(name: [.customShort("V"), .customLong("version")], help: "Print version and exit.")
    var printVersion = false

    @Flag(name: [.customShort("Z"), .customLong("enable-ssl")],
          help: "Enable TLS on the TCP listeners (-o ssl_chain_cert=…,ssl_key=…; -l notls:ADDR:PORT stays clear).")
    var enableTLS = false

    @Option(name: [.customShort("o"), .customLong("extended")],
            help: "Comma separated extended options: hashpower=N, idle_timeout=SECONDS, slab_chunk_max=SIZE.")
    var extended: [String] = []

    @OptionGroup var operations: OperatorOptions

    @OptionGroup var configFile: ConfigFileOption

    @OptionGroup(title: "Access")
    var access: AccessOptions

    @OptionGroup(title: "Cluster")
    var cluster: ClusterOptions

    @OptionGroup(title: "Metrics")
    var metrics: MetricsOptions

    func run() throws {
        if printVersion {
            print("swiftcached \(swiftcachedRelease) (memcached \(reportedVersion) protocol)")
            return
        }
        if operations.printLicense {
            print(licenseNotice)
            return
        }
        let settings: ServerSettings
        let secret: ClusterSecret?
        let endpointTLS: TLSClientContext?
        do {
            settings = try makeSettings()
            secret = try cluster.loadSecret()
            endpointTLS = try cluster.loadTLS()
        } catch {
            let commandLine = Array(CommandLine.arguments.dropFirst())
            fputs("\(configFile.path == nil ? error.description : Self.located(error, commandLine: commandLine))\n", stderr)
            throw ExitCode(error.exitCode)  // EX_USAGE mostly, as memcached
        }
        let setup = ProcessSetup(options: operations, verbose: verbose)
        if let failure = setup.prepare() { throw ExitCode(failure) }
        try serve(settings, secret: secret, endpointTLS: endpointTLS, setup: setup)
    }

    /// Creates the engine and the server, and serves until SIGINT/SIGTERM/SIGUSR1 (see ServerSignals).
    private func serve(_ settings: ServerSettings, secret: ClusterSecret?, endpointTLS: TLSClientContext?, setup: ProcessSetup) throws {
        let tls = try makeTLSContext(settings.tls)  // refused certificates stop the start here
        let signalHold = ServerSignalHold()  // before the engine starts its threads
        try checkMemoryFile(settings.engine.memoryFile)
        let engine = CacheEngine(configuration: settings.engine)
        if let message = engine.warmRestart.message { fputs("\(message)\n", stderr) }
        let context = ServerContext(settings: settings, engine: engine)
        if configFile.path != nil {
            context.settingsSource = settingsSource(commandLine: Array(CommandLine.arguments.dropFirst()))
        }
        let registrar = try cluster.makeRegistrar(for: context, secret: secret, tls: endpointTLS)
        context.tls = tls
        let server = Server(context: context, tls: tls)
        context.connectionDirectory = server.connectionDirectory
        let admin: AdminHTTPServer?
        do {
            try server.start()
            admin = try metrics.makeListener(for: context)
            try admin?.start()
            try registrar?.start()
        } catch {
            fputs("\(error)\n", stderr)
            engine.shutdown()
            throw ExitCode(71)  // EX_OSERR
        }
        setup.writePidFile()
        signalHold.release()
        let signalNumber = server.run()
        admin?.stop()
        registrar?.stop()
        // Only memcached's graceful stop (SIGUSR1, `shutdown graceful`) saves a warm restart.
        if !engine.shutdown(savingForRestart: signalNumber == SIGUSR1) {
            fputs("[restart] failed to save the metadata file; the next start will be cold\n", stderr)
        }
        setup.removePidFile()
        if context.verbosity > 0 {
            fputs("Exiting normally\n", stderr)
        }
    }

    /// `-e`: a memory file that cannot be opened for writing stops the start (exit 71, EX_OSERR).
    private func checkMemoryFile(_ path: String?) throws {
        guard let path else { return }
        do {
            try CacheEngine.checkMemoryFile(path)
        } catch {
            fputs("\(error)\n", stderr)
            throw ExitCode(71)
        }
    }

    /// The OpenSSL context of `-Z`; a certificate, key, CA file or cipher list OpenSSL refuses stops
    /// the start with memcached's message and exit status.
    private func makeTLSContext(_ settings: TLSSettings) throws -> TLSServerContext? {
        guard settings.enabled else { return nil }
        do {
            return try TLSServerContext(settings: settings)
        } catch {
            fputs("\(error.message)\n", stderr)
            throw ExitCode(64)  // EX_USAGE, as memcached
        }
    }
}
