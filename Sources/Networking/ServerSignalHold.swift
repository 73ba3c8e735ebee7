#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Holds the server's signals (`ServerSignals.held`: SIGINT, SIGTERM, SIGUSR1, SIGHUP) pending while
/// an executable starts; taken on the main thread before any other thread exists, released just
/// before `Server.run`.
///
/// The kernel completes TCP handshakes as soon as a socket listens, so a client (or a supervisor that
/// waits for the port) can connect and send SIGTERM — or SIGHUP, whose default disposition also
/// kills — before the listener has registered its signal events; with the default disposition that
/// signal would kill the process instead of being handled. And a process-directed signal goes to any
/// thread that does not block it, so a background thread with the default mask would take it the same
/// way. Every thread started during the hold (engine maintenance threads, workers) inherits the
/// blocked mask for good; after `release` only the main thread, which runs the listener's base, takes
/// these signals, and one that arrived meanwhile is delivered then.
public struct ServerSignalHold {
    private var previous = sigset_t()

    /// Blocks the server's signals on this thread; they stay pending until `release`.
    public init() {
        var held = ServerSignals.set(of: ServerSignals.held)
        pthread_sigmask(SIG_BLOCK, &held, &previous)
    }

    /// Restores the thread's previous mask: a signal that arrived meanwhile is delivered now.
    public func release() {
        var mask = previous
        pthread_sigmask(SIG_SETMASK, &mask, nil)
    }

    /// Blocks the server's signals on the calling thread again (`Server.run`, once its loop has ended):
    /// freeing the listener's signal events restores the default dispositions, and a second signal
    /// arriving during the teardown would then kill the process instead of letting it exit 0.
    static func holdForShutdown() {
        var held = ServerSignals.set(of: ServerSignals.held)
        pthread_sigmask(SIG_BLOCK, &held, nil)
    }
}
