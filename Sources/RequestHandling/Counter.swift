import Networking

/// The per-thread counters behind `stats`, named as memcached names them.
public enum Counter: Int, CaseIterable, Sendable {
    case cmdGet, cmdSet, cmdFlush, cmdTouch
    /// `me` commands run (cmd_meta: memcached 1.6.18 counts that meta command alone).
    case cmdMeta
    case getHits, getMisses, getExpired, getFlushed
    case deleteHits, deleteMisses
    case incrHits, incrMisses, decrHits, decrMisses
    case casHits, casMisses, casBadval
    case touchHits, touchMisses
    case storeTooLarge, storeNoMemory
    case bytesRead, bytesWritten
    /// Connections accepted and handed to a worker (total_connections).
    case connectionsOpened
    /// Connections closed; curr_connections = opened - closed.
    case connectionsClosed
    case rejectedConnections
    /// Connections closed at accept, and UDP datagrams dropped, for coming from outside the allowlist.
    case rejectedByAllowlist
    case connYields
    /// Connections closed for idling past `-o idle_timeout` (idle_kicks).
    case idleKicks
    /// SASL or `-Y` authentication attempts, and the failed ones.
    case authCmds, authErrors
    /// Requests whose answer would have held more than a connection may (response_obj_oom).
    case responseObjectsOutOfMemory
    /// TLS handshakes that failed or were abandoned (a connection closed before its handshake
    /// completed), and full handshakes that put a new session in the server's cache.
    case sslHandshakeErrors, sslNewSessions
    /// Response buffers lent to connections and taken back: what is lent now is response_obj_count,
    /// and times the block size response_obj_bytes (a gauge kept as two counters, as
    /// curr_connections is).
    case responseBuffersLent, responseBuffersReturned

    /// The name `stats` prints.
    public var statName: String {
        switch self {
        case .cmdGet: return "cmd_get"
        case .cmdSet: return "cmd_set"
        case .cmdFlush: return "cmd_flush"
        case .cmdTouch: return "cmd_touch"
        case .cmdMeta: return "cmd_meta"
        case .getHits: return "get_hits"
        case .getMisses: return "get_misses"
        case .getExpired: return "get_expired"
        case .getFlushed: return "get_flushed"
        case .deleteHits: return "delete_hits"
        case .deleteMisses: return "delete_misses"
        case .incrHits: return "incr_hits"
        case .incrMisses: return "incr_misses"
        case .decrHits: return "decr_hits"
        case .decrMisses: return "decr_misses"
        case .casHits: return "cas_hits"
        case .casMisses: return "cas_misses"
        case .casBadval: return "cas_badval"
        case .touchHits: return "touch_hits"
        case .touchMisses: return "touch_misses"
        case .storeTooLarge: return "store_too_large"
        case .storeNoMemory: return "store_no_memory"
        case .bytesRead: return "bytes_read"
        case .bytesWritten: return "bytes_written"
        case .connectionsOpened: return "total_connections"
        case .connectionsClosed: return "connections_closed"
        case .rejectedConnections: return "rejected_connections"
        case .rejectedByAllowlist: return "rejected_by_allowlist"
        case .connYields: return "conn_yields"
        case .idleKicks: return "idle_kicks"
        case .authCmds: return "auth_cmds"
        case .authErrors: return "auth_errors"
        case .responseObjectsOutOfMemory: return "response_obj_oom"
        case .sslHandshakeErrors: return "ssl_handshake_errors"
        case .sslNewSessions: return "ssl_new_sessions"
        case .responseBuffersLent: return "response_buffers_lent"
        case .responseBuffersReturned: return "response_buffers_returned"
        }
    }

    /// `stats reset` zeroes these; gauges derived from them (curr_connections) are kept.
    public var isResettable: Bool {
        switch self {
        case .connectionsOpened, .connectionsClosed, .responseBuffersLent, .responseBuffersReturned: return false
        default: return true
        }
    }

    /// The per-class counters this one is the sum of, over every class (memcached's get_hits, cmd_set,
    /// delete_hits, incr_hits, decr_hits, cas_hits, cas_badval and touch_hits are so summed); nil
    /// for a counter kept on its own. A summed counter is never added to directly: the request
    /// counts in its item's class (`CounterBlock.add(_:slabClass:)`, `countHit`).
    public var summedClassCounters: [ClassCounter]? {
        switch self {
        case .getHits: return ClassCounter.hitCounters
        case .cmdSet: return [.cmdSet]
        case .deleteHits: return [.deleteHits]
        case .incrHits: return [.incrHits]
        case .decrHits: return [.decrHits]
        case .casHits: return [.casHits]
        case .casBadval: return [.casBadval]
        case .touchHits: return [.touchHits]
        default: return nil
        }
    }

    /// Whether `summedClassCounters` is non-nil (without building it: `CounterBlock.add` asserts it).
    @inlinable @inline(__always)
    public var isClassSum: Bool {
        switch self {
        case .getHits, .cmdSet, .deleteHits, .incrHits, .decrHits, .casHits, .casBadval, .touchHits: return true
        default: return false
        }
    }

    /// The network layer's own figure for this counter (kept in `CounterBlock.network`); nil for
    /// what the sessions count.
    @inlinable @inline(__always)
    public var networkCounter: NetworkCounter? {
        switch self {
        case .bytesRead: return .bytesRead
        case .bytesWritten: return .bytesWritten
        case .connectionsOpened: return .connectionsOpened
        case .connectionsClosed: return .connectionsClosed
        case .rejectedConnections: return .rejectedConnections
        case .rejectedByAllowlist: return .rejectedByAllowlist
        case .connYields: return .connYields
        case .idleKicks: return .idleKicks
        case .sslHandshakeErrors: return .sslHandshakeErrors
        case .sslNewSessions: return .sslNewSessions
        case .responseBuffersLent: return .responseBuffersLent
        case .responseBuffersReturned: return .responseBuffersReturned
        default: return nil
        }
    }
}
