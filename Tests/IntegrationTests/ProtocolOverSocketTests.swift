import SocketTestSupport
import XCTest

/// Requests and responses through the real binary over TCP and the unix socket.
final class ProtocolOverSocketTests: ServerTestCase {
    func testSetThenGet() throws {
        let client = try startServer()
        XCTAssertEqual(try client.request("set greeting 5 0 5\r\nhello\r\n"), "STORED\r\n")
        XCTAssertEqual(try client.request("get greeting\r\n", until: "END\r\n"), "VALUE greeting 5 5\r\nhello\r\nEND\r\n")
        XCTAssertEqual(try client.request("get missing\r\n", until: "END\r\n"), "END\r\n")
    }

    func testUnixSocket() throws {
        let client = try startServer(["-a", "600"], unixSocket: true)
        XCTAssertEqual(try client.request("set k 0 0 2\r\nhi\r\n"), "STORED\r\n")
        XCTAssertEqual(try client.request("get k\r\n", until: "END\r\n"), "VALUE k 0 2\r\nhi\r\nEND\r\n")
        let path = try XCTUnwrap(server?.unixSocketPath)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    func testPipelinedBatchAnswersInOrder() throws {
        let client = try startServer()
        let count = 200
        var batch = ""
        var expected = ""
        for index in 0..<count {
            batch += "set key\(index) 0 0 \(String(index).count)\r\n\(index)\r\n"
            expected += "STORED\r\n"
        }
        for index in 0..<count {
            batch += "get key\(index)\r\n"
            expected += "VALUE key\(index) 0 \(String(index).count)\r\n\(index)\r\nEND\r\n"
        }
        try client.send(batch)
        var received = ""
        for _ in 0..<count { received += try client.readLine() }
        for _ in 0..<count { received += try client.read(until: "END\r\n") }
        XCTAssertEqual(received, expected)
    }

    func testRequestSplitAcrossManyWrites() throws {
        let client = try startServer()
        let request = Array("set split 7 0 10\r\n0123456789\r\nget split\r\n".utf8)
        for byte in request {
            try client.send([byte])
            usleep(2_000)
        }
        XCTAssertEqual(try client.readLine(), "STORED\r\n")
        XCTAssertEqual(try client.read(until: "END\r\n"), "VALUE split 7 10\r\n0123456789\r\nEND\r\n")
    }

    func testLargeValueLargerThanReadBuffer() throws {
        let client = try startServer()
        let value = String(repeating: "0123456789abcdef", count: 40_000)  // 640 KB
        XCTAssertEqual(try client.request("set big 0 0 \(value.utf8.count)\r\n\(value)\r\n"), "STORED\r\n")
        let reply = try client.request("get big\r\n", until: "END\r\n")
        XCTAssertEqual(reply, "VALUE big 0 \(value.utf8.count)\r\n\(value)\r\nEND\r\n")
    }

    func testLineTooLongWithoutNewlineClosesConnection() throws {
        let client = try startServer()
        try client.send(String(repeating: "x", count: 3000))
        var received = ""
        XCTAssertTrue(client.waitForClose(received: &received), "connection should be closed")
        XCTAssertEqual(received, "")
    }

    func testQuitClosesConnection() throws {
        let client = try startServer()
        try client.send("quit\r\n")
        var received = ""
        XCTAssertTrue(client.waitForClose(received: &received))
    }

    func testIdleTimeoutClosesIdleClient() throws {
        let probe = try startServer(["-o", "idle_timeout=1"])
        var received = ""
        let started = Date()
        XCTAssertTrue(probe.waitForClose(received: &received), "idle client should be closed")
        XCTAssertLessThan(Date().timeIntervalSince(started), 8)
        XCTAssertEqual(try stat("idle_kicks", via: try connect()), "1")
    }

    func testStatsReportNetworkCounters() throws {
        let client = try startServer(["-t", "3"])
        XCTAssertEqual(try client.request("set k 0 0 1\r\nv\r\n"), "STORED\r\n")
        XCTAssertEqual(try stat("threads", via: client), "3")
        XCTAssertEqual(try stat("curr_connections", via: client), "1")
        // The set (16 bytes) and three "stats\r\n" (7 each), the one asking included.
        XCTAssertEqual(try stat("bytes_read", via: client), "37")
        XCTAssertNotEqual(try stat("bytes_written", via: client), "0")
        let version = try XCTUnwrap(try stat("libevent", via: client))
        XCTAssertTrue(version.first?.isNumber == true, version)
    }
}

/// `-l` with several addresses, each with its own port.
final class ListenAddressesOverSocketTests: ServerTestCase {
    func testEveryListedAddressAccepts() throws {
        let second = try FreePort.find()
        let probe = try startServer(["-l", "127.0.0.1:\(second)"])  // plus the harness's own -l 127.0.0.1
        XCTAssertTrue(try probe.request("version\r\n").hasPrefix("VERSION "))
        let other = try TestClient.tcp(port: second)
        XCTAssertTrue(try other.request("version\r\n").hasPrefix("VERSION "))
    }
}
