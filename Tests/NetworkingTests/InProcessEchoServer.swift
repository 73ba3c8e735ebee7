import Foundation
import Networking
import SocketTestSupport

/// The network layer on its own, in-process: a `Server` whose session factory makes `EchoSession`s,
/// on a free 127.0.0.1 port, run on a thread of its own. Nothing of the cache (no RequestHandling,
/// no engine, no memcache protocol) is linked: this is what shows Networking is reusable. Tests that
/// start one always `stop()` it (in tearDown).
final class InProcessEchoServer {
    let server: Server
    let port: Int
    let counters = EchoCounters()
    private let finished = DispatchSemaphore(value: 0)

    /// `configure` adjusts the settings after the port and address are filled in; `makeSession`,
    /// `responder` and `observer` replace the plain echo session, serve UDP, watch connections.
    init(configure: (inout NetworkSettings) -> Void,
         makeSession: @escaping (ConnectionInfo) -> ConnectionSession = { _ in EchoSession() },
         responder: (() -> DatagramResponder)? = nil, observer: ConnectionObserver? = nil) throws {
        port = try FreePort.find()
        var settings = NetworkSettings()
        settings.tcpPort = port
        settings.listenAddresses = ["127.0.0.1"]
        configure(&settings)
        let counters = self.counters
        server = Server(settings: settings, listenerCounters: counters.make(), log: ServerLog(level: { 0 }), tick: {},
                        makeWorkerSetup: { _ in
                            Server.WorkerSetup(counters: counters.make(), makeSession: makeSession,
                                               datagramResponder: responder?(), observer: observer)
                        })
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

/// Every thread's `NetworkCounters` of one echo server, summed as a stats reader would.
final class EchoCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var blocks: [NetworkCounters] = []

    /// A block for one more thread (the listener, or a worker as `start` creates it).
    func make() -> NetworkCounters {
        let block = NetworkCounters()
        lock.lock()
        defer { lock.unlock() }
        blocks.append(block)
        return block
    }

    func total(_ counter: NetworkCounter) -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return blocks.reduce(0) { $0 &+ $1.value(counter) }
    }
}
