/// The number inside an item's value for incr/decr, read the way memcached reads it (strtoull on the
/// data, which in memcached is followed by "\r\n"): optional leading white space, an optional sign,
/// at least one digit, then the end or white space. A value that only fits because of a minus sign
/// wrapping around is refused, as memcached refuses it.
public enum DecimalValue {
    static func parse(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        var index = 0
        while index < bytes.count, isSpace(bytes[index]) { index += 1 }
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        let digitsStart = index
        var value: UInt64 = 0
        while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[index] - 48))
            if overflow1 || overflow2 { return nil }
            value = sum
            index += 1
        }
        guard index > digitsStart else { return nil }
        // memcached's data ends in "\r\n" (white space) and C strings end at NUL.
        guard index == bytes.count || isSpace(bytes[index]) || bytes[index] == 0 else { return nil }
        if negative {
            value = 0 &- value
            if Int64(bitPattern: value) < 0 { return nil }
        }
        return value
    }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0d)
    }

    /// Decimal digits of `value` into `buffer` (at least 20 bytes); returns how many.
    public static func format(_ value: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var digits = 0
        var remaining = value
        repeat {
            digits += 1
            remaining /= 10
        } while remaining != 0
        remaining = value
        for position in stride(from: digits - 1, through: 0, by: -1) {
            buffer[position] = UInt8(truncatingIfNeeded: 48 + remaining % 10)
            remaining /= 10
        }
        return digits
    }
}
