import Cluster
import Networking
import Locking
import Observability
import RequestHandling
#if canImport(Glibc)
import Glibc
#endif

/// Gathers the cluster view for the endpoint's admin listener: each known node's `stats`, read
/// over the memcache protocol in one parallel round (`ParallelExchanges`, as the probes are). Its
/// cost is bounded three ways: at most `maxNodes` nodes are asked (listed nodes first), each
/// answer must come within the probe timeout, and a report less than `maxAge` old is served again
/// rather than asking anew — so however often `/metrics` and `/cluster.json` are scraped, a node
/// answers at most one `stats` per second for them. `report()` runs on the admin listener's
/// thread, never on a worker; a gathering holds that thread for at most
/// ceil(maxNodes / window) × timeout.
public final class ClusterStatsCollector: Sendable {
    public static let maxNodes = 64
    public static let maxAge = 1.0
    static let request = Array("stats\r\n".utf8)
    /// A general `stats` answer is a few KB; more is not one.
    static let maxAnswer = 64 * 1024

    /// Reads `stats` from the nodes given; tests give one without sockets.
    typealias Fetch = @Sendable ([ClusterNode]) -> [ClusterNode: ParallelExchanges.Result]

    private let endpoint: ConfigEndpoint
    private let fetch: Fetch
    private let cached = Locked<(report: ClusterReport, at: Double)?>(nil)

    /// `tls`: the probes' client context (`--probe-tls`), for nodes that speak only TLS.
    public convenience init(endpoint: ConfigEndpoint, settings: ProbeSettings, tls: TLSClientContext? = nil) {
        self.init(endpoint: endpoint) { nodes in
            ParallelExchanges.run(nodes, request: Self.request, maxAnswer: Self.maxAnswer, timeout: settings.timeout,
                                  window: settings.probeWindow(descriptorLimit: NodeProber.descriptorLimit()), tls: tls,
                                  dial: { TCPDialer.startConnect(host: $0.address, port: $0.port) },
                                  isComplete: Self.isStatsAnswer)
        }
    }

    init(endpoint: ConfigEndpoint, fetch: @escaping Fetch) {
        self.endpoint = endpoint
        self.fetch = fetch
    }

    /// The cluster view: the last one if younger than `maxAge`, else a new gathering (with request
    /// rates measured against the last one).
    public func report() -> ClusterReport {
        if let held = cached.withLock({ $0 }), monotonicNow() - held.at < Self.maxAge { return held.report }
        let fresh = gather().withRates(since: cached.withLock { $0?.report })
        cached.withLock { $0 = (fresh, monotonicNow()) }
        return fresh
    }

    private func gather() -> ClusterReport {
        let standings = endpoint.coordinator.standings
        let asked = (standings.filter(\.listed) + standings.filter { !$0.listed }).prefix(Self.maxNodes).map(\.node)
        let collectedAt = Self.wallClockMilliseconds()  // every answer is from this moment or later
        let started = monotonicNow()
        let answers = fetch(asked)
        let nodes = standings.map { standing in
            ClusterReport.Node(entry: standing.node.entry, instance: standing.node.identity, listed: standing.listed,
                               health: Self.describe(standing.health), stats: answers[standing.node].flatMap(Self.statLines))
        }
        return ClusterReport(collectedAtMilliseconds: collectedAt,
                             gatherMilliseconds: Int((monotonicNow() - started) * 1000),
                             endpoint: endpoint.statsLines().map { StatLine(name: $0.0, value: $0.1) },
                             nodes: nodes, unqueried: max(0, standings.count - asked.count))
    }

    /// The `STAT` lines of a whole answer; nil for none (no answer in time, or not a stats answer).
    static func statLines(_ result: ParallelExchanges.Result) -> [StatLine]? {
        guard result.outcome == .up else { return nil }
        let lines = result.answer.withUnsafeBytes { parseStatLines($0) }
        return lines.isEmpty ? nil : lines
    }

    /// Whole once it ends with the `END` line.
    static func isStatsAnswer(_ bytes: [UInt8]) -> Bool {
        bytes.elementsEqual("END\r\n".utf8) || bytes.suffix(7).elementsEqual("\r\nEND\r\n".utf8)
    }

    static func describe(_ status: NodeHealth.Status) -> String {
        switch status {
        case .up: "up"
        case .down: "down"
        case .unknown: "unknown"
        }
    }

    static func wallClockMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
