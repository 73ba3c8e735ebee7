#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many descriptors the process has open: the entries of its descriptor directory (Linux's
/// /proc/self/fd, /dev/fd elsewhere), less the one the listing itself holds.
enum OpenDescriptors {
    static func count() -> Int {
        #if os(Linux)
        let path = "/proc/self/fd"
        #else
        let path = "/dev/fd"
        #endif
        guard let directory = opendir(path) else { return 0 }
        defer { closedir(directory) }
        var entries = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { $0.first == UInt8(ascii: ".") }
            if !isDot { entries += 1 }
        }
        return max(0, entries - 1)
    }
}
