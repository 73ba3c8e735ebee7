import COpenSSL

/// The `SSL_CTX` settings the server's context (`TLSServerContext`) and the client's
/// (`TLSClientContext`) have in common, with memcached's messages for what OpenSSL refuses.
enum TLSContextSetup {
    static let chainFailure = "Error loading the certificate chain"
    static let keyFailure = "Error loading the key"

    /// `ssl_min_version`'s index (0 TLS 1.0 … 3 TLS 1.3) as the context's protocol floor.
    static func setMinimumVersion(_ context: OpaquePointer, _ index: Int) {
        let versions = [TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION]
        _ = swiftcached_ssl_ctx_set_min_version(context, Int32(versions[index]))
    }

    /// An OpenSSL cipher list (TLS 1.2 and below); nil keeps OpenSSL's default.
    static func setCiphers(_ context: OpaquePointer, _ ciphers: String?) throws(TLSSetupError) {
        guard let ciphers, SSL_CTX_set_cipher_list(context, ciphers) != 1 else { return }
        ERR_clear_error()
        throw TLSSetupError(message: "Error setting the provided cipher(s): \(ciphers)")
    }

    /// The certificate chain this side presents, PEM.
    static func loadChain(_ context: OpaquePointer, _ chain: String) throws(TLSSetupError) {
        guard SSL_CTX_use_certificate_chain_file(context, chain) == 1 else {
            throw TLSSetupError.fromQueue("\(chainFailure): \(chain)")
        }
    }

    /// Its private key; this also refuses a key that does not match the certificate ("key values
    /// mismatch").
    static func loadKey(_ context: OpaquePointer, _ key: String, format: Int) throws(TLSSetupError) {
        guard SSL_CTX_use_PrivateKey_file(context, key, Int32(format)) == 1 else {
            throw TLSSetupError.fromQueue("\(keyFailure): \(key)")
        }
    }

    /// The CAs (PEM file) a peer's certificate must chain to.
    static func trustAuthorities(_ context: OpaquePointer, _ authorities: String) throws(TLSSetupError) {
        guard SSL_CTX_load_verify_locations(context, authorities, nil) == 1 else {
            throw TLSSetupError.fromQueue("Error loading the CA certificate: \(authorities)")
        }
    }
}
