/// Evictions per slab class over the last N seconds, for automove's choice of a destination
/// (memcached's `slab_automove_window`). Owned by the rebalancer thread; no lock.
struct EvictionWindow {
    let seconds: Int
    private let classCount: Int
    /// `seconds` rows of `classCount` eviction counts; `row` is where the next second goes.
    private var counts: [UInt64]
    private var row = 0

    init(classCount: Int, seconds: Int) {
        self.classCount = classCount
        self.seconds = max(seconds, 1)
        counts = Array(repeating: 0, count: classCount * self.seconds)
    }

    /// Records one second's evictions per class (index = class id).
    mutating func record(_ evictions: [UInt64]) {
        for classID in 0..<min(classCount, evictions.count) {
            counts[row * classCount + classID] = evictions[classID]
        }
        row = (row + 1) % seconds
    }

    /// memcached's test: the class evicted in more than half of the window's seconds, or its share of
    /// each second's evictions, averaged over the window, is above a quarter.
    func isEvicting(_ classID: Int) -> Bool {
        var secondsWithEvictions = 0
        var shareSum = 0.0
        for second in 0..<seconds {
            let rowStart = second * classCount
            let own = counts[rowStart + classID]
            guard own > 0 else { continue }
            secondsWithEvictions += 1
            var all: UInt64 = 0
            for other in 0..<classCount { all &+= counts[rowStart + other] }
            shareSum += Double(own) / Double(all)
        }
        return secondsWithEvictions * 2 > seconds || shareSum / Double(seconds) > 0.25
    }
}
