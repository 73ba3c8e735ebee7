#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers for the state file and the cluster file (no Foundation on this path).
public enum FileBytes {
    public struct ReadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The file is longer than the caller's limit: its content, not the file system, is at fault.
    public struct TooLarge: Error, CustomStringConvertible {
        public let limit: Int
        public var description: String { "larger than \(limit) bytes" }
    }

    /// The whole file, or nil when it does not exist. A file longer than `limit` bytes is an error
    /// (read no further than that), so a runaway file cannot take the process's memory.
    public static func contents(of path: String, limit: Int = Int.max) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw ReadError(description: lastError())
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 { throw ReadError(description: lastError()) }
            if count == 0 { return result }
            result += chunk[..<count]
            if result.count > limit { throw TooLarge(limit: limit) }
        }
    }

    /// What changes when a file is rewritten in place or replaced by a rename: device, inode, size,
    /// modification time in nanoseconds. nil when the file does not exist.
    public static func fingerprint(_ path: String) -> [Int]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [Int(info.st_dev), Int(info.st_ino), Int(info.st_size),
                Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
    }
}
