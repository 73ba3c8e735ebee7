import Networking

/// `connevents`: the network layer tells the hub of each connection opened and closed (on the
/// worker's thread); the peer's address is read only while someone watches.
extension WatchHub: ConnectionObserver {
    public func connectionOpened(_ connection: ConnectionInfo) {
        guard self.switch.isOn(.connevents) else { return }
        connectionEvent(Self.peer(of: connection), descriptor: connection.descriptor, closing: nil)
    }

    public func connectionClosing(_ connection: ConnectionInfo, reason: ConnectionCloseReason) {
        guard self.switch.isOn(.connevents) else { return }
        connectionEvent(Self.peer(of: connection), descriptor: connection.descriptor, closing: Self.watchReason(reason))
    }

    /// The client's address as `connevents` prints it (a unix socket: `local`, its path, port 0).
    private static func peer(of connection: ConnectionInfo) -> WatchPeer {
        let name = connection.peer
        switch connection.listener {
        case .unix: return WatchPeer(host: name?.host ?? "", port: 0, transport: .local)
        case .tcp: return WatchPeer(host: name?.host ?? "", port: name?.port ?? 0, transport: .tcp)
        }
    }

    private static func watchReason(_ reason: ConnectionCloseReason) -> WatchCloseReason {
        switch reason {
        case .normal: return .normal
        case .error: return .error
        case .idleTimeout: return .idleTimeout
        case .shutdown: return .shutdown
        }
    }
}
