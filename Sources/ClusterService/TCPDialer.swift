import Cluster
import Networking
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
    /// `deadline`; over TLS with `tls` (the peer's certificate must name `host`). Returns the bytes
    /// read, or nil on any failure or timeout; a refused certificate is told to `noteCertificateProblem`.
    static func exchange(host: String, port: Int, request: [UInt8], deadline: Double, tls: TLSClientContext? = nil,
                         noteCertificateProblem: (String) -> Void = { _ in },
                         isComplete: ([UInt8]) -> Bool) -> [UInt8]? {
        guard case let .started(fd) = startConnect(host: host, port: port) else { return nil }
        guard var exchange = Exchange(fd: fd, request: request, tls: tls, verifyingHost: host) else {
            close(fd)
            return nil
        }
        defer { exchange.finish() }
        while !exchange.finished {
            let remaining = deadline - monotonicNow()
            guard remaining > 0 else { return nil }
            var poller = pollfd(fd: fd, events: exchange.wantedEvents, revents: 0)
            guard poll(&poller, 1, Int32(max(1, remaining * 1000))) >= 0 || errno == EINTR else { return nil }
            if poller.revents != 0 { exchange.advance(isComplete: isComplete) }
        }
        if let problem = exchange.certificateProblem { noteCertificateProblem(problem) }
        return exchange.succeeded ? exchange.received : nil
    }
}

/// One request/answer over a non-blocking socket, in the clear or over TLS, advanced whenever poll
/// says the socket is ready. Shared by `TCPDialer.exchange` (one at a time) and `NodeProber` (many
/// in parallel). A failure remembers whether it came from the peer (`down`) or from the endpoint's
/// own resources (`inconclusive`).
struct Exchange {
    let fd: Int32
    private let stream: ClientStream
    private var unsent: ArraySlice<UInt8>
    private(set) var received: [UInt8] = []
    /// An answer longer than this is not the one expected (and must not take the memory).
    private let maxReceived: Int
    /// nil while the exchange is running.
    private(set) var outcome: ProbeOutcome?
    /// What the socket must become before the next step can go on: writable first (the connect
    /// completing), then whatever the last call asked for (a TLS write may wait to read).
    private var waitingFor = TransportIO.Readiness.writable

    /// nil when the TLS state could not be made (OpenSSL out of memory): the caller's trouble.
    init?(fd: Int32, request: [UInt8], maxReceived: Int = 4 * ConfigPayload.maxBytes,
          tls: TLSClientContext? = nil, verifyingHost host: String? = nil) {
        if let tls {
            guard let channel = tls.makeChannel(fd: fd, verifyingHost: host) else { return nil }
            stream = .tls(channel)
        } else {
            stream = .clear(fd: fd)
        }
        self.fd = fd
        self.maxReceived = maxReceived
        unsent = request[...]
    }

    var finished: Bool { outcome != nil }
    var succeeded: Bool { outcome == .up }

    /// Why the peer's certificate was refused, if that ended the exchange.
    var certificateProblem: String? { stream.certificateProblem }

    var wantedEvents: Int16 { Int16(waitingFor == .readable ? POLLIN : POLLOUT) }

    mutating func advance(isComplete: ([UInt8]) -> Bool) {
        if unsent.isEmpty { receiveSome(isComplete: isComplete) } else { sendSome() }
    }

    /// Ends the stream (a TLS close_notify) and closes the socket.
    func finish() {
        stream.close()
        close(fd)
    }

    private mutating func sendSome() {
        switch unsent.withUnsafeBytes({ stream.send($0) }) {
        case let .moved(count):
            unsent = unsent.dropFirst(count)
            waitingFor = unsent.isEmpty ? .readable : .writable
        case let .blocked(readiness): waitingFor = readiness
        case .interrupted: break
        case .ended: outcome = .down
        case let .failed(code, _): outcome = SocketFailure.outcome(errno: code)
        }
    }

    /// Reads what the socket has, and what TLS already holds decrypted (no event would announce it).
    private mutating func receiveSome(isComplete: ([UInt8]) -> Bool) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        repeat {
            switch chunk.withUnsafeMutableBytes({ stream.receive(into: $0) }) {
            case let .moved(count):
                received += chunk[..<count]
                if isComplete(received) {
                    outcome = .up
                } else if received.count > maxReceived {
                    outcome = .down
                }
            case let .blocked(readiness):
                waitingFor = readiness
                return
            case .interrupted: return
            case .ended: outcome = .down  // the peer closed before the answer was whole
            case let .failed(code, _): outcome = SocketFailure.outcome(errno: code)
            }
        } while outcome == nil && stream.hasBufferedInput
    }
}
