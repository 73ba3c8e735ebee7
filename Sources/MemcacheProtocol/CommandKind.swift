/// The text-protocol commands this server executes.
public enum CommandKind: Equatable, Sendable {
    /// `get` (and memcached's undocumented alias `bget`).
    case get
    case gets
    case gat
    case gats
    case set, add, replace, append, prepend, cas
    case incr, decr
    case delete
    case touch
    case stats
    case flushAll
    case version
    case verbosity
    /// `slabs reassign <src> <dst>` / `slabs automove <0|1|2|ratio r>`.
    case slabs
    /// `lru tune <hot%> <warm%> <hot factor> <warm factor>` / `lru mode <flat|segmented>` / `lru temp_ttl <ttl>`.
    case lru
    /// `lru_crawler enable|disable|sleep|tocrawl|crawl|metadump ...`.
    case lruCrawler
    case quit
    case shutdown
    /// `cache_memlimit <megabytes> [noreply]`.
    case cacheMemoryLimit
    /// `watch [streams]`: recognized so that `-W` can refuse it as memcached does.
    case watch
    /// `refresh_certs`: reload the TLS certificate and key (memcached with TLS).
    case refreshCertificates
    /// The meta no-op `mn`, which answers `MN`.
    case metaNoOp
    /// Meta commands (see MetaFlags): `mg`, `ms`, `md`, `ma`, `me`.
    case metaGet, metaSet, metaDelete, metaArithmetic, metaDebug

    /// The storage mode of set/add/replace/append/prepend/cas.
    public var isStorage: Bool {
        switch self {
        case .set, .add, .replace, .append, .prepend, .cas: return true
        default: return false
        }
    }

    /// get/gets/gat/gats: commands whose key list is unbounded.
    public var isRetrieval: Bool {
        switch self {
        case .get, .gets, .gat, .gats: return true
        default: return false
        }
    }
}

/// What a command line turned out to be.
public enum Recognition: Equatable, Sendable {
    case command(CommandKind)
    /// Unknown command or wrong number of words: answer `ERROR`.
    case error
    /// An HTTP request line: memcached hangs up without answering.
    case closeConnection
}
