import Cluster
import Networking
#if canImport(Glibc)
import Glibc
#endif

/// Probes nodes in parallel (`ParallelExchanges`): connect, `version\r\n`, expect a `VERSION `
/// line, all within one timeout per probe. A node passes only if it answers as a memcached would,
/// not merely by accepting a connection.
///
/// A probe is `down` only on evidence (refused, reset, unreachable host, timed out, closed or a
/// wrong answer); when the endpoint itself could not run it (see `SocketFailure`) it is
/// `inconclusive`.
public enum NodeProber {
    static let request = Array("version\r\n".utf8)
    /// A `VERSION …` line is short; more without a newline is not a memcached.
    static let maxAnswer = 1024

    /// With `tls`, probes speak TLS (nodes started with `-Z`; see `ParallelExchanges.run`).
    public static func probe(_ nodes: [ClusterNode], timeout: Double, window: Int,
                             tls: TLSClientContext? = nil) -> [ClusterNode: ProbeOutcome] {
        probe(nodes, timeout: timeout, window: window, tls: tls, dial: { TCPDialer.startConnect(host: $0.address, port: $0.port) })
    }

    /// `dial` starts one connect; tests give one that fails as the system would.
    static func probe(_ nodes: [ClusterNode], timeout: Double, window: Int, tls: TLSClientContext? = nil,
                      dial: (ClusterNode) -> TCPDialer.Start) -> [ClusterNode: ProbeOutcome] {
        ParallelExchanges.run(nodes, request: request, maxAnswer: maxAnswer, timeout: timeout, window: window,
                              tls: tls, dial: dial, isComplete: isVersionAnswer).mapValues(\.outcome)
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
