import Foundation
import Networking
import SocketTestSupport
import XCTest

/// The network layer in-process with `EchoSession`: pipelining, yielding, slow readers, counters.
final class NetworkingPlumbingTests: EchoServerTestCase {
    private func startServer(threads: Int = 2, requestsPerEvent: Int = 20, highWater: Int = 1 << 20) throws {
        try startEcho { settings in
            settings.workerThreads = threads
            settings.requestsPerEvent = requestsPerEvent
            settings.outputHighWater = highWater
        }
    }

    func testPipelinedLinesAreAnsweredInOrderAndYield() throws {
        try startServer(requestsPerEvent: 5)
        let client = try TestClient.tcp(port: port)
        let lines = (0..<1000).map { "line \($0)" }
        try client.send(lines.map { $0 + "\n" }.joined())
        for line in lines { XCTAssertEqual(try client.read(until: "\n"), line + "\n") }
        XCTAssertGreaterThan(counters.total(.connYields), 0)
    }

    func testSlowReaderGetsEverythingAndDoesNotBlockOthers() throws {
        try startServer(threads: 1, highWater: 64 * 1024)
        let slow = try TestClient.tcp(port: port)
        let responses = 100
        let size = 100_000
        try slow.send(String(repeating: "big \(size)\n", count: responses))
        // While the slow client's output is stuck, another client on the same worker is served.
        let other = try TestClient.tcp(port: port)
        XCTAssertEqual(try other.request("ping\n", until: "\n"), "ping\n")
        for _ in 0..<responses {
            let reply = try slow.read(until: "\n")
            XCTAssertEqual(reply.utf8.count, size + 1)
        }
        XCTAssertEqual(try slow.request("done\n", until: "\n"), "done\n")
    }

    func testQuitClosesAfterFlushAndCountersAddUp() throws {
        try startServer()
        let client = try TestClient.tcp(port: port)
        try client.send("a\nb\nquit\nignored\n")
        var received = ""
        XCTAssertTrue(client.waitForClose(received: &received))
        XCTAssertEqual(received, "a\nb\n")
        XCTAssertEqual(counters.total(.bytesRead), 17)
        XCTAssertEqual(counters.total(.bytesWritten), 4)
        let deadline = Date().addingTimeInterval(5)
        while counters.total(.connectionsClosed) < 1 && Date() < deadline { usleep(5_000) }
        XCTAssertEqual(counters.total(.connectionsOpened), 1)
        XCTAssertEqual(counters.total(.connectionsClosed), 1)
        XCTAssertEqual(server?.openConnectionCount, 0)
    }

    func testLongLineWithoutNewlineCloses() throws {
        try startServer()
        let client = try TestClient.tcp(port: port)
        try client.send(String(repeating: "y", count: 5000))
        var received = ""
        XCTAssertTrue(client.waitForClose(received: &received))
    }

    func testManyConnectionsSpreadOverWorkers() throws {
        try startServer(threads: 3)
        var clients: [TestClient] = []
        for index in 0..<30 {
            let client = try TestClient.tcp(port: port)
            XCTAssertEqual(try client.request("hello \(index)\n", until: "\n"), "hello \(index)\n")
            clients.append(client)
        }
        XCTAssertEqual(server?.openConnectionCount, 30)
    }
}
