import AccessControl
import CacheEngine
import Networking

/// Everything the command line decides, for the server to run by and for `stats settings` to print.
public struct ServerSettings: Sendable {
    /// The engine's configuration, with the LRU crawler on as in memcached (`-o no_lru_crawler`).
    public var engine: EngineConfiguration = {
        var configuration = EngineConfiguration()
        configuration.lruCrawler = true
        return configuration
    }()
    public var tcpPort: Int = 11211
    public var udpPort: Int = 0
    /// `MEMCACHED_PORT_FILENAME`: where to write the ports bound (see `PortFile`); nil writes nothing.
    public var portFilePath: String? = nil
    /// `-B`: which protocol a connection may speak (`auto` decides by its first byte).
    public var bindingProtocol: BindingProtocol = .auto
    /// `-S`: binary connections must authenticate with SASL PLAIN against these credentials.
    public var saslCredentials: CredentialStore? = nil
    /// `-Y`: text connections must authenticate with a `set` of `user password` first.
    public var asciiCredentials: CredentialStore? = nil
    /// The `-Y` file's path, for `stats settings` (`auth_enabled_ascii`).
    public var asciiAuthFile: String? = nil
    /// `-Z` and the `-o ssl_…` options.
    public var tls = TLSSettings()
    public var unixSocketPath: String? = nil
    /// `-a`: permissions of the unix socket file.
    public var unixSocketMask: Int = 0o700
    /// `-l`: addresses to listen on; empty means every interface.
    public var listenAddresses: [String] = []
    /// `--allow`/`--allow-file`: clients outside every range are closed at accept (TCP) or dropped
    /// (UDP), counted in `rejected_by_allowlist`; nil serves every client.
    public var allowlist: SharedAllowlist? = nil
    public var maxConnections: Int = 1024
    public var workerThreads: Int = 4
    /// `-R`: requests served from one connection per event before yielding.
    public var requestsPerEvent: Int = 20
    public var backlog: Int = 1024
    /// `-X` turns this off: `stats cachedump` and `lru_crawler metadump` are then refused.
    public var dumpEnabled: Bool = true
    public var verbosity: Int = 0
    /// `-o idle_timeout`: seconds without a complete command (memcached's `last_cmd_time`) before a
    /// client is closed, however many bytes of an unfinished request it sends meanwhile; 0 never.
    public var idleTimeout: Int = 0
    /// Without `idle_timeout`: seconds a request (its line, or its data block) may stay incomplete
    /// before the connection is closed. memcached has no such bound and waits forever, so one client
    /// trickling a byte now and then holds a connection and its pending item indefinitely. Two
    /// minutes is generous: a 1 MB value arriving that slowly would come at under 9 KB/s.
    public var incompleteRequestTimeout: Int = 120
    /// Output pending on a connection above which the worker stops reading from it.
    public var outputHighWater: Int = 1 << 20
    /// Which values are sent without a copy, and what one connection's responses may hold.
    public var responseLimits = ResponseLimits()
    /// `-o read_buf_mem_limit` (given in megabytes, kept in bytes): what the read and response
    /// buffers of all connections together may hold; 0 means no limit (memcached's default).
    public var readBufferMemoryLimit: Int = 0
    /// Longest command line without a newline before the connection is closed (memcached: 2048).
    public var maxLineLength: Int = 2048
    /// `-A`, `-F`, `-W`, `-D` and the memcached settings accepted without effect.
    public var admin = AdminSettings()
    /// What `stats` reports as `libevent` (the network layer fills in `event_get_version()`).
    public var libeventVersion: String = "unknown"

    public init() {}
}

/// What `version` and `stats version` answer: the memcached protocol level this server implements,
/// as a plain X.Y.Z. Clients parse it strictly (ElastiCache auto-discovery clients compare it with
/// 1.4.14 before sending `config get cluster`), so Swiftcached's own version stays out of it.
public let reportedVersion = "1.6.18"

/// Swiftcached's own release, for `-V`, `-h` and the docs.
public let swiftcachedRelease = "0.1"
