/// Formats unsigned integers as ASCII decimal straight into output memory: the numbers of every
/// `VALUE` line (flags, length, CAS) are written this way, without a scratch copy.
public enum DecimalDigits {
    /// Digits of the largest UInt64.
    public static let maxCount = 20

    /// How many digits `value` has.
    @inlinable
    public static func count(_ value: UInt64) -> Int {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        return digits
    }

    /// Writes the digits of `value` at `destination` (room for `maxCount` bytes); returns how many.
    @inlinable
    public static func write(_ value: UInt64, to destination: UnsafeMutableRawPointer) -> Int {
        if value < 10 {  // flags are usually 0: skip the counting
            destination.storeBytes(of: UInt8(truncatingIfNeeded: 48 &+ value), as: UInt8.self)
            return 1
        }
        let digits = count(value)
        var rest = value
        var index = digits
        repeat {
            index -= 1
            destination.storeBytes(of: UInt8(truncatingIfNeeded: 48 &+ rest % 10), toByteOffset: index, as: UInt8.self)
            rest /= 10
        } while rest != 0
        return digits
    }
}
