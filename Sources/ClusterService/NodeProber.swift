import Cluster
#if canImport(Glibc)
import Glibc
#endif

/// Probes nodes in parallel: connect, `version\r\n`, expect a `VERSION ` line, all within one
/// timeout. A node passes only if it answers as a memcached would, not merely by accepting a
/// connection. One `poll` loop drives every probe, so a round takes at most one timeout however
/// many nodes there are (and no thread per node).
public enum NodeProber {
    static let request = Array("version\r\n".utf8)

    public static func probe(_ nodes: [ClusterNode], timeout: Double) -> [ClusterNode: Bool] {
        var results: [ClusterNode: Bool] = [:]
        var running: [(node: ClusterNode, exchange: Exchange)] = []
        for node in nodes {
            if let fd = TCPDialer.startConnect(host: node.address, port: node.port) {
                running.append((node, Exchange(fd: fd, request: request)))
            } else {
                results[node] = false
            }
        }
        let deadline = monotonicNow() + timeout
        while running.contains(where: { !$0.exchange.finished }) {
            let remaining = deadline - monotonicNow()
            guard remaining > 0 else { break }
            var pollers = running.map { pollfd(fd: $0.exchange.fd, events: $0.exchange.finished ? 0 : $0.exchange.wantedEvents, revents: 0) }
            guard poll(&pollers, nfds_t(pollers.count), Int32(max(1, remaining * 1000))) >= 0 || errno == EINTR else { break }
            for index in running.indices where pollers[index].revents != 0 && !running[index].exchange.finished {
                running[index].exchange.advance(isComplete: isVersionAnswer)
            }
        }
        for (node, exchange) in running {
            close(exchange.fd)
            results[node] = exchange.succeeded
        }
        return results
    }

    static func isVersionAnswer(_ bytes: [UInt8]) -> Bool {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return false }
        return bytes[..<newline].starts(with: "VERSION ".utf8)
    }
}
