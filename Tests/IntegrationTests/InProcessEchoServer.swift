import Foundation
import Networking
import RequestHandling

/// The network layer in-process: a `Server` of `EchoSession`s on a free 127.0.0.1 port, run on a thread
/// of its own. Tests that start one always `stop()` it (in tearDown).
final class InProcessEchoServer {
    let server: Server
    let port: Int
    let counters = CounterRegistry()
    private let finished = DispatchSemaphore(value: 0)

    /// `configure` adjusts the settings after the port and address are filled in.
    init(configure: (inout ServerSettings) -> Void) throws {
        port = try FreePort.find()
        var settings = ServerSettings()
        settings.tcpPort = port
        settings.listenAddresses = ["127.0.0.1"]
        configure(&settings)
        let counters = self.counters
        server = Server(settings: settings, counters: counters, log: ServerLog(level: { 0 }), tick: {},
                        makeWorkerSetup: { _ in Server.WorkerSetup(counters: counters.makeBlock(), makeSession: { EchoSession() }) })
        try server.start()
        let server = self.server
        let finished = self.finished
        Thread.detachNewThread {
            server.run()
            finished.signal()
        }
    }

    /// Stops the server and waits for `run` to return; false if it did not within 10 seconds.
    func stop() -> Bool {
        server.stop()
        return finished.wait(timeout: .now() + 10) == .success
    }
}
