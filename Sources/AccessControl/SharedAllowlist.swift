import Locking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The allowlist a server runs with: the `--allow` ranges, fixed for the process's life, plus those
/// of `--allow-file`, which SIGHUP re-reads. Read by the listener at every accept and by the workers
/// for every UDP datagram; replaced whole under a lock by a reload, so a reader sees the old list or
/// the new one, never a mixture.
public final class SharedAllowlist: Sendable {
    /// How the file is read (FileBytes in the executables; tests pass their own). nil: no such file.
    public typealias ReadFile = @Sendable (String) throws -> [UInt8]?

    public let filePath: String?
    private let fixedRanges: [AddressRange]
    private let readFile: ReadFile
    private let current: Locked<ClientAllowlist>

    /// nil when neither `--allow` nor `--allow-file` was given: then every client is served and no
    /// `rejected_by_allowlist` line is shown. A bad range, or a file that is missing or bad, is a
    /// startup error.
    public static func make(ranges: [String], filePath: String?, readFile: @escaping ReadFile) throws(AllowlistError) -> SharedAllowlist? {
        guard !ranges.isEmpty || filePath != nil else { return nil }
        var fixed: [AddressRange] = []
        for text in ranges { fixed.append(try AddressRange(parsing: Substring(text))) }
        return try SharedAllowlist(fixedRanges: fixed, filePath: filePath, readFile: readFile)
    }

    private init(fixedRanges: [AddressRange], filePath: String?, readFile: @escaping ReadFile) throws(AllowlistError) {
        self.fixedRanges = fixedRanges
        self.filePath = filePath
        self.readFile = readFile
        current = Locked(try Self.load(fixedRanges: fixedRanges, filePath: filePath, readFile: readFile))
    }

    /// Whether a client at this socket address may be served. Addresses of other families (a unix
    /// socket's) are not the allowlist's to judge.
    public func admits(_ address: UnsafePointer<sockaddr>) -> Bool {
        guard let bits = IPAddressBits(socketAddress: address) else { return true }
        return admits(bits)
    }

    public func admits(_ address: IPAddressBits) -> Bool {
        current.withLock { $0.admits(address) }
    }

    /// What a reload did, in words for the log.
    public enum ReloadOutcome: Equatable, Sendable {
        /// The file was read; the list now has this many ranges.
        case reloaded(ranges: Int)
        /// The file was refused; the list in force stays.
        case kept(reason: String)
        /// There is no file to re-read (only `--allow`).
        case noFile
    }

    /// Re-reads `--allow-file`. A missing or bad file keeps the current list: a reload can make the
    /// list different, never absent.
    public func reload() -> ReloadOutcome {
        guard filePath != nil else { return .noFile }
        do {
            let fresh = try Self.load(fixedRanges: fixedRanges, filePath: filePath, readFile: readFile)
            current.withLock { $0 = fresh }
            return .reloaded(ranges: fresh.ranges.count)
        } catch {
            return .kept(reason: error.description)
        }
    }

    /// The reload's outcome as one log line.
    public func describe(_ outcome: ReloadOutcome) -> String {
        switch outcome {
        case let .reloaded(count): return "allowlist reloaded from \(filePath ?? ""): \(count) ranges"
        case let .kept(reason): return "allowlist reload refused, keeping the current list: \(reason)"
        case .noFile: return "allowlist has no file to reload"
        }
    }

    private static func load(fixedRanges: [AddressRange], filePath: String?, readFile: ReadFile) throws(AllowlistError) -> ClientAllowlist {
        guard let filePath else { return try ClientAllowlist(ranges: fixedRanges) }
        let bytes: [UInt8]
        do {
            guard let read = try readFile(filePath) else { throw AllowlistError.badFile(filePath, "no such file") }
            bytes = read
        } catch let error as AllowlistError {
            throw error
        } catch {
            throw .badFile(filePath, "\(error)")
        }
        return try ClientAllowlist(ranges: fixedRanges + ClientAllowlist.ranges(inFile: bytes, path: filePath))
    }
}
