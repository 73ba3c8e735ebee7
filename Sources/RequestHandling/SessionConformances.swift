import Networking

// How the cache's sessions and their helpers plug into the network layer's contracts (declared in
// Networking, which knows none of these types).

extension TextSession: ConnectionSession {
    public var outputFeed: OutputFeed? { watchFeed }
}

extension AsciiAuthSession: ConnectionSession {
    public var outputFeed: OutputFeed? { watchFeed }
}

extension BinarySession: ConnectionSession {}

/// A `watch` connection's lines are its output feed.
extension LogWatcher: OutputFeed {}

/// `-c`, `-R` and `idle_timeout` as the listener and workers read them.
extension LiveSettings: LiveConnectionLimits {}

/// `refresh_certs` and the TLS figures of `stats`, answered by the network layer's context.
extension TLSServerContext: TLSControl {}
