import RequestHandling

/// The endpoint's TLS listeners (`--tls`) as its text commands see them: the `stats` lines a data
/// node prints with `-Z`, in memcached's order, and `refresh_certs` (also run on SIGHUP).
public struct EndpointTLS: Sendable {
    /// The listeners' context (Networking's `TLSServerContext`).
    public let control: TLSControl
    /// Where the workers count new sessions and failed handshakes.
    public let counters: CounterRegistry
    /// `--tls-session-cache`: memcached prints `ssl_new_sessions` only with its session cache.
    public let sessionCache: Bool

    public init(control: TLSControl, counters: CounterRegistry, sessionCache: Bool) {
        self.control = control
        self.counters = counters
        self.sessionCache = sessionCache
    }

    var statsLines: [(String, String)] {
        (sessionCache ? [("ssl_new_sessions", "\(counters.total(.sslNewSessions))")] : [])
            + [("ssl_handshake_errors", "\(counters.total(.sslHandshakeErrors))"),
               ("time_since_server_cert_refresh", "\(control.secondsSinceCertificateLoad)")]
    }
}
