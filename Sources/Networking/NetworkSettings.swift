import AccessControl

/// Everything `Server` needs to know before it starts, as plain values: where to listen, how many
/// workers, and the bounds it enforces on each connection. The executable that wires the server
/// fills it in (the cache server from its `ServerSettings`, the configuration endpoint from its own
/// options); nothing in it names a protocol or an item.
public struct NetworkSettings: Sendable {
    /// TCP port for every `listenAddresses` entry without its own; 0: no TCP.
    public var tcpPort: Int = 11211
    /// UDP port on every listen address (served only with a `DatagramResponder`); 0: no UDP.
    public var udpPort: Int = 0
    /// `-l` values, each a comma-separated list (`notls:` prefixes allowed with TLS); empty: every interface.
    public var listenAddresses: [String] = []
    /// A unix socket instead of TCP and UDP.
    public var unixSocketPath: String? = nil
    public var unixSocketMask: Int = 0o700
    public var backlog: Int = 1024
    public var workerThreads: Int = 4
    /// Where the listening ports are written once open (memcached's `MEMCACHED_PORT_FILENAME`).
    public var portFilePath: String? = nil
    /// Clients (TCP and UDP) outside it are refused before a byte is read.
    public var allowlist: SharedAllowlist? = nil
    /// Connections at start; `LiveConnectionLimits` may change it while serving.
    public var maxConnections: Int = 1024
    /// Requests served per event before yielding, at start (see `LiveConnectionLimits`).
    public var requestsPerEvent: Int = 20
    /// Seconds without a complete command before a connection is closed, at start; 0: never.
    public var idleTimeout: Int = 0
    /// Seconds a request may stay incomplete when there is no idle timeout.
    public var incompleteRequestTimeout: Int = 120
    /// Unsent output above which a connection is not read until it drains.
    public var outputHighWater: Int = 1 << 20
    /// The most one connection's input buffer may grow to hold a single incomplete request; a
    /// client still short of a complete request then is closed.
    public var maxInputCapacity: Int = (1 << 20) * 2 + 64 * 1024
    /// Bytes all workers' buffer pools may hold together; 0: no limit.
    public var readBufferMemoryLimit: Int = 0
    /// What a client refused at accept for going past `maxConnections` is sent before it is closed
    /// (the protocol's error line; empty: nothing).
    public var overCapacityReply: StaticString = ""

    public init() {}
}
