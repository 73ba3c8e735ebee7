import MemcacheProtocol
import Networking
import OutputBuffers

/// `stats conns`: memcached's lines for every open socket, from the network layer's
/// `ConnectionDirectory` (none outside a server, e.g. in the fuzz targets: only `END`).
extension TextSession {
    func connectionStats(into output: inout OutputBuffer) {
        let sockets = context.server.connectionDirectory?.describeConnections(askingWorker: context.workerIndex) ?? []
        for socket in sockets {
            let prefix = "\(socket.descriptor):"
            if socket.kind == .datagram { output.appendStat(prefix + "UDP", "UDP") }
            output.appendStat(prefix + "addr", socket.address)
            if case let .client(listenAddress) = socket.kind { output.appendStat(prefix + "listen_addr", listenAddress) }
            output.appendStat(prefix + "state", Self.memcachedStateName(socket.state))
            output.appendStat(prefix + "secs_since_last_cmd", socket.secondsSinceLastCommand)
        }
        output.append(ResponseLine.end)
    }

    /// The names of memcached's connection states that these correspond to.
    private static func memcachedStateName(_ state: ConnectionDescription.State) -> String {
        switch state {
        case .listening: return "conn_listening"
        case .reading: return "conn_read"
        case .serving: return "conn_parse_cmd"
        case .writing: return "conn_mwrite"
        }
    }
}
