/// Why a warm restart did not take the items back. Each reason is told on stderr, with memcached's
/// `[restart]` prefix, and the cache then starts empty.
enum WarmRestartRefusal: Error, Equatable {
    /// No meta file: a first start, or the last stop was not graceful (SIGKILL, a crash).
    case noMetadata
    case unreadable(String)
    /// The meta file does not read as one this server writes.
    case corrupt(String)
    /// A setting that shapes the memory file changed.
    case incompatible(setting: String, saved: String, running: String)
    /// The meta file reads well but the items in the memory file do not agree with it.
    case inconsistentMemory(String)

    var message: String {
        switch self {
        case .noMetadata:
            return "no metadata file from a graceful stop (SIGUSR1)"
        case .unreadable(let why):
            return "cannot read the metadata file: \(why)"
        case .corrupt(let why):
            return "corrupt metadata file: \(why)"
        case .incompatible(let setting, let saved, let running):
            return "restart incompatible: setting [\(setting)] was [\(saved)], now [\(running)]"
        case .inconsistentMemory(let why):
            return "memory file does not match its metadata: \(why)"
        }
    }
}

/// What became of `-e` at start-up (`CacheEngine.warmRestart`).
public enum WarmRestartOutcome: Equatable, Sendable {
    /// No memory file.
    case off
    /// The items of the last graceful stop are back (expired and flushed ones were dropped).
    case restored(items: Int, dropped: Int)
    /// The cache starts empty; the reason says why.
    case startedEmpty(reason: String)

    /// The line for stderr, as memcached's `[restart]` messages; nil without a memory file.
    public var message: String? {
        switch self {
        case .off: return nil
        case .restored(let items, let dropped):
            return "[restart] warm restart: \(items) items restored, \(dropped) expired or flushed dropped"
        case .startedEmpty(let reason):
            return "[restart] \(reason); starting with a clean cache"
        }
    }
}
