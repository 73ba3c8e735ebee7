import Cluster

/// `-Y FILE` on the endpoint: memcached's auth file format, one `user:password` per line. When set,
/// the commands that change membership (`config set`, `config register`, `config deregister`) need a
/// connection that authenticated first, the way memcached's text protocol does it: a `set` of any
/// key whose data is `user password`. Reading the configuration stays open to everyone, since
/// discovery clients cannot authenticate.
public struct EndpointCredentials: Sendable {
    private let entries: Set<String>

    public init(path: String) throws {
        guard let bytes = try FileBytes.contents(of: path), let text = String(validating: bytes, as: UTF8.self) else {
            throw ClusterInputError.badPayload("auth file \(path) is missing or not UTF-8")
        }
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).filter { !$0.isEmpty }
        guard !lines.isEmpty, lines.allSatisfy({ $0.contains(":") }) else {
            throw ClusterInputError.badPayload("auth file \(path) must hold user:password lines")
        }
        entries = Set(lines.map(String.init))
    }

    /// The data block of the authenticating `set`: `user password`.
    public func accepts(_ block: [UInt8]) -> Bool {
        let words = String(decoding: block, as: UTF8.self).split(separator: " ", omittingEmptySubsequences: false)
        return words.count == 2 && entries.contains("\(words[0]):\(words[1])")
    }
}
