/// Bytes an `OutputBuffer` sends in place: `count` bytes at `base`, going out when the buffer's own
/// bytes before `position` are sent.
public struct Splice {
    /// Index in the buffer's storage before which these bytes go.
    var position: Int
    let base: UnsafeRawPointer
    let count: Int
    /// Bytes of it already sent.
    var sent = 0
    /// Handed back to the buffer's `SpliceOwner` once sent or dropped; 0: none.
    let token: UInt32

    init(position: Int, base: UnsafeRawPointer, count: Int, token: UInt32) {
        self.position = position
        self.base = base
        self.count = count
        self.token = token
    }
}

/// The pending splices of one `OutputBuffer`, oldest first: a growable array in one allocation that
/// rewinds when empty, so a connection that keeps sending large values does not allocate per request.
@usableFromInline
struct SpliceQueue {
    static let initialCapacity = 16
    private var elements: UnsafeMutablePointer<Splice>
    private(set) var capacity: Int
    private var head = 0
    /// Pending splices.
    private(set) var count = 0
    /// Splices ever pushed minus those dropped from the back: marks count with it (`OutputBuffer.Mark`).
    private(set) var pushed = 0

    init() {
        capacity = SpliceQueue.initialCapacity
        elements = .allocate(capacity: capacity)
    }

    func deallocate() { elements.deallocate() }

    var first: Splice? { count > 0 ? elements[head] : nil }

    mutating func push(_ splice: Splice) {
        if head + count == capacity { makeRoom() }
        (elements + head + count).initialize(to: splice)
        count += 1
        pushed += 1
    }

    mutating func popFirst() {
        head += 1
        count -= 1
        if count == 0 { head = 0 }
    }

    mutating func popLast() -> Splice {
        count -= 1
        pushed -= 1
        let last = elements[head + count]
        if count == 0 { head = 0 }
        return last
    }

    mutating func advanceFirst(by sent: Int) { elements[head].sent += sent }

    /// After the buffer moved its unsent bytes `offset` places to the front.
    mutating func shiftPositions(by offset: Int) {
        for index in head..<(head + count) { elements[index].position -= offset }
    }

    /// Calls `body` with each pending splice, oldest first, while it answers true.
    func forEachPending(_ body: (Splice) -> Bool) {
        for index in head..<(head + count) where !body(elements[index]) { return }
    }

    /// Moves the pending splices to the front, or doubles the room when they fill it.
    private mutating func makeRoom() {
        if head > 0 {
            (elements).moveInitialize(from: elements + head, count: count)
            head = 0
            return
        }
        let larger = UnsafeMutablePointer<Splice>.allocate(capacity: capacity * 2)
        larger.moveInitialize(from: elements, count: count)
        elements.deallocate()
        elements = larger
        capacity *= 2
    }
}
