#ifndef SWIFTCACHED_CCRYPTO_SHIM_H
#define SWIFTCACHED_CCRYPTO_SHIM_H
/* OpenSSL's libcrypto, only for what the cluster secret needs: HMAC-SHA256 (the one-shot HMAC(),
   not deprecated in OpenSSL 3), CRYPTO_memcmp for a constant-time comparison and RAND_bytes for
   nonces. No home-made cryptography anywhere in the project. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#endif
