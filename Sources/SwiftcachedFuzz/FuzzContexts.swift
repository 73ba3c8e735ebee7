import CacheEngine
import Cluster
import MemcacheProtocol
import OutputBuffers
import RequestHandling

/// The server state the session targets run against: one small engine shared by every input (so
/// items stored by one input meet later ones, as on a long-lived server), seen through a plain
/// server and through one started with `-S`.
enum FuzzContexts {
    static let engine: CacheEngine = CacheEngine(configuration: settings(sasl: false).engine)

    /// No SASL, and a cluster view so `config get cluster` has something to answer.
    static let plain: WorkerContext = {
        let server = ServerContext(settings: settings(sasl: false), engine: engine)
        server.clusterConfig = FixedClusterConfig()
        return WorkerContext(server: server, workerIndex: 0)
    }()

    /// `-S` with the user alice, password secret.
    static let sasl = WorkerContext(server: ServerContext(settings: settings(sasl: true), engine: engine), workerIndex: 0)

    /// The `-Y` users of the auth target.
    static let asciiCredentials = try! CredentialStore(contents: Array("alice:secret\nbob:pw\n".utf8))

    /// Reused by every input; emptied after each.
    static var output = OutputBuffer(capacity: 64 << 10)

    static func settings(sasl: Bool) -> ServerSettings {
        var settings = ServerSettings()
        settings.engine.memoryLimit = 8 << 20
        settings.engine.itemSizeMax = 64 << 10
        settings.engine.slabPageSize = 1 << 20
        settings.engine.slabChunkMax = 512 << 10
        if sasl {
            settings.saslCredentials = try! CredentialStore(contents: Array("alice:secret\n".utf8), passwordEnd: .colonOrEndOfLine)
        }
        return settings
    }
}

/// A data node's view of its cluster, fixed for the fuzzer.
final class FixedClusterConfig: ClusterConfigSource {
    let response = ConfigPayload(version: 3, nodes: [ClusterNode(host: "node-a", ip: "10.0.0.1", port: 11211)]).configResponse

    func configGetClusterResponse() -> [UInt8]? { response }
}
