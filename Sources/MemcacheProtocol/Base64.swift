import OutputBuffers

/// Base64 as memcached's meta commands use it for binary keys (the b flag). The decoder has
/// memcached's leniency, because a client's key must be accepted or refused exactly as there:
/// - bytes outside the alphabet (A–Z a–z 0–9 + / =) are skipped;
/// - the remaining characters must be a non-zero multiple of four;
/// - '=' counts as a zero digit; the first group of four that holds any '=' ends the decoding and
///   drops one byte for one '=', two for two; three or four '=' in a group are refused.
/// Nothing is allocated: both directions work on caller-provided memory.
public enum Base64 {
    /// Room a decoded key can need: a key is at most 250 encoded bytes, which decode to fewer.
    public static let maxDecodedKeyLength = 250

    /// Decodes `source` into `destination` (at least `source.count * 3 / 4` bytes). Returns the decoded
    /// length, or 0 when memcached would refuse the input.
    public static func decode(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawPointer) -> Int {
        var significant = 0
        for byte in source where sextet(byte) != nil { significant += 1 }
        guard significant > 0, significant % 4 == 0 else { return 0 }
        var written = 0
        var group: UInt32 = 0
        var inGroup = 0
        var padding = 0
        for byte in source {
            guard let value = sextet(byte) else { continue }
            if byte == UInt8(ascii: "=") { padding += 1 }
            group = group << 6 | UInt32(value)
            inGroup += 1
            guard inGroup == 4 else { continue }
            destination.storeBytes(of: UInt8(truncatingIfNeeded: group >> 16), toByteOffset: written, as: UInt8.self)
            destination.storeBytes(of: UInt8(truncatingIfNeeded: group >> 8), toByteOffset: written + 1, as: UInt8.self)
            destination.storeBytes(of: UInt8(truncatingIfNeeded: group), toByteOffset: written + 2, as: UInt8.self)
            written += 3
            group = 0
            inGroup = 0
            if padding > 0 {
                guard padding <= 2 else { return 0 }
                return written - padding
            }
        }
        return written
    }

    /// Appends the standard padded encoding of `source`.
    public static func encode(_ source: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        var index = 0
        while source.count - index >= 3 {
            let group = UInt32(source[index]) << 16 | UInt32(source[index + 1]) << 8 | UInt32(source[index + 2])
            appendGroup(group, digits: 4, into: &output)
            index += 3
        }
        let rest = source.count - index
        guard rest > 0 else { return }
        var group = UInt32(source[index]) << 16
        if rest == 2 { group |= UInt32(source[index + 1]) << 8 }
        appendGroup(group, digits: rest + 1, into: &output)
        for _ in rest..<3 { output.append(byte: UInt8(ascii: "=")) }
    }

    private static func appendGroup(_ group: UInt32, digits: Int, into output: inout OutputBuffer) {
        for position in 0..<digits {
            output.append(byte: alphabet(UInt8(truncatingIfNeeded: group >> (18 - 6 * UInt32(position))) & 0x3F))
        }
    }

    /// The 6-bit value of an alphabet byte ('=' is 0), nil for bytes the decoder skips.
    @inline(__always)
    static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        case UInt8(ascii: "="): return 0
        default: return nil
        }
    }

    @inline(__always)
    static func alphabet(_ value: UInt8) -> UInt8 {
        switch value {
        case 0..<26: return UInt8(ascii: "A") + value
        case 26..<52: return UInt8(ascii: "a") + value - 26
        case 52..<62: return UInt8(ascii: "0") + value - 52
        case 62: return UInt8(ascii: "+")
        default: return UInt8(ascii: "/")
        }
    }
}
