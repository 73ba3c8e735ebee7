import MemcacheProtocol
import OutputBuffers

/// One `STAT <name> <value>` line.
public struct StatLine: Equatable, Sendable {
    public let name: String
    public let value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The `stats` groups a reader outside the protocol may ask for, by their sub-command.
public enum StatsGroup: String, CaseIterable, Sendable {
    case general, settings, items, slabs, sizes
}

/// Every `stats` group's lines at one moment, taken by running the same reporter a `stats` command
/// runs: what the admin listener shows is what a client would read, name for name.
public struct StatsSnapshot: Sendable {
    public private(set) var groups: [StatsGroup: [StatLine]] = [:]

    public init(groups: [StatsGroup: [StatLine]]) { self.groups = groups }

    /// Reads every group of `server` (engine statistics take each class's LRU lock in turn, the
    /// counters the registry's lock: the locks a `stats` command takes).
    public static func take(of server: ServerContext) -> StatsSnapshot {
        let reporter = StatsReporter(server: server)
        var groups: [StatsGroup: [StatLine]] = [:]
        for group in StatsGroup.allCases {
            var output = OutputBuffer(capacity: 16384)
            switch group {
            case .general: reporter.writeGeneral(into: &output)
            case .settings: reporter.writeSettings(into: &output)
            case .items: reporter.writeItems(into: &output)
            case .slabs: reporter.writeSlabs(into: &output)
            case .sizes: reporter.writeSizes(into: &output)
            }
            groups[group] = parseStatLines(output.readableBytes)
            output.deallocate()
        }
        return StatsSnapshot(groups: groups)
    }

    public subscript(group: StatsGroup) -> [StatLine] { groups[group] ?? [] }

    /// The value of `name` in `group`, if printed.
    public func value(_ name: String, in group: StatsGroup = .general) -> String? {
        self[group].first { $0.name == name }?.value
    }
}

/// The `STAT` lines of a stats answer, up to its `END`; other lines are skipped. A value may hold
/// spaces (`stats settings`' `inter`), so only the first space after the name separates.
public func parseStatLines(_ bytes: UnsafeRawBufferPointer) -> [StatLine] {
    var lines: [StatLine] = []
    for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
        var line = Array(rawLine)
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        guard line.starts(with: Array("STAT ".utf8)) else { continue }
        let rest = line.dropFirst(5)
        guard let space = rest.firstIndex(of: UInt8(ascii: " ")) else { continue }
        lines.append(StatLine(name: String(decoding: rest[..<space], as: UTF8.self),
                              value: String(decoding: rest[(space + 1)...], as: UTF8.self)))
    }
    return lines
}
