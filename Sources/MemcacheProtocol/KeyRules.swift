/// Which keys the server accepts.
public enum KeyRules {
    /// memcached's KEY_MAX_LENGTH.
    public static let maxKeyLength = 250

    /// At most 250 bytes, and no control characters or DEL. memcached 1.6.18 accepts keys with
    /// tabs or other control bytes (it only splits on spaces); refusing them is a deliberate
    /// difference, reported with the same error as an over-long key.
    @inlinable
    public static func isAcceptable(_ key: UnsafeRawBufferPointer) -> Bool {
        guard key.count <= maxKeyLength else { return false }
        for byte in key where byte < 0x21 || byte == 0x7F {
            return false
        }
        return true
    }
}
