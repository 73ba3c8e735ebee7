import Atomics
#if canImport(Glibc)
import Glibc
#endif

/// Seconds since the process started, as memcached keeps them: item times are 32-bit relative seconds.
/// The server ticks the clock once a second; tests advance it by hand.
public final class CacheClock: @unchecked Sendable {
    /// memcached's limit between relative and absolute exptimes: 30 days.
    public static let relativeExptimeLimit: Int64 = 60 * 60 * 24 * 30

    /// Unix time that relative second 0 stands for. Set 2 s in the past so that the first
    /// relative second is never 0 (0 means "never expires").
    public let processStarted: Int64
    private let relativeNow = ManagedAtomic<UInt32>(2)

    public init(unixNow: Int64 = Int64(time(nil))) {
        processStarted = unixNow - 2
    }

    /// A clock that goes on from an earlier run's (a warm restart): relative second 0 stays where it
    /// was, so the items' relative times keep their meaning and the time spent stopped counts
    /// towards their expiry. It never runs backwards, even if the wall clock did.
    init(resumingFrom processStarted: Int64, savedNow: UInt32, unixNow: Int64) {
        self.processStarted = processStarted
        let elapsed = max(Int64(savedNow), min(unixNow - processStarted, Int64(UInt32.max)))
        relativeNow.store(UInt32(elapsed), ordering: .relaxed)
    }

    /// Current relative time in seconds.
    @inlinable public var now: UInt32 { currentRelative() }

    @usableFromInline func currentRelative() -> UInt32 { relativeNow.load(ordering: .relaxed) }

    /// Current unix time as this clock sees it.
    public var unixNow: Int64 { processStarted + Int64(now) }

    /// Re-reads the wall clock; called once a second by the server's timer.
    public func tick(unixNow: Int64 = Int64(time(nil))) {
        let relative = max(unixNow - processStarted, Int64(relativeNow.load(ordering: .relaxed)))
        relativeNow.store(UInt32(truncatingIfNeeded: relative), ordering: .relaxed)
    }

    /// Moves time forward (tests).
    public func advance(by seconds: UInt32) {
        relativeNow.wrappingIncrement(by: seconds, ordering: .relaxed)
    }

    /// Converts a protocol exptime to a relative expiry: 0 never; negative already expired;
    /// up to 30 days relative to now; above that an absolute unix time.
    public func expiry(fromProtocol exptime: Int64) -> UInt32 {
        if exptime == 0 { return 0 }
        if exptime < 0 { return 1 }
        if exptime > CacheClock.relativeExptimeLimit {
            if exptime <= processStarted { return 1 }
            return UInt32(clamping: exptime - processStarted)
        }
        return UInt32(clamping: exptime + Int64(now))
    }
}
