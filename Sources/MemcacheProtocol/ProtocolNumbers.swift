/// Number parsing with exactly the leniency of memcached's `safe_strtoul` / `safe_strtol` /
/// `safe_strtoull` on 64-bit Linux, where they wrap C's `strtoul` family:
/// - leading white space (space, \t, \n, \v, \f, \r) is skipped, then an optional `+` or `-`;
/// - at least one decimal digit must follow;
/// - the digits must end the token or be followed by white space (anything after that is ignored);
/// - the value is computed in 64 bits (out of range fails) and then *truncated* to the field's
///   width, so flags `4294967297` become 1 and a length of `4294967299` becomes 3, as in memcached;
/// - for the unsigned parsers a minus sign wraps the value (`-0` is 0, `-18446744073709551615`
///   is 1), but a result with the top bit set is refused when the token contains a `-`.
public enum ProtocolNumbers {
    /// `safe_strtoul` into a 32-bit field: flags, verbosity level.
    public static func parseUInt32(_ token: UnsafeRawBufferPointer) -> UInt32? {
        guard let value = parseUnsigned64(token) else { return nil }
        return UInt32(truncatingIfNeeded: value)
    }

    /// `safe_strtoull`: cas unique, incr/decr delta.
    public static func parseUInt64(_ token: UnsafeRawBufferPointer) -> UInt64? {
        parseUnsigned64(token)
    }

    /// `safe_strtol` into a 32-bit field: exptime, value length.
    public static func parseInt32(_ token: UnsafeRawBufferPointer) -> Int32? {
        guard let parsed = scanDigits(token) else { return nil }
        if parsed.negative {
            guard parsed.magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return Int32(truncatingIfNeeded: 0 &- parsed.magnitude)
        }
        guard parsed.magnitude <= UInt64(Int64.max) else { return nil }
        return Int32(truncatingIfNeeded: parsed.magnitude)
    }

    static func parseUnsigned64(_ token: UnsafeRawBufferPointer) -> UInt64? {
        guard let parsed = scanDigits(token) else { return nil }
        let value = parsed.negative ? 0 &- parsed.magnitude : parsed.magnitude
        if Int64(bitPattern: value) < 0 && token.contains(UInt8(ascii: "-")) { return nil }
        return value
    }

    struct Scanned {
        var negative: Bool
        var magnitude: UInt64
    }

    /// The sign and digits `strto*` would read; nil when it would read none, overflow 64 bits, or
    /// stop at something other than white space or the end.
    static func scanDigits(_ token: UnsafeRawBufferPointer) -> Scanned? {
        var index = 0
        while index < token.count && isCSpace(token[index]) { index += 1 }
        var negative = false
        if index < token.count && (token[index] == UInt8(ascii: "+") || token[index] == UInt8(ascii: "-")) {
            negative = token[index] == UInt8(ascii: "-")
            index += 1
        }
        let firstDigit = index
        var magnitude: UInt64 = 0
        var overflow = false
        while index < token.count, token[index] >= 0x30, token[index] <= 0x39 {
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(token[index] - 0x30))
            overflow = overflow || o1 || o2
            magnitude = sum
            index += 1
        }
        guard index > firstDigit, !overflow else { return nil }
        guard index == token.count || isCSpace(token[index]) else { return nil }
        return Scanned(negative: negative, magnitude: magnitude)
    }

    /// C's `isspace` in the C locale.
    public static func isCSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
}
