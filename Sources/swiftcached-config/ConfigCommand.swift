import AccessControl
import ArgumentParser
import Cluster
import ClusterService
import MemcacheProtocol
import Networking
import Observability
import RequestHandling
#if canImport(Glibc)
import Glibc
#endif

/// `swiftcached-config`: the ElastiCache-style configuration endpoint. Serves `config get cluster`
/// (and its legacy and binary forms) on the Networking layer's listener and workers, with one more
/// thread for membership (probes, cluster file, leases). With `--tls` the listeners speak TLS as a
/// data node's do with `-Z`; with `--probe-tls` the probes do too.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftcached-config",
        abstract: "Configuration endpoint for a Swiftcached cluster (config get cluster).")

    @Option(name: [.customShort("p"), .customLong("port")], help: "TCP port to listen on.")
    var port: Int = 11211

    @Option(name: [.customShort("l"), .customLong("listen")], help: "Interface to listen on, `addr[:port]` (default: all).")
    var listen: [String] = []

    @Option(name: [.customShort("t"), .customLong("threads")], help: "Worker threads for client connections.")
    var threads: Int = 2

    @Option(name: [.customShort("c"), .customLong("conn-limit")], help: "Max simultaneous connections.")
    var connectionLimit: Int = 1024

    @Option(name: [.customShort("Y"), .customLong("auth-file")],
            help: "user:password file; config set/register/deregister then need an authenticated connection.")
    var authFile: String?

    @Option(name: .customLong("cluster-secret-file"),
            help: "Secret shared with the data nodes: config register/deregister/set must carry a proof made with it. Without it no node can register.")
    var secretFile: String?

    @Option(name: .customLong("allow"),
            help: "Serve only clients in this address range (CIDR or plain address, IPv4 or IPv6); repeatable.")
    var allow: [String] = []

    @Option(name: .customLong("allow-file"), help: "Allowlist file: one range per line, # comments; re-read on SIGHUP.")
    var allowFile: String?

    @Option(name: .customLong("cluster-file"), help: "Nodes as host|ip|port, space or newline separated, # comments.")
    var clusterFile: String?

    @Option(name: .customLong("state-file"), help: "Where the version and list are persisted.")
    var stateFile: String = "swiftcached-config.state"

    @Option(name: .customLong("probe-interval"), help: "Seconds between probe rounds.")
    var probeInterval: Double = 1.0

    @Option(name: .customLong("probe-timeout"), help: "Seconds one probe may take.")
    var probeTimeout: Double = 0.5

    @Option(name: .customLong("failures-to-drop"), help: "Failed probes in a row before a node is dropped.")
    var failuresToDrop: Int = 3

    @Option(name: .customLong("successes-to-add"), help: "Good probes in a row before a dropped node is listed again.")
    var successesToAdd: Int = 2

    @Option(name: .customLong("probe-concurrency"),
            help: "Probes in flight at once (each holds a descriptor; at most a quarter of the open-files limit).")
    var probeConcurrency: Int = ProbeSettings().concurrency

    @OptionGroup var tls: EndpointTLSOptions

    @OptionGroup var probeTLS: ProbeTLSOptions

    @Option(name: .customLong("metrics-port"),
            help: "Serve /metrics (Prometheus, one instance label per node), /cluster.json, /healthz and the cluster dashboard on this HTTP port (default: off).")
    var metricsPort: Int?

    @Option(name: .customLong("metrics-listen"), help: "Address of the metrics listener (default: 127.0.0.1).")
    var metricsListen: String?

    @Option(name: .customLong("config-file"),
            help: "Read flags from FILE first (one per line, # comments, as memcached.conf); command-line flags override it.")
    var configFile: String?

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Verbose: -v membership changes, -vv connections.")
    var verbose: Int

    @Flag(name: [.customShort("V"), .customLong("version")], help: "Print version and exit.")
    var printVersion = false

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("port must be 1-65535") }
        guard probeInterval >= 0.05, probeTimeout > 0, probeTimeout <= probeInterval * 10 else {
            throw ValidationError("probe interval must be >= 0.05 s and the timeout positive")
        }
        guard failuresToDrop >= 1, successesToAdd >= 1 else { throw ValidationError("thresholds must be >= 1") }
        guard (1...65536).contains(probeConcurrency) else { throw ValidationError("probe concurrency must be 1-65536") }
        if let problem = AdminHTTPServer.optionProblem(port: metricsPort, address: metricsListen) { throw ValidationError(problem) }
    }

    func run() throws {
        if printVersion {
            print("swiftcached-config \(swiftcachedRelease) (memcached protocol \(reportedVersion))")
            return
        }
        let verbosity = verbose
        let log: @Sendable (String) -> Void = { message in if verbosity > 0 { fputs(message + "\n", stderr) } }
        // What an operator must see without -v: a state file set aside, probes that cannot run.
        let warn: @Sendable (String) -> Void = { message in fputs("swiftcached-config: \(message)\n", stderr) }
        let signalHold = ServerSignalHold()  // before the coordinator starts its threads (SIGHUP too: its reload handler then runs on this thread only)
        let coordinator: ClusterCoordinator
        let credentials: EndpointCredentials?
        let secret: ClusterSecret?
        let allowlist: SharedAllowlist?
        let serverTLS: TLSServerContext?
        let probeClientTLS: TLSClientContext?
        do {
            serverTLS = try tls.makeContext()
            probeClientTLS = try probeTLS.makeContext()
            credentials = try authFile.map { try EndpointCredentials(path: $0) }
            secret = try secretFile.map { try ClusterSecret(path: $0) }
            allowlist = try SharedAllowlist.make(ranges: allow, filePath: allowFile,
                                                 readFile: { try FileBytes.contents(of: $0, limit: ClientAllowlist.maxFileBytes) })
            coordinator = try ClusterCoordinator(settings: probeSettings, clusterFilePath: clusterFile,
                                                 stateFilePath: stateFile, log: log, warn: warn,
                                                 probeTLS: probeClientTLS,
                                                 onHangup: Self.hangupReload(allowlist: allowlist, tls: serverTLS, log: log, warn: warn))
            try coordinator.start()
        } catch let error as TLSSetupError {
            fputs("swiftcached-config: \(error.message)\n", stderr)
            throw ExitCode(64)
        } catch {
            fputs("swiftcached-config: \(error)\n", stderr)
            throw ExitCode(64)
        }
        if let warning = secret?.warning { warn(warning) }
        let connectionCounters = CounterRegistry()
        let endpoint = ConfigEndpoint(coordinator: coordinator, credentials: credentials,
                                      version: reportedVersion, threads: threads, secret: secret,
                                      rejectedByAllowlist: allowlist.map { _ in { @Sendable in connectionCounters.total(.rejectedByAllowlist) } },
                                      tls: serverTLS.map { EndpointTLS(control: $0, counters: connectionCounters,
                                                                       sessionCache: $0.settings.sessionCache) })
        var settings = networkSettings
        settings.allowlist = allowlist
        let server = Server(settings: settings, tls: serverTLS, listenerCounters: connectionCounters.makeBlock().network,
                            log: ServerLog(level: { verbosity }), hangup: .leftToProcess, tick: {},
                            makeWorkerSetup: { index in
                                // The workers count TLS handshake errors where the endpoint's stats read them.
                                Server.WorkerSetup(counters: connectionCounters.makeBlock(worker: index).network,
                                                   makeSession: { _ in ConfigEndpointSession(endpoint: endpoint) })
                            })
        let admin: AdminHTTPServer?
        do {
            try server.start()
            admin = try makeAdminListener(for: endpoint, allowlist: allowlist, probeTLS: probeClientTLS)
            try admin?.start()
        } catch {
            fputs("swiftcached-config: \(error)\n", stderr)
            coordinator.stop()
            throw ExitCode(71)
        }
        signalHold.release()
        server.run()
        admin?.stop()
        coordinator.stop()
    }

    /// The cluster view on `--metrics-port` (docs/observability.md), bound but not started; nil when off.
    private func makeAdminListener(for endpoint: ConfigEndpoint, allowlist: SharedAllowlist?,
                                   probeTLS: TLSClientContext?) throws -> AdminHTTPServer? {
        guard let metricsPort else { return nil }
        let collector = ClusterStatsCollector(endpoint: endpoint, settings: probeSettings, tls: probeTLS)
        let site = ClusterSite(report: { collector.report() })
        return try AdminHTTPServer(address: metricsListen ?? "127.0.0.1", port: metricsPort, allowlist: allowlist) { path in
            site.page(at: path).map { AdminHTTPServer.Page(contentType: $0.contentType, body: Array($0.body.utf8)) }
        }
    }

    /// What SIGHUP reloads beside the cluster file (nil: nothing more): the allowlist file and, with
    /// `--tls`, the certificate and key, as `refresh_certs` does. A refused file is reported even
    /// without -v, and what is in force stays.
    private static func hangupReload(allowlist: SharedAllowlist?, tls: TLSServerContext?,
                                     log: @escaping @Sendable (String) -> Void,
                                     warn: @escaping @Sendable (String) -> Void) -> (@Sendable () -> Void)? {
        guard allowlist != nil || tls != nil else { return nil }
        return {
            if let allowlist {
                let outcome = allowlist.reload()
                if case .kept = outcome { warn(allowlist.describe(outcome)) } else { log(allowlist.describe(outcome)) }
            }
            if let tls {
                if let failure = tls.reloadCertificates() {
                    warn("TLS certificates not reloaded, the ones in use stay: \(failure)")
                } else {
                    log("TLS certificates reloaded")
                }
            }
        }
    }

    private var probeSettings: ProbeSettings {
        var settings = ProbeSettings()
        settings.interval = probeInterval
        settings.timeout = probeTimeout
        settings.failuresToDrop = failuresToDrop
        settings.successesToAdd = successesToAdd
        settings.concurrency = probeConcurrency
        return settings
    }

    /// The endpoint's listeners and workers; per-connection bounds as a data node's defaults.
    private var networkSettings: NetworkSettings {
        var settings = NetworkSettings()
        settings.tcpPort = port
        settings.listenAddresses = listen
        settings.workerThreads = threads
        settings.maxConnections = connectionLimit
        settings.overCapacityReply = ResponseLine.tooManyConnections
        return settings
    }
}
