/// Why an allowlist entry or file was refused; the message names the entry and the reason.
public enum AllowlistError: Error, Equatable, CustomStringConvertible {
    case badRange(String, String)
    case badFile(String, String)

    public var description: String {
        switch self {
        case let .badRange(text, reason): return "bad allowlist entry '\(text)': \(reason)"
        case let .badFile(path, reason): return "allowlist file \(path): \(reason)"
        }
    }
}
