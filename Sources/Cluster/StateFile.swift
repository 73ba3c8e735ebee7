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
        case let .corrupt(path, why): return "state file \(path) is corrupt (\(why))"
        case let .unwritable(path, why): return "cannot write state file \(path): \(why)"
        }
    }
}

public struct StateFile: Sendable {
    public let path: String

    /// Above anything the endpoint writes: a published list holds at most a 1 MiB static list
    /// (`ConfigPayload.maxBytes`) plus 1,024 leases of at most 275 bytes each.
    public static let maxBytes = 2 << 20
    /// What a state file that fails validation is renamed to (`<path>.rejected`, replacing an older one).
    public static let rejectedSuffix = ".rejected"

    public init(path: String) { self.path = path }

    public var rejectedPath: String { path + Self.rejectedSuffix }

    /// The stored state, or `.empty` when there is no file yet. `corrupt` when the content fails
    /// validation (unparsable, version out of range, too large); `unreadable` when the file system
    /// fails.
    public func load() throws -> PersistedState {
        let bytes: [UInt8]
        do {
            guard let stored = try FileBytes.contents(of: path, limit: Self.maxBytes) else { return .empty }
            bytes = stored
        } catch let error as FileBytes.TooLarge {
            throw StateFileError.corrupt(path, "\(error)")
        } catch {
            throw StateFileError.unreadable(path, "\(error)")
        }
        do {
            return PersistedState(payload: try ConfigPayload.parse(bytes, allowEmpty: true))
        } catch {
            throw StateFileError.corrupt(path, "\(error)")
        }
    }

    /// Like `load`, but a corrupt file is renamed to `rejectedPath` and the endpoint starts from
    /// `.empty` (the cluster file and probes rebuild the list) instead of failing at every start:
    /// a state file that cannot be trusted must not keep the endpoint down. Returns the message to
    /// log when a file was set aside. An unreadable file (permissions, I/O) is still an error: it
    /// needs an operator, and renaming it would hide the cause.
    public func loadOrSetAside() throws -> (state: PersistedState, setAside: String?) {
        do {
            return (try load(), nil)
        } catch StateFileError.corrupt(_, let why) {
            guard rename(path, rejectedPath) == 0 else {
                throw StateFileError.unwritable(rejectedPath, "cannot set aside the corrupt state file (\(why)): \(lastError())")
            }
            return (.empty, "state file \(path) is corrupt (\(why)); set aside as \(rejectedPath), starting from the cluster file and probes at version 1")
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
