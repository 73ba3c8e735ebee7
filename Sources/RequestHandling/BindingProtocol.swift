/// memcached's `-B`: the protocols a TCP or unix-socket connection may speak.
public enum BindingProtocol: String, Sendable, CaseIterable {
    case ascii
    case binary
    /// Decided per connection by its first byte: 0x80 (the binary request magic) means binary.
    case auto

    /// The name `stats settings` prints for `binding_protocol` (memcached's `prot_text`).
    public var statsName: String {
        switch self {
        case .ascii: return "ascii"
        case .binary: return "binary"
        case .auto: return "auto-negotiate"
        }
    }
}
