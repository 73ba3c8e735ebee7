import Atomics

/// The slab classes that wanted their first page when the pages allowed beyond the memory limit were
/// spent (`ArenaLayout.pagesBeyondLimitCap`): memcached would hand each a page past `-m` anyway, which
/// with up to 127 classes could nearly double the overshoot. Instead the store is refused and the
/// class is noted here; the rebalancer then moves it a page from the class with the most
/// (SlabRebalancer.giveFirstPages), so the next store of that size succeeds and memory stays bounded.
///
/// One bit per class id (0...127) in two words: set by any thread that allocates, under no lock (it is
/// called with the class's slab lock held, the last lock in the order), taken by the rebalancer.
final class FirstPageWaits: Sendable {
    private let low = ManagedAtomic<UInt64>(0)
    private let high = ManagedAtomic<UInt64>(0)

    func insert(_ classID: Int) {
        word(classID).loadThenBitwiseOr(with: 1 << UInt64(classID & 63), ordering: .relaxed)
    }

    var isEmpty: Bool {
        low.load(ordering: .relaxed) == 0 && high.load(ordering: .relaxed) == 0
    }

    /// The waiting classes, lowest id first; the set is empty afterwards.
    func removeAll() -> [Int] {
        let words = [low.exchange(0, ordering: .relaxed), high.exchange(0, ordering: .relaxed)]
        var classes: [Int] = []
        for (index, bits) in words.enumerated() {
            for bit in 0..<64 where bits & (1 << UInt64(bit)) != 0 { classes.append(index * 64 + bit) }
        }
        return classes
    }

    private func word(_ classID: Int) -> ManagedAtomic<UInt64> {
        precondition(classID >= 0 && classID <= SlabSizeClasses.maximumClasses)
        return classID < 64 ? low : high
    }
}
