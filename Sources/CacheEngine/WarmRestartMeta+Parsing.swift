/// Reading a meta file back: strict, line by line, in the order `encoded()` writes. Any surprise
/// (a missing, repeated or unknown line, a number out of range, a page owned by no class, a queue
/// of a class that does not exist, text after `end`) refuses the whole file.
extension WarmRestartMeta {
    static func parse(_ bytes: [UInt8], running: [RestartSettings.Entry],
                      limits: RestartLimits) throws(WarmRestartRefusal) -> WarmRestartMeta {
        guard bytes.count <= limits.fileSizeLimit else { throw .corrupt("larger than \(limits.fileSizeLimit) bytes") }
        guard bytes.last == UInt8(ascii: "\n") else { throw .corrupt("truncated") }
        var lines = RestartLines(String(decoding: bytes.dropLast(), as: UTF8.self))
        guard try lines.next().joined(separator: " ") == formatLine else { throw .corrupt("not a swiftcached restart file of this version") }
        var saved: [RestartSettings.Entry] = []
        while lines.peekName() == "setting" {
            let fields = try lines.next(fieldCount: 3)
            saved.append(RestartSettings.Entry(name: String(fields[1]), value: String(fields[2])))
        }
        if let refusal = RestartSettings.firstDifference(saved: saved, running: running) { throw refusal }
        var meta = WarmRestartMeta(settings: saved, processStarted: 0, now: 0, casCounter: 0, oldestLive: 0,
                                   oldestCAS: 0, owners: [], queues: [])
        meta.processStarted = try lines.number("process_started", Int64.self, in: 1...Int64(UInt32.max) << 2)
        meta.now = try lines.number("now", UInt32.self)
        meta.casCounter = try lines.number("cas", UInt64.self)
        meta.oldestLive = try lines.number("oldest_live", UInt32.self)
        meta.oldestCAS = try lines.number("oldest_cas", UInt64.self)
        meta.owners = try parseOwners(try lines.value("pages"), limits: limits)
        while lines.peekName() == "queue" {
            meta.queues.append(try parseQueue(try lines.next(fieldCount: 5), limits: limits, after: meta.queues.last))
        }
        guard try lines.next() == ["end"], lines.isAtEnd else { throw .corrupt("expected end") }
        return meta
    }

    /// The class of each page, comma separated (`-` for none); 0 for a page in the global page pool.
    private static func parseOwners(_ text: Substring, limits: RestartLimits) throws(WarmRestartRefusal) -> [UInt8] {
        if text == "-" { return [] }
        let fields = text.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count <= limits.totalPages else { throw .corrupt("more pages than the arena holds") }
        var owners = [UInt8]()
        owners.reserveCapacity(fields.count)
        for field in fields {
            // 0: a page of the global page pool.
            owners.append(UInt8(try RestartLines.number(field, Int.self, in: 0...limits.largestClass)))
        }
        return owners
    }

    /// Queues come in class, then queue order, each at most once.
    private static func parseQueue(_ fields: [Substring], limits: RestartLimits,
                                   after previous: Queue?) throws(WarmRestartRefusal) -> Queue {
        let classID = try RestartLines.number(fields[1], Int.self, in: 1...limits.largestClass)
        let queue = try RestartLines.number(fields[2], Int.self, in: 0...(limits.queuesPerClass - 1))
        let head = try RestartLines.number(fields[3], UInt32.self, in: 1...UInt32.max)
        let count = try RestartLines.number(fields[4], Int.self, in: 1...Int(UInt32.max))
        if let previous, (previous.classID, previous.queue) >= (classID, queue) { throw .corrupt("queues out of order") }
        return Queue(classID: classID, queue: queue, head: head, count: count)
    }
}

/// The lines of a meta file, each split at single spaces.
struct RestartLines {
    private let lines: [Substring]
    private var index = 0

    init(_ text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0[...] }
    }

    var isAtEnd: Bool { index == lines.count }

    func peekName() -> Substring? {
        index < lines.count ? lines[index].split(separator: " ", maxSplits: 1).first : nil
    }

    mutating func next() throws(WarmRestartRefusal) -> [Substring] {
        guard index < lines.count else { throw .corrupt("truncated") }
        defer { index += 1 }
        return lines[index].split(separator: " ", omittingEmptySubsequences: false)
    }

    mutating func next(fieldCount: Int) throws(WarmRestartRefusal) -> [Substring] {
        let fields = try next()
        guard fields.count == fieldCount, fields.allSatisfy({ !$0.isEmpty }) else {
            throw .corrupt("malformed \(fields.first ?? "") line")
        }
        return fields
    }

    /// The value of a `name value` line that must come next.
    mutating func value(_ name: String) throws(WarmRestartRefusal) -> Substring {
        let fields = try next(fieldCount: 2)
        guard fields[0] == name else { throw .corrupt("expected \(name)") }
        return fields[1]
    }

    mutating func number<T: FixedWidthInteger>(_ name: String, _ type: T.Type,
                                               in range: ClosedRange<T> = T.min...T.max) throws(WarmRestartRefusal) -> T {
        try RestartLines.number(try value(name), type, in: range)
    }

    /// Decimal digits only (no sign, no blanks), within `range`.
    static func number<T: FixedWidthInteger>(_ text: Substring, _ type: T.Type,
                                             in range: ClosedRange<T> = T.min...T.max) throws(WarmRestartRefusal) -> T {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = T(text), range.contains(value) else {
            throw .corrupt("bad number \(text.prefix(24))")
        }
        return value
    }
}
