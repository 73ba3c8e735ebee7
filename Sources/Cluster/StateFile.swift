#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the endpoint keeps across restarts so the version never goes backwards: the last published
/// version and list. Written to a temporary file, synced and renamed over the old one, so a crash
/// leaves either the old or the new state, never a torn one.
public struct PersistedState: Equatable, Sendable {
    public var payload: ConfigPayload

    public init(payload: ConfigPayload) { self.payload = payload }

    public static let empty = PersistedState(payload: ConfigPayload(version: 0, nodes: []))
}

public enum StateFileError: Error, CustomStringConvertible {
    case unreadable(String, String)
    case corrupt(String, String)
    case unwritable(String, String)

    public var description: String {
        switch self {
        case let .unreadable(path, why): return "cannot read state file \(path): \(why)"
        case let .corrupt(path, why): return "state file \(path) is corrupt (\(why)); refusing to start rather than risk an older version"
        case let .unwritable(path, why): return "cannot write state file \(path): \(why)"
        }
    }
}

public struct StateFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The stored state, or `.empty` when there is no file yet.
    public func load() throws -> PersistedState {
        let bytes: [UInt8]
        do {
            guard let stored = try FileBytes.contents(of: path) else { return .empty }
            bytes = stored
        } catch {
            throw StateFileError.unreadable(path, "\(error)")
        }
        do {
            return PersistedState(payload: try ConfigPayload.parse(bytes, allowEmpty: true))
        } catch {
            throw StateFileError.corrupt(path, "\(error)")
        }
    }

    public func save(_ state: PersistedState) throws {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StateFileError.unwritable(temporary, lastError()) }
        let bytes = state.payload.bytes
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else { throw StateFileError.unwritable(temporary, lastError()) }
        guard rename(temporary, path) == 0 else { throw StateFileError.unwritable(path, lastError()) }
    }
}

func lastError() -> String { String(cString: strerror(errno)) }
