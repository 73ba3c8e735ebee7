import Atomics

/// The segmented LRU's run-time settings: what `lru tune`, `lru mode` and `lru temp_ttl` change and
/// `stats settings` prints. Atomics (relaxed): the maintainer and allocators read them without a lock
/// and a change takes effect at their next look, as memcached's plain settings globals do.
public final class LRUTuning: @unchecked Sendable {
    private let hotPercentValue: ManagedAtomic<UInt32>
    private let warmPercentValue: ManagedAtomic<UInt32>
    private let hotFactorBits: ManagedAtomic<UInt64>
    private let warmFactorBits: ManagedAtomic<UInt64>
    private let segmentedValue: ManagedAtomic<Bool>
    private let temporaryTTLEnabled: ManagedAtomic<Bool>
    private let temporaryTTLValue: ManagedAtomic<UInt32>

    init(_ settings: SegmentedLRUSettings, segmented: Bool) {
        hotPercentValue = ManagedAtomic(settings.hotPercent)
        warmPercentValue = ManagedAtomic(settings.warmPercent)
        hotFactorBits = ManagedAtomic(settings.hotMaxFactor.bitPattern)
        warmFactorBits = ManagedAtomic(settings.warmMaxFactor.bitPattern)
        segmentedValue = ManagedAtomic(segmented)
        temporaryTTLEnabled = ManagedAtomic(settings.temporaryTTL != nil)
        // memcached's default temporary_ttl, printed even while the temp segment is off.
        temporaryTTLValue = ManagedAtomic(settings.temporaryTTL ?? 61)
    }

    public var hotPercent: UInt32 { hotPercentValue.load(ordering: .relaxed) }
    public var warmPercent: UInt32 { warmPercentValue.load(ordering: .relaxed) }
    public var hotMaxFactor: Double { Double(bitPattern: hotFactorBits.load(ordering: .relaxed)) }
    public var warmMaxFactor: Double { Double(bitPattern: warmFactorBits.load(ordering: .relaxed)) }
    /// `lru mode segmented` (true) or `flat` (every item drains to cold, plain LRU there).
    public var segmented: Bool { segmentedValue.load(ordering: .relaxed) }
    /// The temp segment is in use (memcached's temp_lru).
    public var temporaryLRU: Bool { temporaryTTLEnabled.load(ordering: .relaxed) }
    public var temporaryTTL: UInt32 { temporaryTTLValue.load(ordering: .relaxed) }

    /// `lru tune`: the caller has validated the values as memcached does.
    public func tune(hotPercent: UInt32, warmPercent: UInt32, hotMaxFactor: Double, warmMaxFactor: Double) {
        hotPercentValue.store(hotPercent, ordering: .relaxed)
        warmPercentValue.store(warmPercent, ordering: .relaxed)
        hotFactorBits.store(hotMaxFactor.bitPattern, ordering: .relaxed)
        warmFactorBits.store(warmMaxFactor.bitPattern, ordering: .relaxed)
    }

    func setSegmented(_ on: Bool) { segmentedValue.store(on, ordering: .relaxed) }

    /// `lru temp_ttl`: a negative TTL turns the temp segment off.
    func setTemporaryTTL(_ ttl: Int32) {
        if ttl < 0 {
            temporaryTTLEnabled.store(false, ordering: .relaxed)
        } else {
            temporaryTTLValue.store(UInt32(ttl), ordering: .relaxed)
            temporaryTTLEnabled.store(true, ordering: .relaxed)
        }
    }
}
