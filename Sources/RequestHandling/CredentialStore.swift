#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// User names and passwords from a password file (`-Y` authfile, or the SASL password database),
/// one `user:password` per line. Loaded once at start and immutable afterwards, so every worker
/// may check against it without a lock. Passwords are never logged or printed; `verify` compares
/// in time that does not depend on where (or whether) the bytes differ.
public final class CredentialStore: Sendable {
    public enum LoadError: Error, Equatable, CustomStringConvertible {
        case unreadable(path: String, errno: Int32)
        /// A line without a `:` (memcached: "malformed entry").
        case malformed(path: String, line: Int)

        public var description: String {
            switch self {
            case let .unreadable(path, code): return "Could not open password file [\(path)]: \(String(cString: strerror(code)))"
            case let .malformed(path, line): return "Password file [\(path)] has a malformed entry on line \(line). Should be 'user:password'"
            }
        }
    }

    /// How a line's password ends. The authfile takes the rest of the line; memcached's SASL
    /// database also allows further `:`-separated fields after the password.
    public enum PasswordEnd: Sendable {
        case endOfLine
        case colonOrEndOfLine
    }

    private struct Entry: Sendable {
        let user: [UInt8]
        let password: [UInt8]
    }

    private let entries: [Entry]

    public var count: Int { entries.count }

    /// Parses the file's bytes. Empty lines are skipped; a line without `:` is an error.
    public init(contents: [UInt8], passwordEnd: PasswordEnd = .endOfLine, path: String = "") throws(LoadError) {
        var entries: [Entry] = []
        var lineNumber = 0
        for rawLine in contents.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine[...]
            if line.last == 0x0D { line = line.dropLast() }
            if line.isEmpty { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .malformed(path: path, line: lineNumber) }
            var password = line[(colon + 1)...]
            if passwordEnd == .colonOrEndOfLine, let next = password.firstIndex(of: UInt8(ascii: ":")) {
                password = password[..<next]
            }
            entries.append(Entry(user: Array(line[..<colon]), password: Array(password)))
        }
        self.entries = entries
    }

    /// Reads and parses a password file.
    public convenience init(path: String, passwordEnd: PasswordEnd = .endOfLine) throws(LoadError) {
        guard let file = fopen(path, "rb") else { throw .unreadable(path: path, errno: errno) }
        defer { fclose(file) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count > 0 { contents += chunk[..<count] }
            if count < chunk.count { break }
        }
        if ferror(file) != 0 { throw .unreadable(path: path, errno: errno) }
        try self.init(contents: contents, passwordEnd: passwordEnd, path: path)
    }

    /// Whether some entry has exactly this user and password. Every entry is compared in full,
    /// byte by byte with no early exit, so the time taken does not reveal which byte differed.
    public func verify(user: UnsafeRawBufferPointer, password: UnsafeRawBufferPointer) -> Bool {
        var matched = false
        for entry in entries {
            let userMatches = CredentialStore.constantTimeEqual(entry.user, user)
            let passwordMatches = CredentialStore.constantTimeEqual(entry.password, password)
            matched = matched || (userMatches && passwordMatches)
        }
        return matched
    }

    /// Compares all of `expected` whatever `given` is (as memcached's `safe_memcmp`); a length
    /// difference only makes the answer false, it does not shorten the loop.
    static func constantTimeEqual(_ expected: [UInt8], _ given: UnsafeRawBufferPointer) -> Bool {
        var difference: UInt8 = expected.count == given.count ? 0 : 1
        for index in 0..<expected.count {
            let other: UInt8 = index < given.count ? given[index] : 0
            difference |= expected[index] ^ other
        }
        return difference == 0
    }
}
