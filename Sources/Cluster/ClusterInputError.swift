/// Why a cluster file, a `config set` payload or an endpoint answer was refused. The text is what an
/// operator reads (stderr of the endpoint, or after `CLIENT_ERROR`), so it names the culprit.
public enum ClusterInputError: Error, Equatable, CustomStringConvertible {
    case badNode(String, String)
    case duplicateNode(String)
    case badVersion(String)
    case badPayload(String)
    case versionTooFarAhead(requested: UInt64, current: UInt64)
    /// A cluster secret file that is missing, unreadable, too short or too long.
    case badSecret(String)

    public var description: String {
        switch self {
        case let .badNode(entry, why): return "bad node '\(entry)': \(why)"
        case let .duplicateNode(identity): return "node \(identity) listed twice"
        case let .badVersion(text): return "bad version '\(text)': expected a decimal integer from 1 to \(ClusterVersion.maximum)"
        case let .versionTooFarAhead(requested, current):
            return "version \(requested) is more than \(ClusterVersion.maxOperatorStep) above the current version \(current)"
        case let .badPayload(why): return "bad payload: \(why)"
        case let .badSecret(why): return why
        }
    }
}
