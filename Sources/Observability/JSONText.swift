/// The little JSON this module writes: objects of strings and numbers, built as text.
enum JSONText {
    /// A string literal with the escapes JSON requires (quote, backslash, control characters).
    static func string(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// A stat's value: a JSON number when it is a plain decimal (what `stats` prints for figures, so
    /// a reader computes with it directly; `0.80` reads as 0.8), else the text as a string
    /// (`version`, `yes`, `NULL`…).
    static func value(_ text: String) -> String {
        isPlainDecimal(text) ? text : string(text)
    }

    static func isPlainDecimal(_ text: String) -> Bool {
        var digits = Substring(text)
        if digits.first == "-" { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigitCharacter) else { return false }
        // JSON allows no leading zero before other digits.
        if whole.count > 1, whole.first == "0" { return false }
        guard parts.count == 2 else { return true }
        return !parts[1].isEmpty && parts[1].allSatisfy(\.isASCIIDigitCharacter)
    }

    /// `{"k": v, …}` from pairs whose values are already JSON.
    static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}
