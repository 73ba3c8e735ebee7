import OutputBuffers
import XCTest
import CacheEngine
import Locking
import MemcacheProtocol
@testable import RequestHandling

/// `config reload` against a settings source standing in for the executable's file: dynamic settings
/// applied, static ones pending, a refusal changing nothing.
final class SettingsReloadTests: XCTestCase {
    /// A harness whose reloads return `candidate(running settings)`.
    private func harness(_ candidate: @escaping @Sendable (ServerSettings) -> Result<ServerSettings, SettingsReloadError>) -> SessionHarness {
        let harness = makeHarness(megabytes: 16) { $0.maxConnections = 100 }
        let running = harness.server.settings
        harness.server.settingsSource = {
            candidate(running).map { ReloadedSettings(settings: $0, unlistedStaticChanges: []) }
        }
        return harness
    }

    func testDynamicSettingsApplyAndStaticOnesWait() {
        let harness = harness { running in
            var next = running
            next.maxConnections = 50
            next.requestsPerEvent = 3
            next.idleTimeout = 9
            next.admin.flushEnabled = false
            next.engine.memoryLimit = 8 << 20
            next.workerThreads = running.workerThreads + 1
            return .success(next)
        }
        XCTAssertEqual(harness.stat("pending_restart", from: "stats settings\r\n"), "none")
        XCTAssertEqual(harness.send("config reload\r\n"), "OK\r\n")
        XCTAssertEqual(harness.server.live.maxConnections, 50)
        XCTAssertEqual(harness.server.live.requestsPerEvent, 3)
        XCTAssertEqual(harness.stat("idle_timeout", from: "stats settings\r\n"), "9")
        XCTAssertEqual(harness.stat("maxbytes", from: "stats settings\r\n"), "\(8 << 20)")
        XCTAssertEqual(harness.send("flush_all\r\n"), "CLIENT_ERROR flush_all not allowed\r\n")
        XCTAssertEqual(harness.stat("pending_restart", from: "stats settings\r\n"), "num_threads,num_threads_per_udp")
        XCTAssertEqual(harness.stat("num_threads", from: "stats settings\r\n"), "\(harness.server.settings.workerThreads)")
    }

    func testARefusedReloadChangesNothing() {
        let harness = harness { _ in .failure(SettingsReloadError("f.conf:2: Unknown option '-x'")) }
        let before = harness.send("stats settings\r\n")
        XCTAssertEqual(harness.send("config reload\r\n"), "SERVER_ERROR config reload refused: f.conf:2: Unknown option '-x'\r\n")
        XCTAssertEqual(harness.send("stats settings\r\n"), before)
    }

    func testAMemoryLimitBeyondTheReservationRefusesTheWholeReload() {
        let harness = harness { running in
            var next = running
            next.maxConnections = 7
            next.engine.memoryLimit = 1 << 40
            return .success(next)
        }
        XCTAssertTrue(harness.send("config reload\r\n").hasPrefix("SERVER_ERROR config reload refused: -m 1048576: beyond the "))
        XCTAssertEqual(harness.server.live.maxConnections, 100)
    }

    func testWithoutAFileTheCommandSaysSo() {
        let harness = makeHarness()
        XCTAssertEqual(harness.send("config reload\r\n"),
                       "SERVER_ERROR no configuration file to reload (start with --config-file)\r\n")
        XCTAssertNil(harness.stat("pending_restart", from: "stats settings\r\n"))
        XCTAssertEqual(harness.send("config reloads\r\n"), "ERROR\r\n")
    }
}

/// Reloads racing sessions that read what they change (run under ThreadSanitizer by Scripts/test.sh).
final class SettingsReloadConcurrencyTests: XCTestCase {
    func testReloadsWhileSessionsReadTheSettings() {
        let engine = CacheEngine(configuration: {
            var configuration = EngineConfiguration()
            configuration.memoryLimit = 16 << 20
            configuration.lruCrawler = true
            return configuration
        }())
        defer { engine.shutdown() }
        let server = ServerContext(settings: ServerSettings(), engine: engine)
        let flips = Locked(0)
        server.settingsSource = {
            var next = ServerSettings()
            let odd = flips.withLock { count -> Bool in count += 1; return count % 2 == 1 }
            next.engine.memoryLimit = (odd ? 8 : 16) << 20
            next.engine.lruCrawler = !odd
            next.engine.slabAutomove = odd ? 2 : 1
            next.maxConnections = odd ? 10 : 1024
            next.idleTimeout = odd ? 5 : 0
            next.admin.flushEnabled = !odd
            return .success(ReloadedSettings(settings: next, unlistedStaticChanges: []))
        }
        let rounds = 200
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            let worker = WorkerContext(server: server, workerIndex: thread)
            let session = TextSession(context: worker)
            var output = OutputBuffer(capacity: 4096)
            defer { session.close(); output.deallocate() }
            let request = Array((thread < 2 ? "config reload\r\n" : "flush_all\r\nstats settings\r\nset k 0 0 1\r\nv\r\n").utf8)
            for _ in 0..<rounds {
                _ = request.withUnsafeBytes { session.process($0, into: &output, requestLimit: 100) }
                let answer = String(decoding: output.unsentBytes, as: UTF8.self)
                output.consume(output.readableCount)
                if thread < 2 {
                    XCTAssertEqual(answer, "OK\r\n")
                } else {
                    XCTAssertTrue(answer.hasPrefix("OK\r\n") || answer.hasPrefix("CLIENT_ERROR flush_all not allowed\r\n"), answer)
                    XCTAssertTrue(answer.hasSuffix("END\r\nSTORED\r\n"), answer)
                }
            }
        }
        XCTAssertEqual(flips.withLock { $0 }, 2 * rounds)
        XCTAssertEqual(server.pendingRestart, "none")
    }
}
