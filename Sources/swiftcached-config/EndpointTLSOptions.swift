import ArgumentParser
import Networking
import RequestHandling

/// `-Z`/`--tls` and the `--tls-…` options: the endpoint's listeners speak TLS (but `-l notls:…`
/// ones). Each option is one of the data node's `-o ssl_…` settings under another name, filling the
/// same `TLSSettings`, served by the same `TLSServerContext`.
struct EndpointTLSOptions: ParsableArguments {
    @Flag(name: [.customShort("Z"), .customLong("tls")],
          help: "Serve TLS on the listeners (-l notls:ADDR:PORT stays clear); needs --tls-cert and --tls-key.")
    var enabled = false

    @Option(name: .customLong("tls-cert"), help: "Certificate chain, PEM (the data node's ssl_chain_cert).")
    var chainCertificate: String?

    @Option(name: .customLong("tls-key"), help: "Private key, PEM (ssl_key).")
    var key: String?

    @Option(name: .customLong("tls-ca-cert"), help: "PEM file of the CAs client certificates must chain to (ssl_ca_cert).")
    var caCertificate: String?

    @Option(name: .customLong("tls-verify-mode"),
            help: "Client certificates: 0 not asked, 1 asked, 2 required, 3 required once (ssl_verify_mode).")
    var verifyMode = 0

    @Option(name: .customLong("tls-min-version"), help: "Lowest TLS version: 0 1.0, 1 1.1, 2 1.2, 3 1.3 (ssl_min_version).")
    var minimumVersion = 2

    @Option(name: .customLong("tls-ciphers"), help: "OpenSSL cipher list for TLS 1.2 and below (ssl_ciphers).")
    var ciphers: String?

    @Flag(name: .customLong("tls-session-cache"), help: "OpenSSL's server-side session cache and the ssl_new_sessions stat (ssl_session_cache); session tickets resume handshakes without it too.")
    var sessionCache = false

    func validate() throws {
        guard (0...3).contains(verifyMode) else { throw ValidationError("--tls-verify-mode must be 0-3") }
        guard (0...3).contains(minimumVersion) else { throw ValidationError("--tls-min-version must be 0-3") }
    }

    var settings: TLSSettings {
        var settings = TLSSettings()
        settings.enabled = enabled
        settings.chainCertificate = chainCertificate
        settings.key = key
        settings.caCertificate = caCertificate
        settings.verifyMode = verifyMode
        settings.minimumVersion = minimumVersion
        settings.ciphers = ciphers
        settings.sessionCache = sessionCache
        return settings
    }

    /// The listeners' context; nil without `--tls`. A file OpenSSL refuses stops the start with the
    /// data node's message.
    func makeContext() throws(TLSSetupError) -> TLSServerContext? {
        enabled ? try TLSServerContext(settings: settings) : nil
    }
}
