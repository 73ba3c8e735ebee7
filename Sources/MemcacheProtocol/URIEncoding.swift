import OutputBuffers

/// Percent-encoding of keys as memcached's `uriencode` does it for `lru_crawler metadump`: letters,
/// digits and `-._~` stay, every other byte becomes `%XX` (upper-case hex).
public enum URIEncoding {
    public static func append(_ bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        for byte in bytes {
            if isUnreserved(byte) {
                output.append(byte: byte)
            } else {
                output.append(byte: UInt8(ascii: "%"))
                output.append(byte: hexDigit(byte >> 4))
                output.append(byte: hexDigit(byte & 0xf))
            }
        }
    }

    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }
}
