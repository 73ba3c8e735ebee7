#if canImport(Glibc)
import Glibc
#endif

/// Where the arena's address range comes from: anonymous memory, or with `-e` a file (meant for a
/// tmpfs or another RAM disk) mapped shared, so the items outlive the process and a restart can map
/// them again. References are offsets into the range, so the file may land at any address.
struct ArenaMapping {
    let base: UnsafeMutableRawPointer
    let bytes: Int
    /// The memory file's descriptor, -1 for anonymous memory.
    let fileDescriptor: Int32

    /// Anonymous memory, reserved without being committed (MAP_NORESERVE): only pages handed out
    /// and written become resident.
    static func anonymous(bytes: Int) -> ArenaMapping {
        let mapped = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let mapped, mapped != MAP_FAILED else {
            fatalError("swiftcached: cannot reserve \(bytes) bytes of address space for item memory")
        }
        return ArenaMapping(base: mapped, bytes: bytes, fileDescriptor: -1)
    }

    /// The memory file at `path`, sized to `bytes` (sparse: a tmpfs only holds the pages written).
    /// `keepContents` false empties it first, so nothing of an earlier run stays resident.
    static func file(_ path: String, bytes: Int, keepContents: Bool) throws(MemoryFileError) -> ArenaMapping {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw MemoryFileError(path: path, action: "open", code: errno) }
        if !keepContents, ftruncate(fd, 0) != 0 {
            let code = errno
            close(fd)
            throw MemoryFileError(path: path, action: "empty", code: code)
        }
        guard ftruncate(fd, off_t(bytes)) == 0 else {
            let code = errno
            close(fd)
            throw MemoryFileError(path: path, action: "size", code: code)
        }
        let mapped = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            let code = errno
            close(fd)
            throw MemoryFileError(path: path, action: "map", code: code)
        }
        return ArenaMapping(base: mapped, bytes: bytes, fileDescriptor: fd)
    }

    /// Whether the memory file can be opened for reading and writing (it is created if missing).
    static func checkFile(_ path: String) throws(MemoryFileError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw MemoryFileError(path: path, action: "open", code: errno) }
        close(fd)
    }

    /// Drops a memory file's contents (a restart found them unusable): every page reads as zeros again.
    func discardContents() {
        guard fileDescriptor >= 0 else { return }
        _ = ftruncate(fileDescriptor, 0)
        _ = ftruncate(fileDescriptor, off_t(bytes))
    }

    /// Writes a memory file's dirty pages back (a no-op on tmpfs, whose pages are the file).
    func flush(upTo length: Int) {
        guard fileDescriptor >= 0, length > 0 else { return }
        _ = msync(base, min(length, bytes), MS_SYNC)
    }

    func unmap() {
        munmap(base, bytes)
        if fileDescriptor >= 0 { close(fileDescriptor) }
    }
}

/// A memory file (`-e`) that cannot be used: the server refuses to start, as memcached does.
public struct MemoryFileError: Error, CustomStringConvertible {
    public let path: String
    let action: String
    let code: Int32

    public var description: String {
        "failed to \(action) memory file \(path): \(String(cString: strerror(code)))"
    }
}
