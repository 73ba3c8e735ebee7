/// Output a connection sends without being asked by a request of its own: bytes other threads
/// produce for it (memcached's `watch` log lines). Once its session hands one over
/// (`SessionProgress.startsFeed`), the connection ignores its input and sends what the feed holds,
/// woken through its worker's hand-off queue whenever an idle feed gets more.
public protocol OutputFeed: AnyObject {
    /// `wake` may be called on any thread when bytes arrive for a feed that was drained.
    func attach(wake: @escaping @Sendable () -> Void)
    /// The connection is closing: no more wake-ups.
    func detach()
    /// Hands out waiting bytes, at most `limit` in all, piece by piece; `body` returns how many of
    /// each piece it took.
    func take(upTo limit: Int, _ body: (UnsafeRawBufferPointer) -> Int)
}
