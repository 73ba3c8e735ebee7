/// What the text protocol may ask of the server's TLS context, which lives in the network layer:
/// `refresh_certs`, and the figures `stats` and `stats settings` print.
public protocol TLSControl: AnyObject, Sendable {
    /// Loads the certificate chain and key again for connections accepted from now on; nil when
    /// that worked, else memcached's message for the failure (sent to the client as the answer).
    func reloadCertificates() -> String?
    /// Seconds since the certificates in use were loaded (`time_since_server_cert_refresh`).
    var secondsSinceCertificateLoad: Int { get }
    /// Whether `ssl_kernel_tls` is in effect: asked for, and both OpenSSL and the kernel offer it.
    var usesKernelTLS: Bool { get }
}
