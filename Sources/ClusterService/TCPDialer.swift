import Cluster
#if canImport(Glibc)
import Glibc
#endif

/// Non-blocking TCP connects and small request/answer exchanges with deadlines, for probes and for
/// a data node talking to its endpoint. Nothing here ever blocks past its deadline.
enum TCPDialer {
    /// A connect that is under way (or already done), or why it could not start.
    enum Start {
        case started(fd: Int32)
        case failed(ProbeOutcome)
    }

    /// Starts a non-blocking connect to `host:port` (a name is resolved first).
    static func startConnect(host: String, port: Int) -> Start {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let info = list else { return .failed(SocketFailure.outcome(resolverError: resolved)) }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(SocketFailure.outcome(errno: errno)) }
        if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 || errno == EINPROGRESS { return .started(fd: fd) }
        let failure = SocketFailure.outcome(errno: errno)
        close(fd)
        return .failed(failure)
    }

    /// Connects, sends `request` and reads until `isComplete` says the answer is whole, all before
    /// `deadline`. Returns the bytes read, or nil on any failure or timeout.
    static func exchange(host: String, port: Int, request: [UInt8], deadline: Double,
                         isComplete: ([UInt8]) -> Bool) -> [UInt8]? {
        guard case let .started(fd) = startConnect(host: host, port: port) else { return nil }
        defer { close(fd) }
        var exchange = Exchange(fd: fd, request: request)
        while !exchange.finished {
            let remaining = deadline - monotonicNow()
            guard remaining > 0 else { return nil }
            var poller = pollfd(fd: fd, events: exchange.wantedEvents, revents: 0)
            guard poll(&poller, 1, Int32(max(1, remaining * 1000))) >= 0 || errno == EINTR else { return nil }
            if poller.revents != 0 { exchange.advance(isComplete: isComplete) }
        }
        return exchange.succeeded ? exchange.received : nil
    }
}

/// One request/answer over a non-blocking socket, advanced whenever poll says the socket is ready.
/// Shared by `TCPDialer.exchange` (one at a time) and `NodeProber` (many in parallel). A failure
/// remembers whether it came from the peer (`down`) or from the endpoint's own resources
/// (`inconclusive`).
struct Exchange {
    let fd: Int32
    private var unsent: ArraySlice<UInt8>
    private(set) var received: [UInt8] = []
    /// An answer longer than this is not the one expected (and must not take the memory).
    private let maxReceived: Int
    /// nil while the exchange is running.
    private(set) var outcome: ProbeOutcome?

    init(fd: Int32, request: [UInt8], maxReceived: Int = 4 * ConfigPayload.maxBytes) {
        self.fd = fd
        self.maxReceived = maxReceived
        unsent = request[...]
    }

    var finished: Bool { outcome != nil }
    var succeeded: Bool { outcome == .up }

    var wantedEvents: Int16 { Int16(unsent.isEmpty ? POLLIN : POLLOUT) }

    mutating func advance(isComplete: ([UInt8]) -> Bool) {
        if !unsent.isEmpty {
            let sent = unsent.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno != EAGAIN && errno != EINTR { outcome = SocketFailure.outcome(errno: errno) }
                return
            }
            unsent = unsent.dropFirst(sent)
            return
        }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 {
            if errno != EAGAIN && errno != EINTR { outcome = SocketFailure.outcome(errno: errno) }
            return
        }
        guard count > 0 else { outcome = .down; return }  // the peer closed before the answer was whole
        received += chunk[..<count]
        if isComplete(received) {
            outcome = .up
        } else if received.count > maxReceived {
            outcome = .down
        }
    }
}
