/// The nonces of recently accepted proofs, each kept until a proof carrying it could no longer pass
/// the timestamp check, so that a replay within the window is recognised. Bounded: when full, new
/// proofs are refused until old nonces expire (failing closed), and only proofs with a valid tag
/// get this far, so filling it takes the secret.
struct NonceMemory {
    let capacity: Int
    private var expiries: [[UInt8]: Int64] = [:]
    /// Insertion order; expiries rise with it, since each is the insertion time plus one fixed span.
    private var order: [(nonce: [UInt8], expiry: Int64)] = []
    private var head = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { expiries.count }

    /// Forgets the nonces whose time is up.
    mutating func forget(before now: Int64) {
        while head < order.count, order[head].expiry <= now {
            expiries[order[head].nonce] = nil
            head += 1
        }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    enum Insertion { case fresh, seen, full }

    mutating func insert(_ nonce: [UInt8], until expiry: Int64) -> Insertion {
        if expiries[nonce] != nil { return .seen }
        guard expiries.count < capacity else { return .full }
        expiries[nonce] = expiry
        order.append((nonce, expiry))
        return .fresh
    }
}
