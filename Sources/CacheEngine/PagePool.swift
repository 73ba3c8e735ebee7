/// A stack of arena page indices, allocated once at its greatest size (every page of the arena) so
/// that giving a page back or taking one allocates nothing. The arena keeps two under its page lock:
/// the global page pool (memcached's slab class 0: pages no class holds, still item memory) and the
/// pages released from it to the system (addresses to reuse before any fresh one).
///
/// Last in, first out, as memcached's `get_page_from_global_pool`: the page given back last is the
/// one most likely still resident.
struct PagePool {
    private let indices: UnsafeMutablePointer<Int32>
    private let capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        indices = .allocate(capacity: max(1, capacity))
    }

    func deallocate() { indices.deallocate() }

    mutating func push(_ index: Int) {
        precondition(count < capacity, "a page was given back twice")
        indices[count] = Int32(index)
        count += 1
    }

    mutating func pop() -> Int? {
        guard count > 0 else { return nil }
        count -= 1
        return Int(indices[count])
    }
}
