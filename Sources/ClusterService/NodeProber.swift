import Cluster
import Networking
#if canImport(Glibc)
import Glibc
#endif

/// Probes nodes in parallel: connect, `version\r\n`, expect a `VERSION ` line, all within one
/// timeout per probe. A node passes only if it answers as a memcached would, not merely by
/// accepting a connection. One `poll` loop drives the probes (no thread per node), at most `window`
/// at a time — each holds a descriptor — so a round over N nodes takes at most
/// ceil(N / window) × timeout.
///
/// A probe is `down` only on evidence (refused, reset, unreachable host, timed out, closed or a
/// wrong answer); when the endpoint itself could not run it (see `SocketFailure`) it is
/// `inconclusive`.
public enum NodeProber {
    static let request = Array("version\r\n".utf8)
    /// A `VERSION …` line is short; more without a newline is not a memcached.
    static let maxAnswer = 1024

    private struct Running {
        let node: ClusterNode
        var exchange: Exchange
        let deadline: Double
    }

    /// With `tls`, probes speak TLS (nodes started with `-Z`): the node's certificate must chain to
    /// the context's CAs; its name is not checked, as the listed host need not be what it names.
    public static func probe(_ nodes: [ClusterNode], timeout: Double, window: Int,
                             tls: TLSClientContext? = nil) -> [ClusterNode: ProbeOutcome] {
        probe(nodes, timeout: timeout, window: window, tls: tls, dial: { TCPDialer.startConnect(host: $0.address, port: $0.port) })
    }

    /// `dial` starts one connect; tests give one that fails as the system would.
    static func probe(_ nodes: [ClusterNode], timeout: Double, window: Int, tls: TLSClientContext? = nil,
                      dial: (ClusterNode) -> TCPDialer.Start) -> [ClusterNode: ProbeOutcome] {
        var results: [ClusterNode: ProbeOutcome] = [:]
        var waiting = nodes[...]
        var running: [Running] = []
        while !waiting.isEmpty || !running.isEmpty {
            while running.count < max(1, window), let node = waiting.popFirst() {
                switch dial(node) {
                case let .started(fd):
                    guard let exchange = Exchange(fd: fd, request: request, maxReceived: maxAnswer, tls: tls) else {
                        close(fd)
                        results[node] = .inconclusive  // no memory for the TLS state: our trouble
                        continue
                    }
                    running.append(Running(node: node, exchange: exchange, deadline: monotonicNow() + timeout))
                case let .failed(outcome):
                    results[node] = outcome
                }
            }
            guard !running.isEmpty else { continue }
            if !advance(&running) {
                // poll itself failed (ENOMEM, …): the endpoint's trouble, not the nodes'.
                for probe in running { results[probe.node] = .inconclusive }
                running.forEach { $0.exchange.finish() }
                running.removeAll()
                continue
            }
            let now = monotonicNow()
            running.removeAll { probe in
                guard probe.exchange.finished || now >= probe.deadline else { return false }
                probe.exchange.finish()
                results[probe.node] = probe.exchange.outcome ?? .down  // no answer in time: down
                return true
            }
        }
        return results
    }

    /// One `poll` over the running probes until the nearest deadline; advances the ready ones.
    /// False when poll failed for a reason other than a signal.
    private static func advance(_ running: inout [Running]) -> Bool {
        let nearest = running.map(\.deadline).min()! - monotonicNow()
        var pollers = running.map { pollfd(fd: $0.exchange.fd, events: $0.exchange.wantedEvents, revents: 0) }
        let ready = poll(&pollers, nfds_t(pollers.count), Int32(max(1, nearest * 1000)))
        guard ready >= 0 else { return errno == EINTR }
        for index in running.indices where pollers[index].revents != 0 {
            running[index].exchange.advance(isComplete: isVersionAnswer)
        }
        return true
    }

    /// The soft RLIMIT_NOFILE, read each round (it can change under a running process).
    public static func descriptorLimit() -> Int {
        var limit = rlimit()
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return 1024 }
        return Int(clamping: limit.rlim_cur)  // RLIM_INFINITY is the largest rlim_t: clamps to Int.max
    }

    static func isVersionAnswer(_ bytes: [UInt8]) -> Bool {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return false }
        return bytes[..<newline].starts(with: "VERSION ".utf8)
    }
}
