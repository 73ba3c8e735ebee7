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
    /// A `notls:` address without `-Z`; the `-l` text as given.
    case clearTextWithoutTLS(String)

    public var description: String {
        switch self {
        case let .system(call, code):
            return "\(call): \(String(cString: strerror(code)))"
        case let .badAddress(address, reason):
            return "getaddrinfo(\(address)): \(reason)"
        case .noListeners:
            return "no TCP port or unix socket to listen on"
        case let .clearTextWithoutTLS(list):
            // memcached's two lines (its second reports errno, which is 0 there).
            return "'notls' option is valid only when SSL is enabled\nfailed to listen on one of interface(s) \(list): Success"
        }
    }
}
