/// A byte count written as memcached writes them: plain bytes, or with a `k`/`m` suffix (either case).
enum SizeArgument {
    /// nil when not a non-negative number with an optional suffix.
    static func parse(_ text: String) -> Int? {
        var digits = Substring(text)
        var multiplier = 1
        switch digits.last {
        case "k", "K":
            multiplier = 1024
            digits = digits.dropLast()
        case "m", "M":
            multiplier = 1024 * 1024
            digits = digits.dropLast()
        default:
            break
        }
        guard let value = Int(digits), value >= 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }
}
