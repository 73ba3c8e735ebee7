/// The per-connection numbers a worker applies: the static ones taken from the settings once at
/// start; `idle_timeout` and `-R` copied from the live limits at each sweep (a reload changes them;
/// a worker sees a new value within a second).
struct ConnectionLimits {
    /// What a reload changes.
    let live: LiveConnectionLimits
    /// `-R`: requests handed to the session per event before yielding to other connections. A plain
    /// copy: reading it through `live` on every event costs an indirect call and a retain.
    private(set) var requestsPerEvent: Int
    /// `-o idle_timeout`: seconds without a complete command before the connection is closed; 0 never.
    private(set) var idleTimeout: Int
    /// Unsent output above which the connection is not read until it drains.
    let outputHighWater: Int
    /// Without `idle_timeout`: seconds a request may stay incomplete.
    let incompleteRequestTimeout: Int
    /// Size of the read and response buffers a connection borrows while busy (memcached's read
    /// buffers are 16 KB too).
    let bufferSize: Int
    /// An incomplete request may not make the read buffer grow beyond this.
    let maxInputCapacity: Int
    /// Seconds a TLS handshake may take (`TLSSettings.handshakeTimeout`).
    let handshakeTimeout: Int

    init(settings: NetworkSettings, live: LiveConnectionLimits, handshakeTimeout: Int) {
        self.live = live
        requestsPerEvent = max(1, live.requestsPerEvent)
        idleTimeout = max(0, live.idleTimeout)
        outputHighWater = max(1, settings.outputHighWater)
        incompleteRequestTimeout = max(1, settings.incompleteRequestTimeout)
        bufferSize = BufferPool.standardBlockSize
        maxInputCapacity = max(settings.maxInputCapacity, bufferSize)
        self.handshakeTimeout = max(1, handshakeTimeout)
    }

    /// Takes up what a reload changed (the worker's once-a-second sweep).
    mutating func refresh() {
        requestsPerEvent = max(1, live.requestsPerEvent)
        idleTimeout = max(0, live.idleTimeout)
    }
}
