#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One range of client addresses: a CIDR block (`10.0.0.0/8`, `fd00::/8`) or a single address
/// (`127.0.0.1`, `::1`). IPv4 ranges are kept in IPv4-mapped form (see `IPAddressBits`), so
/// `127.0.0.1/32` and `::ffff:127.0.0.1/128` are the same range, and `::/0` admits every client.
public struct AddressRange: Hashable, Sendable, CustomStringConvertible {
    public let network: IPAddressBits
    /// Leading bits that must match, 0 through 128 (an IPv4 `/n` is stored as 96 + n).
    public let prefixLength: Int
    /// The text it was parsed from, for messages.
    public let description: String

    /// The same block of addresses, however it was written.
    public static func == (left: AddressRange, right: AddressRange) -> Bool {
        left.network == right.network && left.prefixLength == right.prefixLength
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(network)
        hasher.combine(prefixLength)
    }

    public func contains(_ address: IPAddressBits) -> Bool {
        address.masked(to: prefixLength) == network
    }

    /// Parses `ADDRESS` or `ADDRESS/PREFIX`. The address goes through `inet_pton` (IPv4 dotted quad
    /// first, then IPv6), the prefix must be plain decimal within the family's width, and the bits
    /// after the prefix must be zero: `10.0.0.1/8` is refused rather than guessed at, since it may be
    /// a typing error for `10.0.0.1/32`.
    public init(parsing text: Substring) throws(AllowlistError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let (address, width) = Self.address(String(parts[0])) else { throw .badRange(String(text), "not an IPv4 or IPv6 address") }
        var prefix = width
        if parts.count == 2 {
            guard let given = Self.decimal(parts[1]), given <= width else {
                throw .badRange(String(text), "the prefix length must be a number from 0 to \(width)")
            }
            prefix = given
        }
        let offset = width == 32 ? IPAddressBits.mappedIPv4Prefix : 0
        guard address.masked(to: offset + prefix) == address else {
            throw .badRange(String(text), "bits are set after the /\(prefix) prefix")
        }
        network = address
        prefixLength = offset + prefix
        description = String(text)
    }

    /// The address and its family's width in bits (32 or 128).
    private static func address(_ text: String) -> (IPAddressBits, Int)? {
        var ipv4 = in_addr()
        if inet_pton(AF_INET, text, &ipv4) == 1 { return (IPAddressBits(ipv4: ipv4), 32) }
        var ipv6 = in6_addr()
        if inet_pton(AF_INET6, text, &ipv6) == 1 { return (IPAddressBits(ipv6: ipv6), 128) }
        return nil
    }

    /// One to three ASCII digits, nothing else (no sign, no spaces).
    private static func decimal(_ text: Substring) -> Int? {
        guard (1...3).contains(text.utf8.count) else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
