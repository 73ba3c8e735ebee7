/// What `stats conns` may ask of the network layer, where the connections live: a description of each
/// open socket. Networking implements it (`ConnectionRoster`, `Server.connectionDirectory`) without
/// learning the protocol; the session turns the descriptions into memcached's lines without learning
/// about sockets.
public protocol ConnectionDirectory: AnyObject, Sendable {
    /// Every listening socket, UDP socket and client connection, ordered by descriptor. Called on a
    /// worker thread by the session of `askingWorker`; may wait (boundedly) for the other workers.
    func describeConnections(askingWorker: Int) -> [ConnectionDescription]
    /// Descriptors the network layer opened for itself at start (event loops, wake-ups): `stats`'
    /// reserved_fds.
    var reservedDescriptors: Int { get }
}

/// One socket as `stats conns` shows it.
public struct ConnectionDescription: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A listening socket: `address` is where it listens.
        case listener
        /// A UDP socket (served by every worker).
        case datagram
        /// A client: `address` is the peer, `listenAddress` the local end it came in on.
        case client(listenAddress: String)
    }

    /// Where the connection is, in memcached's state machine terms.
    public enum State: Sendable, Equatable {
        case listening
        /// Waiting for (or reading) a request.
        case reading
        /// Being served right now: the connection that asked.
        case serving
        /// Output is waiting for the socket to drain.
        case writing
    }

    public var descriptor: Int32
    public var kind: Kind
    /// `tcp:127.0.0.1:11211`, `tcp6:[::1]:11211`, `udp:…`, `unix:/path`.
    public var address: String
    public var state: State
    public var secondsSinceLastCommand: Int

    public init(descriptor: Int32, kind: Kind, address: String, state: State, secondsSinceLastCommand: Int) {
        self.descriptor = descriptor
        self.kind = kind
        self.address = address
        self.state = state
        self.secondsSinceLastCommand = secondsSinceLastCommand
    }
}
