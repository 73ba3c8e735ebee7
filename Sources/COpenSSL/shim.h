#ifndef SWIFTCACHED_COPENSSL_SHIM_H
#define SWIFTCACHED_COPENSSL_SHIM_H
/* OpenSSL 3 (Debian's libssl-dev): libssl for the TLS transport, libcrypto for the cluster secret's
   HMAC-SHA256 (the one-shot HMAC(), not deprecated in OpenSSL 3), CRYPTO_memcmp for constant-time
   comparison and RAND_bytes for nonces. No home-made cryptography anywhere in the project.
   For TLS, Several of the calls it needs are macros
   over SSL_CTX_ctrl / SSL_ctrl, and its option bits are 64-bit macro expressions: Swift imports
   neither, so they are wrapped here as inline functions. */
#include <stdint.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

static inline int swiftcached_ssl_ctx_set_min_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline void swiftcached_ssl_ctx_set_modes(SSL_CTX *ctx, long modes) {
    (void)SSL_CTX_set_mode(ctx, modes);
}

/* Read ahead: one recv takes whatever the socket holds (up to the record buffer) instead of a
   record's 5-byte header and then its body, two system calls per record. */
static inline void swiftcached_ssl_ctx_set_read_ahead(SSL_CTX *ctx) {
    SSL_CTX_set_read_ahead(ctx, 1);
}

static inline void swiftcached_ssl_ctx_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    (void)SSL_CTX_set_session_cache_mode(ctx, mode);
}

/* Options every server context gets: no renegotiation (a client cannot make the worker redo a
   handshake mid-stream), no TLS compression, and an EOF without close_notify reads as an ordinary
   end of stream. */
static inline uint64_t swiftcached_ssl_base_options(void) {
    return SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF;
}

/* Carries the session-ticket keys of a context over to the one replacing it (refresh_certs), so
   tickets issued before a reload still resume a session, as they do in memcached, whose reload keeps
   its one context. 0 when OpenSSL refuses either step. */
static inline int swiftcached_ssl_ctx_copy_ticket_keys(SSL_CTX *from, SSL_CTX *to) {
    unsigned char keys[80];  /* OpenSSL 3: key name, HMAC secret, AES key (16 + 32 + 32 bytes) */
    if (SSL_CTX_get_tlsext_ticket_keys(from, keys, sizeof keys) != 1) return 0;
    int copied = (int)SSL_CTX_set_tlsext_ticket_keys(to, keys, sizeof keys);
    OPENSSL_cleanse(keys, sizeof keys);
    return copied;
}

static inline uint64_t swiftcached_ssl_option_kernel_tls(void) {
#ifdef SSL_OP_ENABLE_KTLS
    return SSL_OP_ENABLE_KTLS;
#else
    return 0;
#endif
}

/* Whether this OpenSSL was built with kernel TLS support at all. */
static inline int swiftcached_ssl_has_kernel_tls(void) {
#if defined(OPENSSL_NO_KTLS) || !defined(SSL_OP_ENABLE_KTLS)
    return 0;
#else
    return 1;
#endif
}

/* Whether the kernel took over sending on this connection (after the handshake). */
static inline int swiftcached_ssl_kernel_sends(SSL *ssl) {
#if defined(OPENSSL_NO_KTLS) || !defined(SSL_OP_ENABLE_KTLS)
    (void)ssl;
    return 0;
#else
    return (int)BIO_get_ktls_send(SSL_get_wbio(ssl));
#endif
}

#endif
