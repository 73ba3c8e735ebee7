import Atomics
import Locking

/// `stats detail`: gets, hits, sets and deletes counted per key prefix (the key up to the first `-D`
/// delimiter; keys without one are not counted), as memcached's `stats detail dump` shows them.
///
/// Collected only while detail is on (`-D`, `stats detail on`): a session asks its copy of `switch`
/// — one relaxed load through a pointer it holds, and a branch — before anything else; the records
/// are out of line. With detail off that costs a get 8 instructions (the check, and the key and result
/// kept on the stack across the lookup for it) and a set 4, under callgrind (docs/architecture.md).
/// When on, each record takes this object's lock (memcached too has one global lock for it).
/// Unlike memcached, the table is bounded: at most `prefixLimit` prefixes; a record for a new prefix
/// once the table is full is dropped and counted (`droppedRecords`, `detail_records_dropped` in
/// `stats`). Switching detail off keeps the table, which `dump` still shows, as memcached does.
public final class PrefixStatistics: @unchecked Sendable {
    /// At most this many prefixes (each at most 250 bytes plus its counts: about 4 MB in all).
    public static let prefixLimit = 10_000

    public struct Counts: Sendable, Equatable {
        public var gets: UInt64 = 0
        public var hits: UInt64 = 0
        public var sets: UInt64 = 0
        public var deletes: UInt64 = 0
    }

    private struct Table {
        var counts: [[UInt8]: Counts] = [:]
        /// Prefixes in the order first seen: the dump's order.
        var order: [[UInt8]] = []
        var dropped: UInt64 = 0
    }

    /// Whether records are kept: a pointer to one atomic flag, copied into each session. It lives as
    /// long as this object, which the `ServerContext` every session holds keeps.
    public struct Switch: @unchecked Sendable {
        fileprivate let flag: UnsafeAtomic<Bool>

        @inline(__always)
        public var isOn: Bool { flag.load(ordering: .relaxed) }
    }

    /// `-D`'s character.
    public let delimiter: UInt8
    public let `switch`: Switch
    private let table = Locked(Table())

    public init(delimiter: UInt8, enabled: Bool) {
        self.delimiter = delimiter
        `switch` = Switch(flag: .create(enabled))
    }

    deinit { `switch`.flag.destroy() }

    /// `stats detail on|off`.
    public var isOn: Bool {
        get { `switch`.isOn }
        set { `switch`.flag.store(newValue, ordering: .relaxed) }
    }

    // Out of line: inlined into a session's loop they cost the untaken path 12 instructions a get
    // instead of 8 (callgrind, Scripts/bench_instructions.py).
    @inline(never)
    public func recordGet(_ key: UnsafeRawBufferPointer, hit: Bool) {
        record(key) {
            $0.gets &+= 1
            if hit { $0.hits &+= 1 }
        }
    }

    @inline(never)
    public func recordSet(_ key: UnsafeRawBufferPointer) {
        record(key) { $0.sets &+= 1 }
    }

    @inline(never)
    public func recordDelete(_ key: UnsafeRawBufferPointer) {
        record(key) { $0.deletes &+= 1 }
    }

    /// Every prefix with its counts, in the order first seen.
    public func snapshot() -> [(prefix: [UInt8], counts: Counts)] {
        table.withLock { table in table.order.map { ($0, table.counts[$0] ?? Counts()) } }
    }

    /// Records refused because the table was full.
    public var droppedRecords: UInt64 {
        table.withLock { $0.dropped }
    }

    private func record(_ key: UnsafeRawBufferPointer, _ change: (inout Counts) -> Void) {
        guard let end = key.firstIndex(of: delimiter) else { return }
        let prefix = Array(key[..<end])
        table.withLock { table in
            if table.counts[prefix] == nil {
                guard table.order.count < PrefixStatistics.prefixLimit else {
                    table.dropped &+= 1
                    return
                }
                table.order.append(prefix)
            }
            change(&table.counts[prefix, default: Counts()])
        }
    }
}
