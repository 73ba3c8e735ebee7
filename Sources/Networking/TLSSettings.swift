/// memcached 1.6.18's TLS settings (`-Z` and the `-o ssl_…` options), as given on the command line.
/// The network layer builds its OpenSSL context from these; `stats settings` prints them while TLS
/// is on.
public struct TLSSettings: Sendable, Equatable {
    /// `-Z`: TCP listeners speak TLS (except `-l notls:…` ones; unix sockets and UDP never do).
    public var enabled = false
    /// `ssl_chain_cert`: the server's certificate chain, PEM.
    public var chainCertificate: String? = nil
    /// `ssl_key`: its private key (memcached needs it even when the chain file holds the key).
    public var key: String? = nil
    /// `ssl_keyformat`: OpenSSL's file type number, 1 PEM (default) or 2 DER (ASN.1).
    public var keyFormat: Int = 1
    /// `ssl_verify_mode`: 0 none, 1 request a client certificate, 2 require one, 3 require one once.
    public var verifyMode: Int = 0
    /// `ssl_ciphers`: an OpenSSL cipher list (TLS 1.2 and below); nil leaves OpenSSL's default.
    public var ciphers: String? = nil
    /// `ssl_ca_cert`: PEM file of the CAs a client certificate must chain to.
    public var caCertificate: String? = nil
    /// `ssl_wbuf_size` (given in kilobytes, kept in bytes): the most one TLS write takes from a
    /// connection's output, and so what a write the socket did not take may hold back.
    public var writeBufferSize: Int = 16 * 1024
    /// `ssl_session_cache`: OpenSSL's server-side session cache and `ssl_new_sessions` (session
    /// tickets, on either way as in memcached, resume handshakes without it too).
    public var sessionCache = false
    /// `ssl_kernel_tls`: hand record encryption to the kernel where it and OpenSSL offer it.
    public var kernelTLS = false
    /// `ssl_min_version`: 0 TLS 1.0, 1 TLS 1.1, 2 TLS 1.2 (default), 3 TLS 1.3.
    public var minimumVersion: Int = 2
    /// Seconds a connection may take to finish its handshake before it is closed (memcached has no
    /// such bound; without one a client that stops half-way holds its connection forever unless
    /// `idle_timeout` is set).
    public var handshakeTimeout: Int = 10

    public init() {}

    /// `ssl_verify_mode` as memcached keeps and prints it: OpenSSL's SSL_VERIFY_* bits (peer 1,
    /// fail without a peer certificate 2, client once 4).
    public var verifyFlags: Int { [0, 1, 3, 7][verifyMode] }

    /// `ssl_min_version` as `stats settings` prints it.
    public var minimumVersionName: String { ["tlsv1.0", "tlsv1.1", "tlsv1.2", "tlsv1.3"][minimumVersion] }
}
