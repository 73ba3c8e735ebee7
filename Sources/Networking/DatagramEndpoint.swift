import AccessControl
import CLibevent
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One worker's use of a UDP socket (`-U`). As in memcached 1.6 every worker registers the same
/// socket on its own event base; whichever wakes first reads the datagram, the others find
/// nothing (the socket is non-blocking). Each datagram goes to the worker's `DatagramResponder`,
/// which owns the framing; every datagram it answers with is sent back to the sender.
final class DatagramEndpoint {
    /// memcached's UDP_READ_BUFFER_SIZE: the largest datagram read.
    static let readCapacity = 65536
    /// Datagrams read per readiness event before other events get a turn.
    static let datagramsPerEvent = 16
    /// Response bytes sent per readiness event before other events get a turn: a storm of gets for
    /// large values must not keep the worker's TCP connections waiting behind megabytes of sendto.
    static let responseBytesPerEvent = 64 * 1024

    private let fd: Int32
    private let responder: DatagramResponder
    private let counters: NetworkCounters
    private let allowlist: SharedAllowlist?
    private let datagram: UnsafeMutableRawBufferPointer
    private var event: OpaquePointer?
    private var sender = sockaddr_storage()
    private var senderLength = socklen_t(0)

    init(fd: Int32, responder: DatagramResponder, counters: NetworkCounters, allowlist: SharedAllowlist?) {
        self.fd = fd
        self.responder = responder
        self.counters = counters
        self.allowlist = allowlist
        datagram = .allocate(byteCount: DatagramEndpoint.readCapacity, alignment: 16)
    }

    deinit {
        close()
        datagram.deallocate()
    }

    func register(on base: OpaquePointer) -> Bool {
        let context = Unmanaged.passUnretained(self).toOpaque()
        event = event_new(base, fd, EventFlags.read | EventFlags.persist, { _, _, context in
            Unmanaged<DatagramEndpoint>.fromOpaque(context!).takeUnretainedValue().handleReadable()
        }, context)
        guard let event else { return false }
        return event_add(event, nil) == 0
    }

    /// Stops watching the socket (the server closes it once every worker has stopped).
    func close() {
        if let event { event_free(event) }
        event = nil
    }

    private func handleReadable() {
        var responseBytes = 0
        for _ in 0..<DatagramEndpoint.datagramsPerEvent where responseBytes < DatagramEndpoint.responseBytesPerEvent {
            senderLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let received = withUnsafeMutablePointer(to: &sender) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, datagram.baseAddress, datagram.count, 0, $0, &senderLength)
                }
            }
            guard received >= 0 else { return }  // EAGAIN: another worker took it, or none left
            guard senderAdmitted() else {
                counters.add(.rejectedByAllowlist)
                continue
            }
            counters.add(.bytesRead, UInt64(received))
            responder.respond(to: UnsafeRawBufferPointer(rebasing: datagram[..<received])) { answer in
                send(answer)
                responseBytes += answer.count
            }
        }
    }

    /// Whether the allowlist (if any) admits the sender of the datagram just read; one from outside
    /// it is dropped unread and unanswered.
    private func senderAdmitted() -> Bool {
        guard let allowlist else { return true }
        return withUnsafePointer(to: &sender) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { allowlist.admits($0) } }
    }

    /// One datagram back to the sender of the one just read. A full socket buffer loses it, as UDP
    /// may; the client retries.
    private func send(_ answer: UnsafeRawBufferPointer) {
        let sent = withUnsafePointer(to: &sender) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, answer.baseAddress, answer.count, Int32(MSG_NOSIGNAL), $0, senderLength)
            }
        }
        if sent > 0 { counters.add(.bytesWritten, UInt64(sent)) }
    }

    /// UDP sockets on `port` for every `-l` address (every interface when none), IPv4 and IPv6.
    static func openSockets(addresses: [ListenAddress], port: Int) throws -> [Int32] {
        // As in memcached, the UDP port applies to every -l address (a port given there is for TCP).
        try ListenAddress.openOnEach(addresses, close: closeDescriptor) { target in try openSockets(host: target.bindHost, port: port) }
    }

    private static func openSockets(host: String?, port: Int) throws -> [Int32] {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, ListenAddress.service(forPort: port), &hints, &list)
        guard status == 0 else { throw ServerError.badAddress(host ?? "*", String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(list) }
        var sockets: [Int32] = []
        var entry = list
        while let info = entry?.pointee {
            entry = info.ai_next
            let fd = socket(info.ai_family, info.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
            guard fd >= 0 else { continue }  // no such address family here
            if info.ai_family == AF_INET6 { setSocketOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1) }
            guard bind(fd, info.ai_addr, info.ai_addrlen) == 0 else {
                let code = errno
                closeDescriptor(fd)
                for other in sockets { closeDescriptor(other) }
                throw ServerError.system("failed to listen on UDP port \(port): bind", code)
            }
            sockets.append(fd)
        }
        if sockets.isEmpty { throw ServerError.system("failed to listen on UDP port \(port)", EAFNOSUPPORT) }
        return sockets
    }
}
