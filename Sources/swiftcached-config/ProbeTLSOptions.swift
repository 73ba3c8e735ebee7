import ArgumentParser
import Networking

/// `--probe-tls`: probes speak TLS to the data nodes, for nodes started with `-Z` (a clear probe
/// would fail their handshake and drop them). The node's certificate must chain to
/// `--probe-ca-cert` (default: the system's CAs); a client certificate answers nodes that require
/// one (`ssl_verify_mode=2`).
struct ProbeTLSOptions: ParsableArguments {
    @Flag(name: .customLong("probe-tls"), help: "Probe the data nodes over TLS (nodes run with -Z).")
    var enabled = false

    @Option(name: .customLong("probe-ca-cert"), help: "PEM file of the CAs the nodes' certificates must chain to.")
    var caCertificate: String?

    @Option(name: .customLong("probe-client-cert"), help: "Certificate chain (PEM) presented to nodes that require one.")
    var clientCertificate: String?

    @Option(name: .customLong("probe-client-key"), help: "Private key (PEM) of --probe-client-cert.")
    var clientKey: String?

    func validate() throws {
        if let problem = settings.commandLineProblem(enabled: enabled, flag: "--probe-tls", prefix: "probe") {
            throw ValidationError(problem)
        }
    }

    private var settings: TLSClientSettings {
        TLSClientSettings(caCertificate: caCertificate, certificate: clientCertificate, key: clientKey)
    }

    /// nil without `--probe-tls`.
    func makeContext() throws(TLSSetupError) -> TLSClientContext? {
        enabled ? try TLSClientContext(settings: settings) : nil
    }
}
