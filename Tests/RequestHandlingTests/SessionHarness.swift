import Networking
import OutputBuffers
import XCTest
import CacheEngine
import MemcacheProtocol
@testable import RequestHandling

/// Plays the network layer for one session: keeps unconsumed input, calls `process` until it stops
/// yielding, and collects what would have been written to the socket.
final class SessionHarness {
    let engine: CacheEngine
    let server: ServerContext
    let worker: WorkerContext
    let session: TextSession
    private var output = OutputBuffer(capacity: 256)
    /// Received bytes not consumed yet (what the network layer's input buffer holds).
    private(set) var pending: [UInt8] = []
    private(set) var closed = false
    private(set) var progressLog: [SessionProgress] = []

    init(megabytes: Int = 8, configure: (inout ServerSettings) -> Void = { _ in }) {
        var settings = ServerSettings()
        settings.engine.memoryLimit = megabytes << 20
        configure(&settings)
        engine = CacheEngine(configuration: settings.engine, clock: CacheClock(unixNow: 1_700_000_000))
        server = ServerContext(settings: settings, engine: engine)
        worker = WorkerContext(server: server, workerIndex: 0)
        session = TextSession(context: worker)
    }

    func shutdown() {
        session.close()
        output.deallocate()
        engine.shutdown()
    }

    /// Delivers bytes; returns everything the session answered to them.
    @discardableResult
    func send(_ bytes: [UInt8], requestLimit: Int = 20) -> String {
        precondition(!closed, "connection already closed")
        pending += bytes
        while true {
            let progress = pending.withUnsafeBytes { session.process($0, into: &output, requestLimit: requestLimit) }
            progressLog.append(progress)
            pending.removeFirst(progress.consumed)
            if progress.shouldClose { closed = true; break }
            if !progress.yielded { break }
        }
        let answer = String(decoding: output.unsentBytes, as: UTF8.self)
        output.consume(output.readableCount)
        return answer
    }

    @discardableResult
    func send(_ text: String, requestLimit: Int = 20) -> String {
        send(Array(text.utf8), requestLimit: requestLimit)
    }

    func counter(_ counter: Counter) -> UInt64 { server.counters.total(counter) }

    /// The value of `STAT name` in what `command` answers (nil when absent).
    func stat(_ name: String, from command: String) -> String? {
        for line in send(command).split(separator: "\r\n") where line.hasPrefix("STAT \(name) ") {
            return String(line.dropFirst("STAT \(name) ".count))
        }
        return nil
    }
}

extension XCTestCase {
    func makeHarness(megabytes: Int = 8, configure: (inout ServerSettings) -> Void = { _ in }) -> SessionHarness {
        let harness = SessionHarness(megabytes: megabytes, configure: configure)
        addTeardownBlock { harness.shutdown() }
        return harness
    }
}
