import Networking
#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP turned into a readable descriptor: the handler only writes to a `WakeSignal` (write(2) is
/// async-signal-safe), and the coordinator thread sees it in its `poll`.
enum HangupSignal {
    /// Written once before the handler is installed, then only read (by the handler).
    nonisolated(unsafe) private static var target: WakeSignal?

    static func install(_ signal: WakeSignal) {
        target = signal
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in HangupSignal.target?.notify() }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGHUP, &action, nil)
    }
}
