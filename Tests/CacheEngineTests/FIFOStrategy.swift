@testable import CacheEngine

/// FIFO: one queue per class, reads change nothing, the oldest item is evicted first. The sketch of
/// a new policy that docs/architecture.md shows; FIFOStrategyTests runs it.
struct FIFOStrategy: EvictionStrategy {
    /// Caller holds the class's LRU lock.
    func evict(_ classID: Int, in engine: CacheEngine) -> UnsafeMutableRawPointer? {
        engine.evictAtTail(classID, of: LRUQueue(0))
    }
}
