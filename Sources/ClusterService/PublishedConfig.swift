import Cluster
import RequestHandling
import Locking

/// One published configuration with its answers pre-built, so serving `config get cluster` is a
/// pointer copy under a lock and a byte append.
public final class ConfigSnapshot: Sendable {
    public let payload: ConfigPayload
    public let configResponse: [UInt8]
    public let legacyValueLines: [UInt8]

    public init(_ payload: ConfigPayload) {
        self.payload = payload
        configResponse = payload.configResponse
        legacyValueLines = payload.legacyValueLines
    }
}

/// The configuration that sessions answer with. On the endpoint the coordinator replaces it after
/// each version change; on a data node the registrar replaces it with what the endpoint said. The
/// mutex guards only the reference (held for a pointer copy).
public final class PublishedConfig: ClusterConfigSource, Sendable {
    private let snapshot = Locked<ConfigSnapshot?>(nil)

    public init() {}

    public var current: ConfigSnapshot? { snapshot.withLock { $0 } }

    /// Installs `payload` unless a version at least as high is already there (a client must never
    /// see the version go down). Returns true when it was installed.
    @discardableResult
    public func offer(_ payload: ConfigPayload) -> Bool {
        let candidate = ConfigSnapshot(payload)
        return snapshot.withLock { held in
            if let held, held.payload.version >= payload.version { return false }
            held = candidate
            return true
        }
    }

    public func configGetClusterResponse() -> [UInt8]? { current?.configResponse }
}
