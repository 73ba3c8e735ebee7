import CLibevent
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bound, listening, non-blocking socket owned by the listener thread.
struct ListeningSocket {
    let fd: Int32
    let isUnixSocket: Bool
    /// Connections accepted here speak TLS (`-Z`, not `-l notls:`).
    var tls = false
    /// For messages: "127.0.0.1:11211", "[::]:11211" or the socket path.
    let name: String

    /// TCP sockets for every `-l` address (every interface when empty, IPv4 and IPv6, as memcached).
    /// An address already in use is an error; an address family the host lacks is skipped.
    /// With `tls` (`-Z`), every socket but those of `notls:` addresses speaks TLS.
    static func openTCP(addresses: [ListenAddress], defaultPort: Int, backlog: Int, tls: Bool = false) throws -> [ListeningSocket] {
        try ListenAddress.openOnEach(addresses, close: { closeDescriptor($0.fd) }) { target in
            try openTCP(host: target.bindHost, port: target.port ?? defaultPort, backlog: backlog).map { socket in
                var socket = socket
                socket.tls = tls && !target.clearText
                return socket
            }
        }
    }

    private static func openTCP(host: String?, port: Int, backlog: Int) throws -> [ListeningSocket] {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, ListenAddress.service(forPort: port), &hints, &list)
        guard status == 0 else {
            throw ServerError.badAddress(host ?? "*", String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }

        var sockets: [ListeningSocket] = []
        var lastError: Int32 = 0
        var entry = list
        while let info = entry?.pointee {
            entry = info.ai_next
            let fd = socket(info.ai_family, info.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
            if fd < 0 {
                // An address family the kernel lacks (no IPv6): skip it as memcached does.
                lastError = errno
                continue
            }
            if info.ai_family == AF_INET6 {
                // Keep IPv6 sockets IPv6-only so the IPv4 wildcard can bind the same port.
                setSocketOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1)
            }
            setSocketOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            setSocketOption(fd, SOL_SOCKET, SO_KEEPALIVE, 1)
            if bind(fd, info.ai_addr, info.ai_addrlen) != 0 {
                let code = errno
                closeDescriptor(fd)
                if code == EADDRINUSE {
                    for socket in sockets { closeDescriptor(socket.fd) }
                    throw ServerError.system("failed to listen on TCP port \(port): bind", code)
                }
                lastError = code
                continue
            }
            if listen(fd, Int32(clamping: backlog)) != 0 {
                let code = errno
                closeDescriptor(fd)
                for socket in sockets { closeDescriptor(socket.fd) }
                throw ServerError.system("listen", code)
            }
            // With -p -1 the kernel chose the port: name the one bound.
            let bound = SocketName.local(of: fd)?.port ?? port
            sockets.append(ListeningSocket(fd: fd, isUnixSocket: false, name: describe(info, port: bound)))
        }
        if sockets.isEmpty { throw ServerError.system("failed to listen on TCP port \(port)", lastError) }
        return sockets
    }

    /// The unix socket of `-s`, its file created with permissions `mask` (`-a`). A stale socket file
    /// left by an earlier run is removed first; any other kind of file is an error.
    static func openUnix(path: String, mask: Int, backlog: Int) throws -> ListeningSocket {
        var status = stat()
        if lstat(path, &status) == 0 {
            guard (status.st_mode & S_IFMT) == S_IFSOCK else {
                throw ServerError.system("\(path) exists and is not a socket", EEXIST)
            }
            unlink(path)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { throw ServerError.system("unix socket path too long", ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServerError.system("socket", errno) }
        // The umask decides the socket file's permissions at bind time.
        let previousMask = umask(mode_t(~mask & 0o777))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        let bindError = errno
        umask(previousMask)
        guard bound == 0 else {
            closeDescriptor(fd)
            throw ServerError.system("bind(\(path))", bindError)
        }
        guard listen(fd, Int32(clamping: backlog)) == 0 else {
            let code = errno
            closeDescriptor(fd)
            throw ServerError.system("listen(\(path))", code)
        }
        return ListeningSocket(fd: fd, isUnixSocket: true, name: path)
    }

    private static func describe(_ info: addrinfo, port: Int) -> String {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(info.ai_addr, info.ai_addrlen, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else {
            return "?:\(port)"
        }
        let text = String(cString: host)
        return info.ai_family == AF_INET6 ? "[\(text)]:\(port)" : "\(text):\(port)"
    }
}
