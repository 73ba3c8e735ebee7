import ArgumentParser
import Cluster
import ClusterService
import Networking
import RequestHandling
#if canImport(Glibc)
import Glibc
#endif

/// Joining a cluster: `--cluster-endpoint HOST:PORT --advertise HOST|IP|PORT`. The node registers
/// itself with the endpoint, renews its lease every heartbeat, and answers `config get cluster` with
/// the endpoint's view (see docs/cluster.md); over TLS with `--cluster-endpoint-tls`.
struct ClusterOptions: ParsableArguments {
    @Option(name: .customLong("cluster-endpoint"), help: "Configuration endpoint to register with, HOST:PORT.")
    var endpoint: String?

    @Option(name: .customLong("advertise"), help: "How clients reach this node, HOST|IP|PORT (IP may be empty).")
    var advertise: String?

    @Option(name: .customLong("heartbeat-interval"), help: "Seconds between lease renewals (the lease is 3 intervals).")
    var heartbeat: Double = 2.0

    @Option(name: .customLong("cluster-secret-file"),
            help: "File holding the secret shared with the endpoint; registrations carry a proof made with it. Without it the node only reads the endpoint's list.")
    var secretFile: String?

    @Flag(name: .customLong("cluster-endpoint-tls"),
          help: "Talk to the endpoint over TLS; its certificate must chain to --cluster-ca-cert (default: the system's CAs) and name the endpoint's host.")
    var endpointTLS = false

    @Option(name: .customLong("cluster-ca-cert"), help: "PEM file of the CAs the endpoint's certificate must chain to.")
    var caCertificate: String?

    @Option(name: .customLong("cluster-client-cert"), help: "Certificate chain (PEM) this node presents to a mutual-TLS endpoint.")
    var clientCertificate: String?

    @Option(name: .customLong("cluster-client-key"), help: "Private key (PEM) of --cluster-client-cert.")
    var clientKey: String?

    func validate() throws {
        guard (endpoint == nil) == (advertise == nil) else {
            throw ValidationError("--cluster-endpoint and --advertise go together")
        }
        if endpoint != nil { _ = try endpointAddress() }
        if let advertise {
            do { _ = try ClusterNode(entry: Substring(advertise)) } catch { throw ValidationError("--advertise: \(error)") }
        }
        guard heartbeat >= 0.1 else { throw ValidationError("--heartbeat-interval must be >= 0.1") }
        guard secretFile == nil || endpoint != nil else { throw ValidationError("--cluster-secret-file goes with --cluster-endpoint") }
        guard !endpointTLS || endpoint != nil else { throw ValidationError("--cluster-endpoint-tls goes with --cluster-endpoint") }
        if let problem = tlsSettings.commandLineProblem(enabled: endpointTLS, flag: "--cluster-endpoint-tls", prefix: "cluster") {
            throw ValidationError(problem)
        }
    }

    private var tlsSettings: TLSClientSettings {
        TLSClientSettings(caCertificate: caCertificate, certificate: clientCertificate, key: clientKey)
    }

    private func endpointAddress() throws -> (host: String, port: Int) {
        guard let endpoint, let colon = endpoint.lastIndex(of: ":"),
              let port = Int(endpoint[endpoint.index(after: colon)...]), (1...65535).contains(port),
              colon != endpoint.startIndex else {
            throw ValidationError("--cluster-endpoint must be HOST:PORT")
        }
        return (String(endpoint[..<colon]), port)
    }

    /// The cluster secret, read before the process gives up root for `-u` (the file is best readable
    /// by root alone). A missing, short or oversized file is a usage error.
    func loadSecret() throws(CommandLineError) -> ClusterSecret? {
        guard let secretFile else {
            if endpoint != nil {
                fputs("WARNING: no --cluster-secret-file: this node does not register; the endpoint must list it in its cluster file\n", stderr)
            }
            return nil
        }
        do {
            let secret = try ClusterSecret(path: secretFile)
            if let warning = secret.warning { fputs("WARNING: \(warning)\n", stderr) }
            return secret
        } catch {
            throw CommandLineError(error.description)
        }
    }

    /// The TLS client context for the endpoint, loaded (like the secret) before the process gives
    /// up root; a file OpenSSL refuses is a usage error. nil without `--cluster-endpoint-tls`.
    func loadTLS() throws(CommandLineError) -> TLSClientContext? {
        guard endpointTLS else { return nil }
        do {
            return try TLSClientContext(settings: tlsSettings)
        } catch {
            throw CommandLineError(error.message)
        }
    }

    /// The registrar for this node, its view installed as the context's `config get cluster` source;
    /// nil outside a cluster.
    func makeRegistrar(for context: ServerContext, secret: ClusterSecret?, tls: TLSClientContext?) throws -> EndpointRegistrar? {
        guard let advertise else { return nil }
        let address = try endpointAddress()
        let registrar = try EndpointRegistrar(
            endpointHost: address.host, endpointPort: address.port, node: try ClusterNode(entry: Substring(advertise)),
            heartbeat: heartbeat, secret: secret, tls: tls, log: { [unowned context] message in
                if context.verbosity > 0 { fputs(message + "\n", stderr) }
            })
        context.clusterConfig = registrar.published
        return registrar
    }
}
