#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IP address as 128 bits in network order, split into two words so that masking a prefix is two
/// AND operations. IPv4 addresses are held as IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`), which
/// is how a dual-stack socket reports an IPv4 peer anyway: one form, one comparison, and
/// `::ffff:127.0.0.1` is the same client as `127.0.0.1`.
public struct IPAddressBits: Hashable, Sendable {
    public var high: UInt64
    public var low: UInt64

    /// Where an IPv4 address sits inside its mapped form: the bits before it.
    public static let mappedIPv4Prefix = 96
    private static let mappedIPv4Marker: UInt64 = 0x0000_FFFF_0000_0000

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// From an `in_addr` (network order).
    public init(ipv4 address: in_addr) {
        self.init(high: 0, low: Self.mappedIPv4Marker | UInt64(UInt32(bigEndian: address.s_addr)))
    }

    /// From an `in6_addr`: its 16 bytes, most significant first.
    public init(ipv6 address: in6_addr) {
        var words = (UInt64(0), UInt64(0))
        withUnsafeBytes(of: address) { bytes in
            for index in 0..<8 { words.0 = words.0 << 8 | UInt64(bytes[index]) }
            for index in 8..<16 { words.1 = words.1 << 8 | UInt64(bytes[index]) }
        }
        self.init(high: words.0, low: words.1)
    }

    /// The peer of an accepted socket or a received datagram; nil for a family other than IPv4/IPv6
    /// (a unix socket has no address to match).
    public init?(socketAddress: UnsafePointer<sockaddr>) {
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            self.init(ipv4: socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr })
        case AF_INET6:
            self.init(ipv6: socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr })
        default:
            return nil
        }
    }

    /// Whether this is an IPv4 address (in its mapped form).
    public var isIPv4: Bool { high == 0 && low >> 32 == Self.mappedIPv4Marker >> 32 }

    /// The address with every bit after the first `prefixLength` cleared.
    public func masked(to prefixLength: Int) -> IPAddressBits {
        IPAddressBits(high: high & Self.mask(prefixLength), low: low & Self.mask(prefixLength - 64))
    }

    /// A word with its first `bits` bits set (none for 0 or less, all for 64 or more).
    private static func mask(_ bits: Int) -> UInt64 {
        if bits <= 0 { return 0 }
        if bits >= 64 { return ~0 }
        return ~0 << UInt64(64 - bits)
    }
}
