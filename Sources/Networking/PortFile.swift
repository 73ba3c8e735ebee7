#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// memcached's `MEMCACHED_PORT_FILENAME`: once every TCP and UDP socket is bound, one line per socket
/// names the port it got (`TCP INET: 11211`, `TCP INET6: …`, `UDP INET: …`), so a test harness that
/// starts the server with `-p -1` (an ephemeral port) can learn which. The lines go to `<file>.lck`
/// (appended, as memcached opens it) and the file is then renamed into place, so a reader polling for
/// the file never sees it half written.
struct PortFile {
    let path: String

    /// The lines for `tcp` listening sockets then `udp` sockets, in the order they were opened.
    static func lines(tcp: [Int32], udp: [Int32]) -> String {
        var text = ""
        for (kind, sockets) in [("TCP", tcp), ("UDP", udp)] {
            for fd in sockets {
                guard let bound = SocketName.local(of: fd), bound.family != .unix else { continue }
                text += "\(kind) \(bound.family == .inet6 ? "INET6" : "INET"): \(bound.port)\n"
            }
        }
        return text
    }

    /// Writes and renames; a file that cannot be opened is reported on stderr and the server runs on,
    /// as memcached does.
    func write(_ text: String) {
        let temporary = path + ".lck"
        guard let file = fopen(temporary, "a") else {
            fputs("Failed to open \"\(temporary)\": \(String(cString: strerror(errno)))\n", stderr)
            return
        }
        fputs(text, file)
        fclose(file)
        rename(temporary, path)
    }
}
