import Locking

/// The network layer's answer to `stats conns` (`ConnectionDirectory`). Ownership stays as it is: each
/// worker alone reads its connections, so the asking worker describes its own directly (it is on its
/// thread) and asks the others through their inboxes and hand-off queues (`ConnectionSnapshot`, a
/// bounded wait during which it answers its own inbox).
/// The listening and UDP sockets never change while the server runs: described from the list `Server`
/// installs at start, under this roster's lock (taken only by `stats conns`, start and stop).
final class ConnectionRoster: ConnectionDirectory, @unchecked Sendable {
    private struct Members {
        var workers: [Worker] = []
        var listeners: [ListeningSocket] = []
        var datagramSockets: [Int32] = []
        /// Monotonic second the server started: what listeners report as their last command.
        var startedAt = 0
        var reservedDescriptors = 0
    }

    private let members = Locked(Members())

    /// At start, once every socket is open and every worker runs.
    func install(workers: [Worker], listeners: [ListeningSocket], datagramSockets: [Int32], reservedDescriptors: Int) {
        members.withLock {
            $0 = Members(workers: workers, listeners: listeners, datagramSockets: datagramSockets, startedAt: monotonicSeconds(),
                         reservedDescriptors: reservedDescriptors)
        }
    }

    var reservedDescriptors: Int { members.withLock { $0.reservedDescriptors } }

    /// At stop, before the workers go away.
    func clear() {
        members.withLock { $0 = Members() }
    }

    func describeConnections(askingWorker: Int) -> [ConnectionDescription] {
        let current = members.withLock { $0 }
        let others = current.workers.filter { $0.index != askingWorker }
        let snapshot = ConnectionSnapshot(workers: others.count)
        for worker in others {
            worker.snapshotRequests.withLock { $0.append(snapshot) }
            worker.queue.push(.describeConnections)
        }
        var descriptions = fixedSockets(current)
        let own = current.workers.first(where: { $0.index == askingWorker })
        descriptions += own?.describeConnections() ?? []
        descriptions += snapshot.collect(whileWaiting: { own?.answerSnapshotRequests() })
        return descriptions.sorted { $0.descriptor < $1.descriptor }
    }

    private func fixedSockets(_ current: Members) -> [ConnectionDescription] {
        let age = monotonicSeconds() - current.startedAt
        let listeners = current.listeners.map { socket in
            ConnectionDescription(descriptor: socket.fd, kind: .listener, address: Self.localText(socket.fd, "tcp"),
                                  state: .listening, secondsSinceLastCommand: age)
        }
        let datagrams = current.datagramSockets.map { fd in
            ConnectionDescription(descriptor: fd, kind: .datagram, address: Self.localText(fd, "udp"),
                                  state: .reading, secondsSinceLastCommand: age)
        }
        return listeners + datagrams
    }

    static func localText(_ fd: Int32, _ transport: String) -> String {
        SocketName.local(of: fd)?.text(transport: transport) ?? "?"
    }

    static func peerText(_ fd: Int32, _ transport: String) -> String {
        SocketName.peer(of: fd)?.text(transport: transport) ?? "?"
    }
}
