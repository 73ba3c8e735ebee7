import COpenSSL
import Locking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The server's TLS configuration as an OpenSSL `SSL_CTX`, built from `-Z` and the `ssl_…` options,
/// shared by every worker. Workers create each connection's `SSL` from it (`SSL_new` takes its own
/// reference on the context). `refresh_certs` builds a whole new context and swaps it in: connections
/// accepted afterwards get the new certificate, open ones keep the context they were made from, and
/// nothing is ever changed under a connection that is using it.
public final class TLSServerContext: @unchecked Sendable {
    public let settings: TLSSettings
    public let usesKernelTLS: Bool
    /// The context new connections are made from, and when its certificates were loaded
    /// (monotonic seconds). Held only for a pointer swap or an `SSL_new`.
    private let current: Locked<(context: OpaquePointer, loadedAt: Int)>

    /// Loads the certificates; the error's message is memcached's (printed to stderr, exit 64).
    public init(settings: TLSSettings) throws(TLSSetupError) {
        self.settings = settings
        usesKernelTLS = settings.kernelTLS && KernelTLSSupport.isAvailable
        current = Locked((try TLSServerContext.makeContext(settings, kernelTLS: usesKernelTLS), monotonicSeconds()))
    }

    deinit {
        current.withLock { SSL_CTX_free($0.context) }
    }

    /// A new connection's `SSL`, from the context in use now; nil if OpenSSL is out of memory.
    func makeConnectionState() -> OpaquePointer? {
        current.withLock { SSL_new($0.context) }
    }

    public func reloadCertificates() -> String? {
        let fresh: OpaquePointer
        do {
            fresh = try TLSServerContext.makeContext(settings, kernelTLS: usesKernelTLS)
        } catch {
            return error.message
        }
        let now = monotonicSeconds()
        let previous = current.withLock { state in
            defer { state = (fresh, now) }
            _ = swiftcached_ssl_ctx_copy_ticket_keys(state.context, fresh)  // else: old tickets only cost a full handshake
            return state.context
        }
        SSL_CTX_free(previous)  // open connections hold their own references
        return nil
    }

    public var secondsSinceCertificateLoad: Int {
        monotonicSeconds() - current.withLock { $0.loadedAt }
    }

    // MARK: Building a context

    /// memcached's `SSL_CTX` set-up, in its order, with its messages.
    private static func makeContext(_ settings: TLSSettings, kernelTLS: Bool) throws(TLSSetupError) -> OpaquePointer {
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw TLSSetupError.fromQueue("Unable to create the TLS context") }
        do {
            try configure(context, settings, kernelTLS: kernelTLS)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        return context
    }

    private static func configure(_ context: OpaquePointer, _ settings: TLSSettings, kernelTLS: Bool) throws(TLSSetupError) {
        TLSContextSetup.setMinimumVersion(context, settings.minimumVersion)
        var options = swiftcached_ssl_base_options()
        if kernelTLS { options |= swiftcached_ssl_option_kernel_tls() }
        // Partial writes stay off: a write completes whole or is retried whole (TLSChannel). No
        // SSL_MODE_RELEASE_BUFFERS, which frees and allocates the record buffers around every
        // record: the worker's once-a-second sweep frees those of idle connections instead
        // (TLSChannel.releaseIdleBuffers), as it takes back their input and output blocks.
        swiftcached_ssl_ctx_set_modes(context, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        // One recv per read, not two per record; what it reads beyond a record is seen by
        // SSL_has_pending, which the connection asks after serving (TLSChannel.hasBufferedInput).
        swiftcached_ssl_ctx_set_read_ahead(context)
        try loadCertificates(context, settings)
        try applyVerification(context, settings)
        try TLSContextSetup.setCiphers(context, settings.ciphers)
        applySessionCache(context, settings.sessionCache)
        _ = SSL_CTX_set_options(context, options)
    }

    /// `ssl_session_cache`, as memcached sets it up: session tickets stay OpenSSL's default either
    /// way (stateless; TLS 1.3 sends two after a full handshake, one after a resumed one), so clients
    /// resume with or without the cache; the cache adds OpenSSL's server-side session-id cache, and
    /// every session OpenSSL creates for resumption (one per TLS 1.3 ticket, one per cached TLS 1.2
    /// session id) counts in `ssl_new_sessions` through OpenSSL's new-session callback, as memcached
    /// counts them.
    private static func applySessionCache(_ context: OpaquePointer, _ enabled: Bool) {
        guard enabled else { return swiftcached_ssl_ctx_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF)) }
        swiftcached_ssl_ctx_set_session_cache_mode(context, Int(SSL_SESS_CACHE_SERVER))
        SSL_CTX_sess_set_new_cb(context) { ssl, _ in
            TLSChannel.countNewSession(on: ssl)
            return 0  // OpenSSL keeps no extra reference to the session for us
        }
        let name = Array("swiftcached".utf8)
        _ = SSL_CTX_set_session_id_context(context, name, UInt32(name.count))
    }

    /// The chain and the key, each required, as memcached requires them.
    private static func loadCertificates(_ context: OpaquePointer, _ settings: TLSSettings) throws(TLSSetupError) {
        guard let chain = settings.chainCertificate else { throw TLSSetupError.missingPath(TLSContextSetup.chainFailure) }
        try TLSContextSetup.loadChain(context, chain)
        guard let key = settings.key else { throw TLSSetupError.missingPath(TLSContextSetup.keyFailure) }
        try TLSContextSetup.loadKey(context, key, format: settings.keyFormat)
    }

    /// `ssl_verify_mode` and `ssl_ca_cert`: which client certificates are asked for and trusted.
    private static func applyVerification(_ context: OpaquePointer, _ settings: TLSSettings) throws(TLSSetupError) {
        // OpenSSL's SSL_VERIFY_* bits: none, peer, + fail without one, + client once (TLSSettings).
        SSL_CTX_set_verify(context, Int32(settings.verifyFlags), nil)
        guard let authorities = settings.caCertificate else { return }
        try TLSContextSetup.trustAuthorities(context, authorities)
        SSL_CTX_set_client_CA_list(context, SSL_load_client_CA_file(authorities))
    }
}

/// A TLS set-up failure with memcached's message: "<what failed>: <path> : <OpenSSL's first error>".
public struct TLSSetupError: Error {
    public let message: String

    /// Takes the first error of this thread's OpenSSL queue for the message and prints the rest to
    /// stderr, as memcached does, leaving the queue empty.
    static func fromQueue(_ what: String) -> TLSSetupError {
        let first = ERR_get_error()
        ERR_print_errors_fp(stderr)
        guard first != 0 else { return TLSSetupError(message: what) }
        return TLSSetupError(message: "\(what) : \(describe(first))")
    }

    /// memcached hands OpenSSL a NULL path when an option is missing; glibc's fopen fails it with
    /// EFAULT, and the message names "(null)" and that error. The same words, without the NULL
    /// (which crashes under the sanitizers' fopen): OpenSSL 3 codes a system error as the flag bit
    /// plus errno.
    static func missingPath(_ what: String) -> TLSSetupError {
        TLSSetupError(message: "\(what): (null) : \(describe(UInt(0x8000_0000) | UInt(EFAULT)))")
    }

    private static func describe(_ code: UInt) -> String {
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(cString: text)
    }
}
