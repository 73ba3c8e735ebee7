/// What a worker hands each datagram read from a UDP socket (`-U`). The responder owns the framing
/// (memcached's 8-byte frame header, the cutting of an answer into numbered datagrams), so the
/// network layer only moves datagrams between the socket and it.
public protocol DatagramResponder: AnyObject {
    /// One datagram from a client; each datagram of the answer goes to `send` (back to that
    /// client), which uses it before returning. Nothing is sent for a datagram it drops.
    func respond(to datagram: UnsafeRawBufferPointer, send: (UnsafeRawBufferPointer) -> Void)
}
