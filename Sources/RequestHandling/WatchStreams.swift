/// The log streams a `watch` connection can ask for (memcached 1.6.18's names). A bit each, so the
/// request path tests "is anyone watching this?" with one relaxed load and an AND (`WatchSwitch`).
public struct WatchStreams: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Every lookup of an item by key: `type=item_get`.
    public static let fetchers = WatchStreams(rawValue: 1 << 0)
    /// Every store attempt and its outcome: `type=item_store`.
    public static let mutations = WatchStreams(rawValue: 1 << 1)
    /// Items pushed out of the cache to make room: `type=eviction`.
    public static let evictions = WatchStreams(rawValue: 1 << 2)
    /// Client connections opened and closed: `type=conn_new`, `type=conn_close`.
    public static let connevents = WatchStreams(rawValue: 1 << 3)
    /// What a store logs: its lookup (fetchers) and its outcome (mutations); one test on the store path.
    public static let stores = WatchStreams(rawValue: 1 << 0 | 1 << 1)

    /// A `watch` argument; nil for a name memcached does not know. memcached 1.6.18 also accepts
    /// `rawcmds`, `sysevents` and the proxy streams (`proxyreqs`, `proxyevents`, `proxyuser`): they are
    /// accepted here too and never produce a line (`none`): there is no proxy, and memcached's
    /// sysevents/rawcmds lines come from machinery (extstore, LRU crawler logs) this server lacks.
    public static func named(_ word: UnsafeRawBufferPointer) -> WatchStreams? {
        switch String(decoding: word, as: UTF8.self) {
        case "fetchers": return .fetchers
        case "mutations": return .mutations
        case "evictions": return .evictions
        case "connevents": return .connevents
        case "rawcmds", "sysevents", "proxyreqs", "proxyevents", "proxyuser": return []
        default: return nil
        }
    }
}
