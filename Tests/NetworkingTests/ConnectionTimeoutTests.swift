import Foundation
import Networking
import SocketTestSupport
import XCTest

/// The worker's timeout sweep, in-process with `EchoSession` (one line is one command): the idle
/// clock restarts only on complete commands, and without `idle_timeout` a request left incomplete is
/// closed after `incompleteRequestTimeout`. The real binary against memcached: test_timeouts.py.
final class ConnectionTimeoutTests: EchoServerTestCase {
    private func startServer(idleTimeout: Int, incompleteRequestTimeout: Int) throws {
        try startEcho { settings in
            settings.workerThreads = 1
            settings.idleTimeout = idleTimeout
            settings.incompleteRequestTimeout = incompleteRequestTimeout
        }
    }

    /// Drives the clients for `seconds`: every half second the trickling ones send one byte of an
    /// endless line and the well-behaved one a whole line (checking its echo). Returns the seconds
    /// after which each trickling client found itself closed (nil: still open at the end).
    private func drive(trickling: [TestClient], wellBehaved: TestClient?, seconds: Double) throws -> [Double?] {
        let start = Date()
        var closedAfter = [Double?](repeating: nil, count: trickling.count)
        while Date().timeIntervalSince(start) < seconds {
            for (index, client) in trickling.enumerated() where closedAfter[index] == nil {
                if client.isClosedByServer {
                    closedAfter[index] = Date().timeIntervalSince(start)
                } else {
                    try? client.send("g")  // a reset may come between the look and the send
                }
            }
            if let wellBehaved {
                XCTAssertEqual(try wellBehaved.request("ping\n", until: "\n"), "ping\n")
            }
            usleep(500_000)
        }
        return closedAfter
    }

    func testIdleTimeoutCountsFromTheLastCompleteCommandNotTheLastByte() throws {
        try startServer(idleTimeout: 2, incompleteRequestTimeout: 1000)
        let trickling = try (0..<5).map { _ in try TestClient.tcp(port: port) }
        let silent = try TestClient.tcp(port: port)
        let wellBehaved = try TestClient.tcp(port: port)
        let closedAfter = try drive(trickling: trickling + [silent], wellBehaved: wellBehaved, seconds: 6)
        for seconds in closedAfter {
            let seconds = try XCTUnwrap(seconds, "a client without a complete command was kept past the idle timeout")
            XCTAssertGreaterThanOrEqual(seconds, 1.5, "closed before the idle timeout")
        }
        XCTAssertFalse(wellBehaved.isClosedByServer)
        XCTAssertEqual(counters.total(.idleKicks), 6)
    }

    func testRequestLeftIncompleteIsClosedWithoutIdleTimeout() throws {
        try startServer(idleTimeout: 0, incompleteRequestTimeout: 2)
        let trickling = try TestClient.tcp(port: port)
        let silent = try TestClient.tcp(port: port)  // holds no partial request: never timed out
        let wellBehaved = try TestClient.tcp(port: port)
        XCTAssertEqual(try wellBehaved.request("first\n", until: "\n"), "first\n")
        let closedAfter = try drive(trickling: [trickling], wellBehaved: wellBehaved, seconds: 6)
        let seconds = try XCTUnwrap(closedAfter[0], "an incomplete request was kept past its bound")
        XCTAssertGreaterThanOrEqual(seconds, 1.5)
        XCTAssertFalse(silent.isClosedByServer)
        XCTAssertFalse(wellBehaved.isClosedByServer)
        XCTAssertEqual(try silent.request("late\n", until: "\n"), "late\n")
    }

    func testIncompleteClockStartsAtTheRequestNotAtTheConnection() throws {
        try startServer(idleTimeout: 0, incompleteRequestTimeout: 2)
        let client = try TestClient.tcp(port: port)
        sleep(3)  // idle, holding nothing: longer than the bound
        try client.send("sl")
        usleep(1_000_000)
        try client.send("ow\n")
        XCTAssertEqual(try client.read(until: "\n"), "slow\n")
    }
}
