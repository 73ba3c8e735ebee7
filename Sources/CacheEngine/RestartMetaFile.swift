#if canImport(Glibc)
import Glibc
#endif

/// The meta file beside the memory file, `PATH.meta` as memcached names it. Written whole to a
/// temporary name and renamed, so a reader sees the old file or the new one, never half of one.
/// It is removed as soon as a start has read it: a later crash must not let the next start trust
/// memory that has changed since.
struct RestartMetaFile {
    let path: String

    init(memoryFile: String) { path = memoryFile + ".meta" }

    /// The file's bytes (at most `limit`); `.noMetadata` when there is none.
    func read(limit: Int) throws(WarmRestartRefusal) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .noMetadata }
            throw .unreadable(RestartMetaFile.lastError())
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .unreadable(RestartMetaFile.lastError()) }
            if count == 0 { break }
            filled += count
        }
        guard filled <= limit else { throw .corrupt("larger than \(limit) bytes") }
        return Array(bytes[..<filled])
    }

    func remove() { _ = unlink(path) }

    /// Replaces the file with `text` (temporary file, fsync, rename). False when it could not be written.
    func write(_ text: String) -> Bool {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            written += count
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            _ = unlink(temporary)
            return false
        }
        return true
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
