/// One data node as clients see it: `host|ip|port`. The ip may be empty (clients then connect to the
/// host name); when present it must be a dotted IPv4 address, because the strictest client
/// (dalli-elasticache) rejects anything else.
public struct ClusterNode: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var host: String
    public var ip: String
    public var port: Int

    public init(host: String, ip: String, port: Int) {
        self.host = host
        self.ip = ip
        self.port = port
    }

    /// Parses one `host|ip|port` entry; the error says what is wrong with it.
    public init(entry: Substring) throws {
        let parts = entry.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw ClusterInputError.badNode(String(entry), "expected host|ip|port") }
        let host = String(parts[0]), ip = String(parts[1])
        guard Self.isValidHost(host) else { throw ClusterInputError.badNode(String(entry), "bad host name") }
        guard ip.isEmpty || Self.isDottedIPv4(ip) else {
            throw ClusterInputError.badNode(String(entry), "ip must be empty or a dotted IPv4 address")
        }
        guard let port = Int(parts[2]), (1...65535).contains(port) else {
            throw ClusterInputError.badNode(String(entry), "port must be 1-65535")
        }
        self.init(host: host, ip: ip, port: port)
    }

    /// The entry as written in the answer.
    public var entry: String { "\(host)|\(ip)|\(port)" }
    public var description: String { entry }

    /// What identifies a node across ip changes: a replaced node keeps its host name and port.
    public var identity: String { "\(host):\(port)" }

    /// Where to connect: the ip when given, else the host, as clients do.
    public var address: String { ip.isEmpty ? host : ip }

    /// Sorted by host name as clients expect; ip and port only break ties.
    public static func < (a: ClusterNode, b: ClusterNode) -> Bool {
        (a.host, a.port, a.ip) < (b.host, b.port, b.ip)
    }

    /// Letters, digits, `-`, `.`, `_` (host names and addresses), at most 253 characters.
    static func isValidHost(_ host: String) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 253 else { return false }
        return host.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F
        }
    }

    static func isDottedIPv4(_ text: String) -> Bool {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { octet in
            !octet.isEmpty && octet.count <= 3 && octet.allSatisfy(\.isASCII) && octet.allSatisfy(\.isNumber)
                && Int(octet)! <= 255
        }
    }
}
