import SocketTestSupport
import XCTest

/// Base for tests that run the real binary: starts it, and always kills it in tearDown.
class ServerTestCase: XCTestCase {
    private(set) var server: ServerProcess?

    /// Starts `swiftcached` with `arguments` and waits until it accepts; returns the probe connection
    /// (kept open so it is not still closing server-side when a test counts connections).
    @discardableResult
    func startServer(_ arguments: [String] = [], unixSocket: Bool = false) throws -> TestClient {
        let process = try ServerProcess(arguments: arguments, unixSocket: unixSocket)
        server = process
        return try process.waitUntilReady()
    }

    override func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    func connect(timeout: TimeInterval = 10) throws -> TestClient {
        try XCTUnwrap(server).connect(timeout: timeout)
    }

    /// One `STAT name value` from `stats`.
    func stat(_ name: String, via client: TestClient) throws -> String? {
        let reply = try client.request("stats\r\n", until: "END\r\n")
        for line in reply.split(separator: "\r\n") {
            let parts = line.split(separator: " ")
            if parts.count == 3 && parts[0] == "STAT" && parts[1] == name { return String(parts[2]) }
        }
        return nil
    }
}
