import SocketTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Signals and startup failures of the real binary.
final class LifecycleTests: ServerTestCase {
    func testSigtermExitsZeroAndClosesClients() throws {
        let client = try startServer()
        XCTAssertEqual(try client.request("set k 0 0 1\r\nv\r\n"), "STORED\r\n")
        let status = try XCTUnwrap(server).signalAndWait(SIGTERM)
        XCTAssertEqual(status, 0)
        var received = ""
        XCTAssertTrue(client.waitForClose(received: &received))
    }

    func testSigintExitsZero() throws {
        try startServer(["-v"])
        let process = try XCTUnwrap(server)
        XCTAssertEqual(process.signalAndWait(SIGINT), 0)
        XCTAssertTrue(process.stderrText().contains("Exiting normally"))
    }

    func testSigusr1ExitsZero() throws {
        try startServer(["-v"])
        let process = try XCTUnwrap(server)
        XCTAssertEqual(process.signalAndWait(SIGUSR1), 0)
        XCTAssertTrue(process.stderrText().contains("Exiting normally"))
    }

    func testSighupAndSigpipeLeaveTheServerServing() throws {
        let client = try startServer()
        XCTAssertEqual(try client.request("set k 0 0 1\r\nv\r\n"), "STORED\r\n")
        let process = try XCTUnwrap(server)
        for signalNumber in [SIGHUP, SIGPIPE] {
            XCTAssertNil(process.signalAndWait(signalNumber, timeout: 0.5), "signal \(signalNumber) ended the server")
        }
        XCTAssertEqual(try client.request("get k\r\n", until: "END\r\n"), "VALUE k 0 1\r\nv\r\nEND\r\n")
        XCTAssertEqual(process.signalAndWait(SIGTERM), 0)
    }

    func testPortInUseFailsToStart() throws {
        try startServer()
        let port = try XCTUnwrap(server).port
        let result = try runToCompletion(["-p", String(port), "-l", "127.0.0.1"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("Address already in use"), result.output)
    }
}
