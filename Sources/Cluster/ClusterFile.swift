/// The `--cluster-file`: re-read when its fingerprint changes (checked by the endpoint about once a
/// second) or on SIGHUP. A file that fails to parse is reported and ignored: the list it would have
/// replaced stays, and so does the version.
public struct ClusterFile: Sendable {
    public let path: String
    private var lastFingerprint: [Int]?

    public init(path: String) { self.path = path }

    /// True when the file looks different from the last `load`.
    public func hasChanged() -> Bool {
        FileBytes.fingerprint(path) != lastFingerprint
    }

    /// Reads and parses the file, remembering its fingerprint even when it is malformed (so a bad
    /// file is reported once, not every second, until it changes again).
    public mutating func load() throws -> [ClusterNode] {
        lastFingerprint = FileBytes.fingerprint(path)
        guard let bytes = try FileBytes.contents(of: path, limit: ConfigPayload.maxBytes) else {
            throw ClusterInputError.badPayload("cluster file \(path) does not exist")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ClusterInputError.badPayload("cluster file \(path) is not UTF-8")
        }
        return try NodeListParser.parse(text)
    }
}
