import Networking
import XCTest

/// Base for tests of the network layer in-process: starts an `InProcessEchoServer` on request and
/// always stops it in tearDown.
class EchoServerTestCase: XCTestCase {
    private(set) var echo: InProcessEchoServer?
    var server: Server? { echo?.server }
    var port: Int { echo?.port ?? 0 }
    var counters: EchoCounters { echo!.counters }

    func startEcho(configure: (inout NetworkSettings) -> Void,
                   makeSession: @escaping (ConnectionInfo) -> ConnectionSession = { _ in EchoSession() },
                   responder: (() -> DatagramResponder)? = nil, observer: ConnectionObserver? = nil) throws {
        echo = try InProcessEchoServer(configure: configure, makeSession: makeSession, responder: responder, observer: observer)
    }

    override func tearDown() {
        if let echo {
            XCTAssertTrue(echo.stop(), "server did not stop")
        }
        echo = nil
        super.tearDown()
    }
}
