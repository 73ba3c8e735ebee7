/// The ranges a client's address must fall in to be served (`--allow`, `--allow-file`): the
/// security-group role. An address in any range is admitted; the list is never empty.
public struct ClientAllowlist: Equatable, Sendable {
    /// An allowlist file longer than this is refused (a mistaken path must not take the memory).
    public static let maxFileBytes = 1 << 20
    /// Every client is matched against every range, so the list is kept short enough for that to
    /// stay cheap at accept; cloud security groups allow far fewer rules.
    public static let maxRanges = 10_000

    public let ranges: [AddressRange]

    public init(ranges: [AddressRange]) throws(AllowlistError) {
        guard !ranges.isEmpty else { throw .badRange("", "the allowlist holds no ranges") }
        guard ranges.count <= Self.maxRanges else { throw .badRange("", "more than \(Self.maxRanges) ranges") }
        self.ranges = ranges
    }

    public func admits(_ address: IPAddressBits) -> Bool {
        ranges.contains { $0.contains(address) }
    }

    /// The ranges of an allowlist file: one entry per line, `#` starts a comment, blank lines and
    /// surrounding spaces are ignored. A file with no entry is refused: read half-written during
    /// a reload, it would otherwise shut every client out.
    public static func ranges(inFile bytes: [UInt8], path: String) throws(AllowlistError) -> [AddressRange] {
        guard bytes.count <= maxFileBytes else { throw .badFile(path, "larger than \(maxFileBytes) bytes") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .badFile(path, "not UTF-8 text") }
        var ranges: [AddressRange] = []
        for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let entry = line.prefix { $0 != "#" }.trimmingBlanks
            guard !entry.isEmpty else { continue }
            do {
                ranges.append(try AddressRange(parsing: entry))
            } catch {
                throw .badFile(path, "line \(number + 1): \(error)")
            }
        }
        guard !ranges.isEmpty else { throw .badFile(path, "no address ranges in it") }
        return ranges
    }
}

extension Substring {
    /// Without leading and trailing spaces, tabs and carriage returns.
    var trimmingBlanks: Substring {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return self[first...last]
    }
}
