/// Response status codes and the error texts memcached 1.6.18 sends with them (`write_bin_error`).
public enum BinaryStatus: UInt16, Sendable {
    case success = 0x00
    case keyNotFound = 0x01
    case keyExists = 0x02
    case valueTooLarge = 0x03
    case invalidArguments = 0x04
    case notStored = 0x05
    case nonNumeric = 0x06
    case authError = 0x20
    case authContinue = 0x21
    case unknownCommand = 0x81
    case outOfMemory = 0x82

    /// The body of an error response when no specific text is given.
    public var defaultMessage: StaticString {
        switch self {
        case .outOfMemory: return "Out of memory"
        case .unknownCommand: return "Unknown command"
        case .keyNotFound: return "Not found"
        case .invalidArguments: return "Invalid arguments"
        case .keyExists: return "Data exists for key."
        case .valueTooLarge: return "Too large."
        case .nonNumeric: return "Non-numeric server-side value for incr or decr"
        case .notStored: return "Not stored."
        case .authError: return "Auth failure."
        case .success, .authContinue: return ""
        }
    }
}

/// Error texts memcached uses in place of the default for out-of-memory cases (its ASCII error
/// strings with the "SERVER_ERROR " prefix stripped).
public enum BinaryErrorText {
    public static let outOfMemoryAllocatingItem: StaticString = "Out of memory allocating item"
    public static let outOfMemoryIncrementing: StaticString = "Out of memory incrementing value"
    public static let outOfMemoryAllocatingNewItem: StaticString = "Out of memory allocating new item"
    public static let authenticated: StaticString = "Authenticated"
}
