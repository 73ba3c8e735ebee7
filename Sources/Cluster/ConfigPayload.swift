/// The body of a `config get cluster` answer: `<version>\n<host|ip|port ...>\n`, nodes sorted and
/// separated by single spaces. Also what `config set cluster` carries.
public struct ConfigPayload: Equatable, Sendable {
    public var version: UInt64
    public var nodes: [ClusterNode]

    public init(version: UInt64, nodes: [ClusterNode]) {
        self.version = version
        self.nodes = nodes.sorted()
    }

    public var bytes: [UInt8] {
        Array("\(version)\n\(nodes.map(\.entry).joined(separator: " "))\n".utf8)
    }

    /// `CONFIG cluster 0 <N>\r\n<payload>\r\nEND\r\n`, N counting the payload exactly (its final `\n`
    /// included, the `\r\n` after it not): strict clients read N bytes and then expect `\r\n`.
    public var configResponse: [UInt8] { framed(header: "CONFIG cluster 0") }

    /// The legacy answer to `get AmazonElastiCache:cluster` (engines before 1.4.14) without its
    /// `END\r\n`, so a multi-key get can put it among other (missing) keys.
    public var legacyValueLines: [UInt8] { framed(header: "VALUE \(Self.legacyKey) 0", trailer: "\r\n") }

    public static let legacyKey = "AmazonElastiCache:cluster"

    /// The largest `config set` payload or cluster file: 1,000 nodes take about 60 KB, so far more
    /// than this is a mistake (or an attack on memory), not a cluster.
    public static let maxBytes = 1 << 20

    private func framed(header: String, trailer: String = "\r\nEND\r\n") -> [UInt8] {
        let body = bytes
        return Array("\(header) \(body.count)\r\n".utf8) + body + Array(trailer.utf8)
    }

    /// Reads a payload (from `config set cluster` or an endpoint's answer). Accepts `\r\n` line ends
    /// and a missing final newline, as people type them; refuses a bad version or any bad node. An
    /// empty list is refused unless `allowEmpty` (an endpoint whose nodes are all down sends one; an
    /// operator who sets one has made a mistake).
    public static func parse(_ bytes: [UInt8], allowEmpty: Bool = false) throws -> ConfigPayload {
        // Split on bytes: in a Swift String "\r\n" is one Character and would hide the "\n".
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0 }
        if bytes.last == UInt8(ascii: "\n") { lines.removeLast() }  // the final newline ends the list, it starts no line
        let textLines = lines.compactMap { String(validating: $0, as: UTF8.self) }
        guard textLines.count == lines.count else { throw ClusterInputError.badPayload("not UTF-8") }
        guard textLines.count == 2 else {
            throw ClusterInputError.badPayload("expected 2 lines (version, node list), got \(textLines.count)")
        }
        guard let version = UInt64(textLines[0]), (1...ClusterVersion.maximum).contains(version) else {
            throw ClusterInputError.badVersion(textLines[0])
        }
        let nodes = try NodeListParser.parse(textLines[1])
        guard allowEmpty || !nodes.isEmpty else { throw ClusterInputError.badPayload("empty node list") }
        return ConfigPayload(version: version, nodes: nodes)
    }
}
