import XCTest
import Cluster
@testable import ClusterService
import Foundation
import Networking
#if canImport(Glibc)
import Glibc
#endif

/// The prober's limits and its evidence: at most `window` sockets at once, and the endpoint's own
/// resource failures never count against a node.
final class NodeProberTests: XCTestCase {
    /// A port nothing listens on: connecting is refused (evidence that the node is down).
    private func closedPort() throws -> Int {
        let (fd, port) = try listeningSocket(listen: false)
        close(fd)
        return port
    }

    /// A bound socket on 127.0.0.1; listening but never accepting when `listen` (connects complete
    /// in the backlog, nothing ever answers: probes time out).
    private func listeningSocket(listen shouldListen: Bool) throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound, !shouldListen || listen(fd, 128) == 0 else { throw POSIXError(.EADDRINUSE) }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    func testResourceErrorsAreInconclusiveAndPeerErrorsAreEvidence() {
        for code in [EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL, ENETDOWN, ENETUNREACH, EINVAL] {
            XCTAssertEqual(SocketFailure.outcome(errno: code), .inconclusive, "errno \(code)")
        }
        for code in [ECONNREFUSED, ECONNRESET, ETIMEDOUT, EHOSTUNREACH, EPIPE, EPROTO] {
            XCTAssertEqual(SocketFailure.outcome(errno: code), .down, "errno \(code)")
        }
        XCTAssertEqual(SocketFailure.outcome(resolverError: EAI_NONAME), .down)
        XCTAssertEqual(SocketFailure.outcome(resolverError: EAI_AGAIN), .inconclusive)
        XCTAssertEqual(SocketFailure.outcome(resolverError: EAI_SYSTEM), .inconclusive)
    }

    /// A memcached-like node answering in the clear: once it has read something, it writes a
    /// `VERSION` line and closes. Serves `count` connections on a thread of its own.
    private func clearNode(serving count: Int) throws -> (port: Int, done: XCTestExpectation) {
        let (listener, port) = try listeningSocket(listen: true)
        let done = expectation(description: "clear node served \(count)")
        Thread.detachNewThread {
            for _ in 0..<count {
                let fd = accept(listener, nil, nil)
                var scratch = [UInt8](repeating: 0, count: 4096)
                _ = recv(fd, &scratch, scratch.count, 0)
                _ = send(fd, "VERSION 1.6.18\r\n", 16, Int32(MSG_NOSIGNAL))
                close(fd)
            }
            close(listener)
            done.fulfill()
        }
        return (port, done)
    }

    /// With `--probe-tls`, a node that answers in the clear fails the handshake: down, as its
    /// TLS clients would fail. The same node probed in the clear is up.
    func testATLSProbeOfAClearNodeIsDown() throws {
        let (port, done) = try clearNode(serving: 2)
        let node = ClusterNode(host: "clear", ip: "127.0.0.1", port: port)
        XCTAssertEqual(NodeProber.probe([node], timeout: 2, window: 4), [node: .up])
        let tls = try TLSClientContext(settings: TLSClientSettings())
        XCTAssertEqual(NodeProber.probe([node], timeout: 2, window: 4, tls: tls), [node: .down])
        wait(for: [done], timeout: 5)
    }

    /// Real descriptor exhaustion: with the open-files limit at the lowest free descriptor,
    /// socket() fails with EMFILE, and the refused-port node that would be `down` is
    /// `inconclusive` instead.
    func testRunningOutOfDescriptorsIsNoEvidence() throws {
        let node = ClusterNode(host: "refusing", ip: "127.0.0.1", port: try closedPort())
        XCTAssertEqual(NodeProber.probe([node], timeout: 1, window: 4), [node: .down], "with descriptors: refused")
        var saved = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        XCTAssertEqual(getrlimit(resource, &saved), 0)
        let lowestFree = dup(0)
        close(lowestFree)
        var lowered = saved
        lowered.rlim_cur = rlim_t(lowestFree)
        XCTAssertEqual(setrlimit(resource, &lowered), 0)
        let results = NodeProber.probe([node], timeout: 1, window: 4)
        XCTAssertEqual(setrlimit(resource, &saved), 0)
        XCTAssertEqual(results, [node: .inconclusive])
    }

    func testAtMostWindowProbesAreInFlight() throws {
        let (listener, port) = try listeningSocket(listen: true)
        defer { close(listener) }
        let nodes = (0..<24).map { ClusterNode(host: "silent\($0)", ip: "127.0.0.1", port: port) }
        var handedOut = Set<Int32>()
        var mostOpen = 0
        let started = monotonicNow()
        let results = NodeProber.probe(nodes, timeout: 0.05, window: 4) { node in
            // Probe sockets still open right now (a reused number is the same descriptor).
            mostOpen = max(mostOpen, handedOut.filter { fcntl($0, F_GETFD) != -1 }.count + 1)
            let start = TCPDialer.startConnect(host: node.address, port: node.port)
            if case let .started(fd) = start { handedOut.insert(fd) }
            return start
        }
        XCTAssertEqual(mostOpen, 4)
        XCTAssertEqual(results, Dictionary(uniqueKeysWithValues: nodes.map { ($0, .down) }), "no answer in time: down")
        XCTAssertGreaterThanOrEqual(monotonicNow() - started, 6 * 0.05, "24 probes, 4 at a time, each timing out")
    }

    func testTheWindowIsAQuarterOfTheDescriptorLimitAtMost() {
        var settings = ProbeSettings()
        XCTAssertEqual(settings.probeWindow(descriptorLimit: 1 << 20), 128)
        XCTAssertEqual(settings.probeWindow(descriptorLimit: 64), 16)
        XCTAssertEqual(settings.probeWindow(descriptorLimit: 2), 1)
        settings.concurrency = 8
        XCTAssertEqual(settings.probeWindow(descriptorLimit: 1024), 8)
    }
}
