#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the server could not start.
public enum ServerError: Error, CustomStringConvertible {
    /// A system call failed; the errno it left.
    case system(String, Int32)
    /// A `-l` address that does not resolve.
    case badAddress(String, String)
    /// Nothing to listen on (`-p 0` without `-s`).
    case noListeners

    public var description: String {
        switch self {
        case let .system(call, code):
            return "\(call): \(String(cString: strerror(code)))"
        case let .badAddress(address, reason):
            return "getaddrinfo(\(address)): \(reason)"
        case .noListeners:
            return "no TCP port or unix socket to listen on"
        }
    }
}
