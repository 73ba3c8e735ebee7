import Foundation
import Networking
import SocketTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// What a user of `Server` plugs in, and what it gets back: the session factory learns each
/// connection, the observer sees it open and close, the over-capacity reply is the user's bytes,
/// and datagrams reach the responder whole. Echo sessions only: no cache module is linked.
final class ServerContractTests: EchoServerTestCase {
    /// Records what the server tells it, from any worker thread.
    private final class Recorder: ConnectionObserver, @unchecked Sendable {
        private let lock = NSLock()
        private var made: [ConnectionInfo] = []
        private var events: [String] = []

        func made(_ info: ConnectionInfo) {
            lock.lock()
            defer { lock.unlock() }
            made.append(info)
        }

        func connectionOpened(_ connection: ConnectionInfo) { note("open \(connection.descriptor)") }

        func connectionClosing(_ connection: ConnectionInfo, reason: ConnectionCloseReason) {
            note("close \(connection.descriptor) \(reason)")
        }

        private func note(_ event: String) {
            lock.lock()
            defer { lock.unlock() }
            events.append(event)
        }

        var snapshot: (made: [ConnectionInfo], events: [String]) {
            lock.lock()
            defer { lock.unlock() }
            return (made, events)
        }
    }

    /// Answers each datagram with "echo:" and its bytes, in one datagram.
    private final class DatagramEcho: DatagramResponder {
        func respond(to datagram: UnsafeRawBufferPointer, send: (UnsafeRawBufferPointer) -> Void) {
            let answer = Array("echo:".utf8) + Array(datagram)
            answer.withUnsafeBytes { send($0) }
        }
    }

    func testFactoryLearnsTheConnectionAndTheObserverSeesItOpenAndClose() throws {
        let recorder = Recorder()
        try startEcho(configure: { $0.workerThreads = 1 },
                      makeSession: { info in
                          recorder.made(info)
                          return EchoSession()
                      }, observer: recorder)
        let client = try TestClient.tcp(port: port)
        XCTAssertEqual(try client.request("hello\n", until: "\n"), "hello\n")
        let made = recorder.snapshot.made
        XCTAssertEqual(made.count, 1)
        let info = try XCTUnwrap(made.first)
        XCTAssertEqual(info.listener, .tcp)
        XCTAssertFalse(info.isTLS)
        XCTAssertEqual(info.peer?.host, "127.0.0.1")
        XCTAssertEqual(info.peer?.port, SocketName.local(of: client.fd)?.port)
        try client.send("quit\n")
        var received = ""
        XCTAssertTrue(client.waitForClose(received: &received))
        let deadline = Date().addingTimeInterval(5)
        while recorder.snapshot.events.count < 2 && Date() < deadline { usleep(5_000) }
        XCTAssertEqual(recorder.snapshot.events, ["open \(info.descriptor)", "close \(info.descriptor) normal"])
    }

    func testAClientOverTheLimitGetsTheGivenReplyAndIsCounted() throws {
        try startEcho(configure: { settings in
            settings.maxConnections = 1
            settings.overCapacityReply = "FULL\r\n"
        })
        let first = try TestClient.tcp(port: port)
        XCTAssertEqual(try first.request("one\n", until: "\n"), "one\n")
        let second = try TestClient.tcp(port: port)
        var received = ""
        XCTAssertTrue(second.waitForClose(received: &received))
        XCTAssertEqual(received, "FULL\r\n")
        XCTAssertEqual(counters.total(.rejectedConnections), 1)
        XCTAssertEqual(try first.request("still\n", until: "\n"), "still\n")
    }

    func testDatagramsReachTheResponderWholeAndItsAnswerGoesBack() throws {
        let udpPort = try FreePort.find()
        try startEcho(configure: { $0.udpPort = udpPort }, responder: { DatagramEcho() })
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(udpPort).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let request = Array("any bytes at all\n".utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, request, request.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        XCTAssertEqual(sent, request.count)
        var answer = [UInt8](repeating: 0, count: 2048)
        let received = recv(fd, &answer, answer.count, 0)
        XCTAssertGreaterThan(received, 0, "no answer within 5 seconds")
        XCTAssertEqual(String(decoding: answer.prefix(max(0, received)), as: UTF8.self), "echo:any bytes at all\n")
        XCTAssertEqual(counters.total(.bytesRead), UInt64(request.count))
    }
}
