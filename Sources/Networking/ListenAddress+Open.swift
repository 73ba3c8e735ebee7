extension ListenAddress {
    /// Opens sockets for every `-l` address (every interface when there is none: host nil); if one
    /// fails, those already open are closed before the error is passed on.
    static func openOnEach<Socket>(_ addresses: [ListenAddress], close: (Socket) -> Void,
                                   _ open: (_ target: ListenAddress) throws -> [Socket]) throws -> [Socket] {
        let targets = addresses.isEmpty ? [ListenAddress(host: "", port: nil)] : addresses
        var sockets: [Socket] = []
        do {
            for target in targets {
                sockets += try open(target)
            }
        } catch {
            for socket in sockets { close(socket) }
            throw error
        }
        return sockets
    }

    /// The service string `getaddrinfo` binds `port` with: memcached's `-p -1` / `-U -1` ask for a port
    /// the kernel picks (0); any other negative port is left for `getaddrinfo` to refuse, as memcached does.
    static func service(forPort port: Int) -> String {
        port == -1 ? "0" : String(port)
    }
}
