#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The signals a server process takes on its listener thread, with memcached 1.6.18's meanings.
/// SIGPIPE is not among them: it is ignored outright (`Server.start`), as in memcached.
public enum ServerSignals {
    /// Stop gracefully: stop accepting, close every connection, join the workers, exit 0. SIGUSR1 is
    /// memcached's "graceful stop"; SIGINT and SIGTERM end memcached at once, and a clean stop is the
    /// same thing here, only tidier. `Server.run` returns which one came: with `-e`, only SIGUSR1
    /// saves the warm restart, as in memcached.
    static let stopping: [Int32] = [SIGINT, SIGTERM, SIGUSR1]

    /// What SIGHUP means to a server.
    public enum Hangup: Sendable {
        /// The listener takes SIGHUP and does nothing: memcached 1.6.18 ignores it (it must not kill
        /// the process, as the default disposition would).
        case ignored
        /// The listener takes SIGHUP and runs this on its thread: the data node's `--config-file`
        /// reload (which re-reads the allowlist file too).
        case reload(@Sendable () -> Void)
        /// The server leaves SIGHUP to the executable, which installs its own handler
        /// (swiftcached-config reloads its cluster file).
        case leftToProcess
    }

    /// Everything `ServerSignalHold` keeps pending until the listener can take it.
    static let held: [Int32] = stopping + [SIGHUP]

    static func set(of signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signalNumber in signals { sigaddset(&set, signalNumber) }
        return set
    }
}
