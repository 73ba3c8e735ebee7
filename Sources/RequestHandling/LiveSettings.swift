import Atomics

/// The server-level settings a reload (`config reload`, SIGHUP with `--config-file`) may change while
/// connections are served: `-c`, `-R`, `-o idle_timeout` and `-F`. Each is one relaxed atomic, read
/// by the listener (`-c`, at every accept) and the workers (`-R` per event, `idle_timeout` at the
/// once-a-second sweep, `-F` at `flush_all`): a change is seen at the reader's next look, as
/// memcached's plain settings globals are; no reader needs two of them to agree.
public final class LiveSettings: Sendable {
    private let maxConnectionsValue: ManagedAtomic<Int>
    private let requestsPerEventValue: ManagedAtomic<Int>
    private let idleTimeoutValue: ManagedAtomic<Int>
    private let flushEnabledValue: ManagedAtomic<Bool>

    public init(_ settings: ServerSettings) {
        maxConnectionsValue = ManagedAtomic(settings.maxConnections)
        requestsPerEventValue = ManagedAtomic(max(1, settings.requestsPerEvent))
        idleTimeoutValue = ManagedAtomic(max(0, settings.idleTimeout))
        flushEnabledValue = ManagedAtomic(settings.admin.flushEnabled)
    }

    /// `-c`: connections beyond this are refused at accept.
    public var maxConnections: Int {
        get { maxConnectionsValue.load(ordering: .relaxed) }
        set { maxConnectionsValue.store(max(1, newValue), ordering: .relaxed) }
    }

    /// `-R`: requests served from one connection per event before yielding.
    public var requestsPerEvent: Int {
        get { requestsPerEventValue.load(ordering: .relaxed) }
        set { requestsPerEventValue.store(max(1, newValue), ordering: .relaxed) }
    }

    /// `-o idle_timeout`: seconds without a complete command before a client is closed; 0 never.
    public var idleTimeout: Int {
        get { idleTimeoutValue.load(ordering: .relaxed) }
        set { idleTimeoutValue.store(max(0, newValue), ordering: .relaxed) }
    }

    /// `-F` turns this off: `flush_all` is refused.
    public var flushEnabled: Bool {
        get { flushEnabledValue.load(ordering: .relaxed) }
        set { flushEnabledValue.store(newValue, ordering: .relaxed) }
    }
}
