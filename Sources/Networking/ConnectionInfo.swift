/// What the session factory and the `ConnectionObserver` learn of a connection: its socket, the
/// kind of listener that accepted it and whether it speaks TLS. The peer's address is read from the
/// socket only when asked for, so a factory that does not need it costs no system call.
public struct ConnectionInfo: Sendable {
    public enum Listener: Sendable { case tcp, unix }

    public let descriptor: Int32
    public let listener: Listener
    public let isTLS: Bool

    public init(descriptor: Int32, listener: Listener, isTLS: Bool) {
        self.descriptor = descriptor
        self.listener = listener
        self.isTLS = isTLS
    }

    /// The client's address (for a unix socket, the socket's path, usually empty); nil once the
    /// socket is gone.
    public var peer: SocketName? { SocketName.peer(of: descriptor) }
}
