import COpenSSL

/// What a client side of TLS trusts and presents: a data node registering with its endpoint, the
/// endpoint probing its nodes. The peer's certificate is always verified: against `caCertificate`
/// when given, else against the system's trust store.
public struct TLSClientSettings: Sendable, Equatable {
    /// PEM file of the CAs the peer's certificate must chain to; nil: the system's store.
    public var caCertificate: String?
    /// The certificate chain (PEM) and key presented for mutual TLS; both or neither.
    public var certificate: String?
    public var key: String?

    public init(caCertificate: String? = nil, certificate: String? = nil, key: String? = nil) {
        self.caCertificate = caCertificate
        self.certificate = certificate
        self.key = key
    }
}

extension TLSClientSettings {
    /// The command-line rules shared by the executables' client TLS options (`--cluster-…` on a
    /// node, `--probe-…` on the endpoint): files only with TLS switched on by `flag`, certificate
    /// and key together. nil when they hold, else what to tell the user.
    public func commandLineProblem(enabled: Bool, flag: String, prefix: String) -> String? {
        guard enabled || self == TLSClientSettings() else {
            return "--\(prefix)-ca-cert, --\(prefix)-client-cert and --\(prefix)-client-key go with \(flag)"
        }
        guard (certificate == nil) == (key == nil) else { return "--\(prefix)-client-cert and --\(prefix)-client-key go together" }
        return nil
    }
}

/// An OpenSSL client `SSL_CTX` built once from `TLSClientSettings` and shared by the exchanges of
/// one thread (the registrar's, the prober's). OpenSSL 3 allows `SSL_new` on a context from any
/// thread; nothing changes the context after `init`.
public final class TLSClientContext: @unchecked Sendable {
    public let settings: TLSClientSettings
    private let context: OpaquePointer

    /// Loads the files; the error's message says which file OpenSSL refused and why.
    public init(settings: TLSClientSettings) throws(TLSSetupError) {
        self.settings = settings
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw TLSSetupError.fromQueue("Unable to create the TLS context") }
        do {
            try Self.configure(context, settings)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        self.context = context
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// A client channel over the connected (or connecting) socket `fd`. With `host`, the peer's
    /// certificate must also name it (a DNS name or an IP address in its subjectAltName). nil only
    /// when OpenSSL is out of memory or refuses the name.
    public func makeChannel(fd: Int32, verifyingHost host: String?) -> TLSClientChannel? {
        TLSClientChannel(fd: fd, context: context, host: host)
    }

    /// TLS 1.2 at least, the server's base options (no renegotiation, no compression), peer
    /// verification always on.
    private static func configure(_ context: OpaquePointer, _ settings: TLSClientSettings) throws(TLSSetupError) {
        TLSContextSetup.setMinimumVersion(context, 2)
        _ = SSL_CTX_set_options(context, swiftcached_ssl_base_options())
        swiftcached_ssl_ctx_set_modes(context, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let authorities = settings.caCertificate {
            try TLSContextSetup.trustAuthorities(context, authorities)
        } else if SSL_CTX_set_default_verify_paths(context) != 1 {
            throw TLSSetupError.fromQueue("Error loading the system's CA certificates")
        }
        guard let certificate = settings.certificate else { return }
        try TLSContextSetup.loadChain(context, certificate)
        guard let key = settings.key else { throw TLSSetupError.missingPath(TLSContextSetup.keyFailure) }
        try TLSContextSetup.loadKey(context, key, format: Int(SSL_FILETYPE_PEM))
    }
}
