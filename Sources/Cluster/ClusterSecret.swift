#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The secret the endpoint and its data nodes share (`--cluster-secret-file`; never a command-line
/// argument, which every local user can read in /proc). The file's content is the key, less its
/// trailing newlines and blanks, so `openssl rand -hex 32 > file` and an editor's final newline work.
public struct ClusterSecret: Sendable {
    /// Shorter keys are refused: 16 bytes of random hex already carry 64 bits.
    public static let minimumBytes = 16
    /// A key file is small; anything longer is not one.
    public static let maximumBytes = 4096

    public let key: [UInt8]
    /// Set when the file can be read by its group or by others (said at start, not refused).
    public let warning: String?

    public init(key: [UInt8], warning: String? = nil) throws(ClusterInputError) {
        guard key.count >= Self.minimumBytes else {
            throw .badSecret("cluster secret is \(key.count) bytes; at least \(Self.minimumBytes) are needed")
        }
        self.key = key
        self.warning = warning
    }

    public init(path: String) throws(ClusterInputError) {
        let contents: [UInt8]?
        do {
            contents = try FileBytes.contents(of: path, limit: Self.maximumBytes)
        } catch {
            throw .badSecret("cluster secret file \(path): \(error)")
        }
        guard var key = contents else { throw .badSecret("cluster secret file \(path) does not exist") }
        while let last = key.last, [UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: " "), UInt8(ascii: "\t")].contains(last) {
            key.removeLast()
        }
        try self.init(key: key, warning: Self.permissionWarning(path))
    }

    private static func permissionWarning(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & 0o077 != 0 else { return nil }
        return "cluster secret file \(path) is readable by other users (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it"
    }
}
