import Atomics

/// S3-FIFO's ghost queue, approximated: a direct-mapped table remembering the hashes of keys evicted
/// from the small queue. A key stored again while remembered goes straight to the main queue. A newer
/// hash may overwrite an older one in the same slot, which only makes the ghost forget sooner.
/// Slots are atomics: any class's eviction writes and any store reads without a shared lock.
/// A struct over manually managed slots (freed by `destroy`), so the S3-FIFO policy that holds it
/// copies without reference counting on the read and store paths.
struct GhostFilter: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<UnsafeAtomic<UInt32>.Storage>
    private let shift: UInt32
    private let count: Int

    /// About one slot per 256 bytes of item memory: room for the evictions of one cache turnover of
    /// small items (S3-FIFO's ghost remembers about as many keys as the cache holds), at 1/64 of the
    /// memory limit. The slots are zero pages (ZeroPages): none is resident until an eviction from
    /// the small queue writes into it, so an empty or lightly used cache pays nothing for the size.
    init(memoryLimit: Int) {
        var power: UInt32 = 10
        while power < 26, (1 << power) < memoryLimit / 256 { power += 1 }
        count = 1 << power
        shift = 32 - power
        slots = ZeroPages.allocate(UnsafeAtomic<UInt32>.Storage.self, count: count)
    }

    func destroy() { ZeroPages.free(slots, count: count) }

    var byteCount: Int { count * MemoryLayout<UInt32>.size }

    func remember(_ hash: UInt32) {
        slot(hash).store(tag(hash), ordering: .relaxed)
    }

    /// Whether the hash was remembered; forgets it either way (one ghost hit per eviction).
    func recall(_ hash: UInt32) -> Bool {
        let slot = slot(hash)
        guard slot.load(ordering: .relaxed) == tag(hash) else { return false }
        slot.store(0, ordering: .relaxed)
        return true
    }

    /// Fibonacci hashing on the high bits, so the slot does not follow the low bits that already
    /// choose the bucket and the stripe.
    @inline(__always)
    private func slot(_ hash: UInt32) -> UnsafeAtomic<UInt32> {
        UnsafeAtomic(at: slots + Int((hash &* 0x9E37_79B1) >> shift))
    }

    @inline(__always)
    private func tag(_ hash: UInt32) -> UInt32 { hash == 0 ? 1 : hash }
}
