import SocketTestSupport
import XCTest

/// `-c`: connections beyond the limit are told so and closed, and counted.
final class ConnectionLimitTests: ServerTestCase {
    func testConnectionBeyondLimitIsRejected() throws {
        let first = try startServer(["-c", "5"])
        var clients = [first]
        for _ in 1..<5 {
            let client = try connect()
            // A round trip proves the server adopted the connection before the next one arrives.
            XCTAssertTrue(try client.request("version\r\n").hasPrefix("VERSION "))
            clients.append(client)
        }
        let sixth = try connect()
        var received = ""
        XCTAssertTrue(sixth.waitForClose(received: &received), "the connection over the limit should be closed")
        XCTAssertEqual(received, "ERROR Too many open connections\r\n")

        XCTAssertEqual(try stat("rejected_connections", via: first), "1")
        XCTAssertEqual(try first.request("set still 0 0 2\r\nok\r\n"), "STORED\r\n")
    }

    func testClosedConnectionsFreeTheirSlots() throws {
        let first = try startServer(["-c", "2"])
        let deadline = Date().addingTimeInterval(10)
        var served = 0
        // Open and close many short connections one after another; each must eventually get through.
        while served < 20 && Date() < deadline {
            let client = try connect()
            if let reply = try? client.request("version\r\n"), reply.hasPrefix("VERSION ") {
                served += 1
            } else {
                usleep(10_000)  // the previous close may not be processed yet
            }
        }
        XCTAssertEqual(served, 20)
        XCTAssertTrue(try first.request("version\r\n").hasPrefix("VERSION "))
    }
}
