/// Why a cluster file, a `config set` payload or an endpoint answer was refused. The text is what an
/// operator reads (stderr of the endpoint, or after `CLIENT_ERROR`), so it names the culprit.
public enum ClusterInputError: Error, Equatable, CustomStringConvertible {
    case badNode(String, String)
    case duplicateNode(String)
    case badVersion(String)
    case badPayload(String)

    public var description: String {
        switch self {
        case let .badNode(entry, why): return "bad node '\(entry)': \(why)"
        case let .duplicateNode(identity): return "node \(identity) listed twice"
        case let .badVersion(text): return "bad version '\(text)': expected a decimal integer >= 1"
        case let .badPayload(why): return "bad payload: \(why)"
        }
    }
}
