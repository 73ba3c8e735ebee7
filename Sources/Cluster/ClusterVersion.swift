/// The limits on the configuration version, which clients compare to decide whether to re-read the
/// node list: it must only go up, and it must never run out or overflow.
public enum ClusterVersion {
    /// The largest version the endpoint accepts, stores or serves: 2^53, the largest integer every
    /// client represents exactly (JavaScript, Lua and JSON tooling hold numbers as doubles). At a
    /// thousand changes a second it lasts 285,000 years, so only a forged or corrupt number gets
    /// near it — and those are refused instead of being raised by one until they overflow.
    public static let maximum: UInt64 = 1 << 53

    /// How far above the current version a `config set cluster` may ask to jump. An operator needs
    /// a jump to get ahead of the versions clients hold after a state file was lost; a million
    /// covers years of normal changes, and a larger gap is reached by repeating the command. The
    /// step keeps one request from using up the range: reaching `maximum` takes 9 × 10^9 accepted
    /// list changes.
    public static let maxOperatorStep: UInt64 = 1_000_000

    /// The version after `current` (at least `floor`), or nil when that would pass `maximum`.
    /// Checked arithmetic: a `current` from anywhere can never trap.
    public static func next(after current: UInt64, floor: UInt64 = 0) -> UInt64? {
        let (raised, overflow) = current.addingReportingOverflow(1)
        let next = max(raised, floor)
        guard !overflow, next <= maximum else { return nil }
        return next
    }

    /// Refuses a `config set` version that is more than `maxOperatorStep` above `current` (lower
    /// ones are fine: they are floors, and the version never goes down).
    public static func checkOperatorVersion(_ requested: UInt64, current: UInt64) throws {
        let (limit, overflow) = current.addingReportingOverflow(maxOperatorStep)
        guard overflow || requested <= limit else {
            throw ClusterInputError.versionTooFarAhead(requested: requested, current: current)
        }
    }
}
