import COpenSSL

/// HMAC-SHA256, comparison and random bytes from OpenSSL's libcrypto: the cluster secret's proofs
/// rest on a kept implementation, not on cryptography written here.
public enum HMACSHA256 {
    /// Bytes in a tag.
    public static let length = 32

    public static func tag(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var tag = [UInt8](repeating: 0, count: length)
        var written: UInt32 = 0
        key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                tag.withUnsafeMutableBytes { tagBytes in
                    // The one-shot HMAC() is not deprecated in OpenSSL 3 (the HMAC_CTX calls are). A
                    // null key pointer for an empty key is refused by it, so point at the buffer.
                    _ = HMAC(EVP_sha256(), keyBytes.baseAddress ?? UnsafeRawPointer(tagBytes.baseAddress!), Int32(keyBytes.count),
                             messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), messageBytes.count,
                             tagBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), &written)
                }
            }
        }
        precondition(written == UInt32(length), "HMAC-SHA256 wrote \(written) bytes")
        return tag
    }

    /// Equal lengths and equal bytes, in a time that does not depend on where they differ
    /// (CRYPTO_memcmp). The lengths are not secret.
    public static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        if left.isEmpty { return true }
        return left.withUnsafeBytes { l in right.withUnsafeBytes { r in CRYPTO_memcmp(l.baseAddress, r.baseAddress, l.count) == 0 } }
    }

    /// `count` bytes from OpenSSL's CSPRNG; nil if it cannot supply them.
    public static func randomBytes(_ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        let status = bytes.withUnsafeMutableBytes { RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(count)) }
        return status == 1 ? bytes : nil
    }
}
