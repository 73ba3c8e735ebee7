import RequestHandling

/// The per-connection numbers a worker applies: the static ones taken from the settings once at
/// start; `idle_timeout` read from `LiveSettings` at each sweep and `-R` copied from it at each
/// sweep (a reload changes them; a worker sees a new `-R` within a second).
struct ConnectionLimits {
    /// What a reload changes.
    let live: LiveSettings
    /// `-R`: requests handed to the session per event before yielding to other connections. A plain
    /// copy: reading it through `live` on every event costs a retain and release of `live`.
    private(set) var requestsPerEvent: Int
    /// Unsent output above which the connection is not read until it drains.
    let outputHighWater: Int
    /// `-o idle_timeout`: seconds without a complete command before the connection is closed; 0 never.
    var idleTimeout: Int { live.idleTimeout }
    /// Without `idle_timeout`: seconds a request may stay incomplete (`ServerSettings`).
    let incompleteRequestTimeout: Int
    /// Size of the read and response buffers a connection borrows while busy (memcached's read
    /// buffers are 16 KB too).
    let bufferSize: Int
    /// An incomplete request may not make the read buffer grow beyond this: the largest item plus
    /// room for its command line. A client still short of a complete request then is closed.
    let maxInputCapacity: Int
    /// Seconds a TLS handshake may take (`TLSSettings.handshakeTimeout`).
    let handshakeTimeout: Int

    init(settings: ServerSettings, live: LiveSettings) {
        self.live = live
        requestsPerEvent = live.requestsPerEvent
        outputHighWater = max(1, settings.outputHighWater)
        incompleteRequestTimeout = max(1, settings.incompleteRequestTimeout)
        bufferSize = 16 * 1024
        maxInputCapacity = max(settings.engine.itemSizeMax, 1 << 20) * 2 + 64 * 1024
        handshakeTimeout = max(1, settings.tls.handshakeTimeout)
    }

    /// Takes up what a reload changed (the worker's once-a-second sweep).
    mutating func refresh() {
        requestsPerEvent = live.requestsPerEvent
    }
}
