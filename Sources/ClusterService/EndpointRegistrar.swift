import Cluster
import Networking
#if canImport(Glibc)
import Glibc
#endif

/// A data node's side of discovery (`swiftcached --cluster-endpoint … --advertise …`): one thread
/// that, every heartbeat, renews the node's lease at the endpoint and fetches the endpoint's view in
/// the same short connection, installing it for `config get cluster` on this node. An unreachable
/// endpoint only means the view goes stale: the node keeps serving its keys. Registration and
/// deregistration carry a proof under the cluster secret; without a secret the node only fetches
/// the view (the endpoint then takes its members from its cluster file).
public final class EndpointRegistrar: Sendable {
    public let published = PublishedConfig()
    private let endpointHost: String
    private let endpointPort: Int
    private let node: ClusterNode
    private let heartbeat: Double
    private let secret: ClusterSecret?
    /// `--cluster-endpoint-tls`: every exchange with the endpoint is over TLS, its certificate
    /// checked against the endpoint's host name or address.
    private let tls: TLSClientContext?
    private let log: @Sendable (String) -> Void
    private let service: ServiceThread

    /// The lease outlives three missed heartbeats, so one slow round trip does not drop the node.
    public var leaseSeconds: Double { heartbeat * 3 }

    public init(endpointHost: String, endpointPort: Int, node: ClusterNode, heartbeat: Double, secret: ClusterSecret?,
                tls: TLSClientContext? = nil, log: @escaping @Sendable (String) -> Void) throws {
        self.endpointHost = endpointHost
        self.endpointPort = endpointPort
        self.node = node
        self.heartbeat = heartbeat
        self.secret = secret
        self.tls = tls
        self.log = log
        service = try ServiceThread()
    }

    public func start() throws {
        try service.start(name: "registrar") { [self] in loop() }
    }

    /// Stops heartbeats and tells the endpoint the node is leaving (best effort, half a second).
    public func stop() {
        service.stop()
        guard let line = signed("config deregister \(node.entry)") else { return }
        _ = TCPDialer.exchange(host: endpointHost, port: endpointPort, request: Array("\(line)\r\n".utf8),
                               deadline: monotonicNow() + 0.5, tls: tls, isComplete: { $0.contains(UInt8(ascii: "\n")) })
    }

    private func loop() {
        var reachable = true
        while !service.isStopping {
            var certificateProblem: String?
            let ok = heartbeatOnce { certificateProblem = $0 }
            if ok != reachable {
                let why = certificateProblem.map { " (its TLS certificate was refused: \($0))" } ?? ""
                log(ok ? "cluster endpoint \(endpointHost):\(endpointPort) reachable again"
                       : "cluster endpoint \(endpointHost):\(endpointPort) unreachable\(why); serving on with the last known configuration")
                reachable = ok
            }
            var poller = pollfd(fd: service.wake.readFD, events: Int16(POLLIN), revents: 0)
            _ = poll(&poller, 1, Int32(heartbeat * 1000))
        }
    }

    /// A membership command with its proof; nil without a secret (or, never in practice, without
    /// random bytes for the nonce).
    private func signed(_ command: String) -> String? {
        guard let secret else { return nil }
        return MembershipProof.sign(command, secret: secret, now: Int64(time(nil)))
    }

    /// One `config register` (when there is a secret) + `config get cluster` exchange. True when
    /// all of it was answered as hoped.
    private func heartbeatOnce(noteCertificateProblem: (String) -> Void) -> Bool {
        let registration = signed("config register \(node.entry) \(leaseSeconds)")
        let request = (registration.map { "\($0)\r\n" } ?? "") + "config get cluster\r\n"
        let registers = registration != nil
        guard let answer = TCPDialer.exchange(host: endpointHost, port: endpointPort, request: Array(request.utf8),
                                              deadline: monotonicNow() + min(heartbeat, 2), tls: tls,
                                              noteCertificateProblem: noteCertificateProblem,
                                              isComplete: { Self.parse($0, registers: registers) != nil }),
              let (registered, payload) = Self.parse(answer, registers: registers) else { return false }
        if !registered { log("cluster endpoint refused the registration of \(node.entry): \(String(decoding: answer.prefix(200), as: UTF8.self))") }
        if let payload { published.offer(payload) }
        return registered && payload != nil
    }

    /// nil while incomplete; else whether the registration (if one was sent) was accepted and the
    /// payload (nil when the endpoint's answer was malformed).
    static func parse(_ bytes: [UInt8], registers: Bool = true) -> (registered: Bool, payload: ConfigPayload?)? {
        var configStart = 0
        var registered = true
        if registers {
            guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            registered = bytes[..<newline].starts(with: "REGISTERED".utf8)
            configStart = newline + 1
        }
        do {
            switch try ConfigResponseParser.parse(Array(bytes[configStart...])) {
            case .incomplete: return nil
            case let .complete(payload, _): return (registered, payload)
            }
        } catch {
            return (registered, nil)
        }
    }
}
