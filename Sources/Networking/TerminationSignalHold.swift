#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Holds SIGINT and SIGTERM pending while an executable starts; taken on the main thread before any
/// other thread exists, released just before `Server.run`.
///
/// The kernel completes TCP handshakes as soon as a socket listens, so a client (or a supervisor that
/// waits for the port) can connect and send SIGTERM before the listener has registered its signal
/// events; with the default disposition that signal would kill the process instead of stopping it
/// cleanly. And a process-directed signal goes to any thread that does not block it, so a background
/// thread with the default mask would take it the same way. Every thread started during the hold
/// (engine maintenance threads, workers) inherits the blocked mask for good; after `release` only the
/// main thread, which runs the listener's base, takes these signals, and one that arrived meanwhile
/// is delivered then.
public struct TerminationSignalHold {
    private var previous = sigset_t()

    /// Blocks SIGINT and SIGTERM on this thread; they stay pending until `release`.
    public init() {
        var held = sigset_t()
        sigemptyset(&held)
        sigaddset(&held, SIGINT)
        sigaddset(&held, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &held, &previous)
    }

    /// Restores the thread's previous mask: a signal that arrived meanwhile is delivered now.
    public func release() {
        var mask = previous
        pthread_sigmask(SIG_SETMASK, &mask, nil)
    }
}
