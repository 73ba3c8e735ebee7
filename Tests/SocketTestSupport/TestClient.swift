import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking socket client that speaks raw bytes, with a receive timeout so no test can hang.
public final class TestClient {
    public enum Failure: Error, CustomStringConvertible {
        case system(String, Int32)
        case timedOut(String)
        case closed(String)

        public var description: String {
            switch self {
            case let .system(call, code): return "\(call): \(String(cString: strerror(code)))"
            case let .timedOut(what): return "timed out waiting for \(what)"
            case let .closed(what): return "connection closed while waiting for \(what)"
            }
        }
    }

    public let fd: Int32
    /// Received but not yet returned to the caller.
    private var pending: [UInt8] = []
    /// Where the next terminator search starts (bytes before it were already searched).
    private var searchFrom = 0

    private init(fd: Int32, timeout: TimeInterval) {
        self.fd = fd
        var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - floor(timeout)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    public static func tcp(port: Int, host: String = "127.0.0.1", timeout: TimeInterval = 10) throws -> TestClient {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.system("socket", errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw Failure.system("connect", code)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return TestClient(fd: fd, timeout: timeout)
    }

    public static func unix(path: String, timeout: TimeInterval = 10) throws -> TestClient {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.system("socket", errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw Failure.system("connect", code)
        }
        return TestClient(fd: fd, timeout: timeout)
    }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw Failure.system("send", errno)
            }
            offset += sent
        }
    }

    /// Reads until the received bytes end with `terminator`; returns everything up to and including it.
    public func read(until terminator: String) throws -> String {
        let marker = Array(terminator.utf8)
        while true {
            if let end = find(marker) {
                let result = Array(pending[..<end])
                pending.removeFirst(end)
                return String(decoding: result, as: UTF8.self)
            }
            try receiveMore(waitingFor: terminator)
        }
    }

    /// Reads one response line (through "\r\n").
    public func readLine() throws -> String {
        try read(until: "\r\n")
    }

    /// Sends a request and reads its response up to `terminator`.
    public func request(_ text: String, until terminator: String = "\r\n") throws -> String {
        try send(text)
        return try read(until: terminator)
    }

    /// True when the server closes the connection (EOF or reset) before the timeout; any bytes that
    /// arrive first are returned in `received`.
    public func waitForClose(received: inout String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += String(decoding: buffer[..<count], as: UTF8.self)
                continue
            }
            if count == 0 { return true }
            if errno == EINTR { continue }
            return errno == ECONNRESET
        }
    }

    /// Whether the server has closed the connection (EOF or reset), looked at without waiting.
    public var isClosedByServer: Bool {
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if count == 0 { return true }
        return count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR
    }

    private func find(_ marker: [UInt8]) -> Int? {
        guard pending.count >= marker.count else { return nil }
        var index = searchFrom
        while index + marker.count <= pending.count {
            var matched = 0
            while matched < marker.count && pending[index + matched] == marker[matched] { matched += 1 }
            if matched == marker.count {
                searchFrom = 0
                return index + marker.count
            }
            index += 1
        }
        // Next time, only look where a match could still start.
        searchFrom = max(0, pending.count - marker.count + 1)
        return nil
    }

    private func receiveMore(waitingFor what: String) throws {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            pending += buffer[..<count]
            return
        }
        if count == 0 { throw Failure.closed(what.debugDescription) }
        if errno == EINTR { return }
        if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure.timedOut(what.debugDescription) }
        throw Failure.system("recv", errno)
    }
}
