/// One `-l` entry: a host (name, IPv4, or IPv6 literal) and optionally its own port, as memcached
/// accepts them: `127.0.0.1`, `127.0.0.1:11311`, `[::1]:11311`, `::1`, `localhost`.
public struct ListenAddress: Equatable, Sendable {
    public var host: String
    /// nil: the `-p` port.
    public var port: Int?
    /// memcached's `notls:` prefix: this listener stays clear text when `-Z` makes the others TLS.
    public var clearText: Bool

    public init(host: String, port: Int? = nil, clearText: Bool = false) {
        self.host = host
        self.port = port
        self.clearText = clearText
    }

    /// The host to bind: nil (every interface) for an empty one.
    var bindHost: String? { host.isEmpty ? nil : host }

    /// Splits a `-l` value into its addresses (memcached separates them with commas or spaces).
    public static func parseList(_ text: String) -> [ListenAddress]? {
        var result: [ListenAddress] = []
        for entry in text.split(whereSeparator: { $0 == "," || $0 == " " }) {
            guard let address = parse(String(entry)) else { return nil }
            result.append(address)
        }
        return result.isEmpty ? nil : result
    }

    /// Parses one entry; nil when a port is given but is not a number in 1...65535.
    public static func parse(_ entry: String) -> ListenAddress? {
        if entry.hasPrefix(clearTextPrefix) {
            guard var address = parse(String(entry.dropFirst(clearTextPrefix.count))) else { return nil }
            address.clearText = true
            return address
        }
        if entry.hasPrefix("[") {
            guard let close = entry.firstIndex(of: "]") else { return nil }
            let host = String(entry[entry.index(after: entry.startIndex)..<close])
            let rest = entry[entry.index(after: close)...]
            if rest.isEmpty { return ListenAddress(host: host) }
            guard rest.hasPrefix(":"), let port = parsePort(rest.dropFirst()) else { return nil }
            return ListenAddress(host: host, port: port)
        }
        let colons = entry.filter { $0 == ":" }.count
        if colons == 1, let colon = entry.firstIndex(of: ":") {
            guard let port = parsePort(entry[entry.index(after: colon)...]) else { return nil }
            return ListenAddress(host: String(entry[..<colon]), port: port)
        }
        // No colon, or a bare IPv6 literal.
        return entry.isEmpty ? nil : ListenAddress(host: entry)
    }

    private static let clearTextPrefix = "notls:"

    private static func parsePort(_ text: Substring) -> Int? {
        guard let port = Int(text), (1...65535).contains(port) else { return nil }
        return port
    }
}
