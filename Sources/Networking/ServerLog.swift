#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Verbosity-gated messages to stderr, as memcached's `-v` / `-vv` print them. Only used off the hot
/// path (connection open/close, errors), so building a `String` here is acceptable.
public struct ServerLog: Sendable {
    /// Reads the current level each time: `verbosity N` may change it while running.
    private let level: @Sendable () -> Int

    public init(level: @escaping @Sendable () -> Int) {
        self.level = level
    }

    /// `-v`: errors and warnings.
    public var warnings: Bool { level() >= 1 }
    /// `-vv`: client connections (and commands, logged by the session).
    public var connections: Bool { level() >= 2 }

    public func write(_ message: String) {
        fputs(message + "\n", stderr)
    }

    public func warning(_ message: @autoclosure () -> String) {
        if warnings { write(message()) }
    }

    public func connection(_ message: @autoclosure () -> String) {
        if connections { write(message()) }
    }
}
