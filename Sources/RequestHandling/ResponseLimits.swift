/// How much a connection's responses may hold, and which values go out without a copy.
///
/// A small value is copied into the connection's output buffer (cheaper than pinning it); a large
/// one is sent in place from slab memory, its item pinned until the bytes are out, so a slow reader
/// of large values costs the server no memory beyond the item itself. One request's own bytes
/// (VALUE lines, copied values) are bounded by `copyBudget` before everything it adds is pinned,
/// and the pieces a connection has waiting by `maxPendingSplices`: past that the request that
/// would exceed it is answered `SERVER_ERROR out of memory writing get response`, as memcached
/// answers when it cannot allocate response objects.
public struct ResponseLimits: Sendable, Equatable {
    /// Values of at least this many bytes are sent in place (pinned), never copied.
    public var zeroCopyMinimum = 4096
    /// Once one request has stacked this many bytes of its own, each further value is pinned too.
    public var copyBudget = 1 << 20
    /// Most value pieces (splices) one connection may have waiting to be sent.
    public var maxPendingSplices = 16384

    public init() {}
}
