#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes room for `-c` clients: like memcached, raise the soft RLIMIT_NOFILE when it is below what
/// the connection limit needs, so `-c` (not EMFILE) is what turns clients away.
enum DescriptorLimit {
    /// Listening sockets, wake-ups, stdio and libevent's own descriptors.
    static let headroom = 64

    /// Returns a warning when the limit could not be raised far enough.
    static func raise(toFit connections: Int, workers: Int) -> String? {
        let wanted = rlim_t(connections + 2 * workers + headroom)
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0 else { return nil }
        guard limit.rlim_cur < wanted else { return nil }
        limit.rlim_cur = min(wanted, limit.rlim_max)
        if setrlimit(RLIMIT_NOFILE_VALUE, &limit) != 0 || limit.rlim_cur < wanted {
            return "failed to raise the open files limit to \(wanted); clients may be refused before -c \(connections)"
        }
        return nil
    }

    #if os(Linux)
    private static let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let RLIMIT_NOFILE_VALUE = RLIMIT_NOFILE
    #endif
}
