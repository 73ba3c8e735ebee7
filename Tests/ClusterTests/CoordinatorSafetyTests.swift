import XCTest
import Cluster
@testable import ClusterService
import Locking

/// The endpoint's membership thread against poisoned state and probes that cannot run, with an
/// injected prober (no sockets) so each case is exact.
final class CoordinatorSafetyTests: XCTestCase {
    let a = ClusterNode(host: "a", ip: "127.0.0.1", port: 1)
    let b = ClusterNode(host: "b", ip: "127.0.0.1", port: 2)

    final class Messages: Sendable {
        let lines = Locked<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    private func directory() throws -> String {
        let path = NSTemporaryDirectory() + "coordinator-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func coordinator(in directory: String, nodes: [ClusterNode], warnings: Messages,
                             probe: @escaping ClusterCoordinator.Probe) throws -> ClusterCoordinator {
        let clusterFile = directory + "/cluster.nodes"
        try (nodes.map(\.entry).joined(separator: "\n") + "\n").write(toFile: clusterFile, atomically: true, encoding: .utf8)
        return try ClusterCoordinator(settings: ProbeSettings(), clusterFilePath: clusterFile, stateFilePath: directory + "/state",
                                      log: { _ in }, warn: { warnings.append($0) }, probe: probe)
    }

    /// The measured defect: a state file holding version 2^64-1 crashed the endpoint at every
    /// start. It is set aside, the endpoint starts, and the next start is clean.
    func testAPoisonedStateFileIsSetAsideAndTheEndpointStarts() throws {
        let directory = try directory()
        try "18446744073709551615\na|127.0.0.1|1\n".write(toFile: directory + "/state", atomically: true, encoding: .utf8)
        let warnings = Messages()
        let first = try coordinator(in: directory, nodes: [a], warnings: warnings, probe: { Dictionary(uniqueKeysWithValues: $0.map { ($0, .up) }) })
        try first.start()
        first.stop()
        XCTAssertEqual(first.published.current?.payload, ConfigPayload(version: 1, nodes: [a]))
        XCTAssertEqual(warnings.all.count, 1)
        XCTAssertTrue(warnings.all.first?.contains("set aside as \(directory)/state.rejected") == true, "\(warnings.all)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/state.rejected"))
        let second = try coordinator(in: directory, nodes: [a], warnings: warnings, probe: { Dictionary(uniqueKeysWithValues: $0.map { ($0, .up) }) })
        XCTAssertEqual(second.published.current?.payload, ConfigPayload(version: 1, nodes: [a]), "the state written after the set-aside is good")
        XCTAssertEqual(warnings.all.count, 1)
    }

    func testAtTheMaximumVersionAChangeIsNotPublishedAndNothingTraps() throws {
        let directory = try directory()
        try "\(ClusterVersion.maximum)\na|127.0.0.1|1\n".write(toFile: directory + "/state", atomically: true, encoding: .utf8)
        let warnings = Messages()
        let endpoint = try coordinator(in: directory, nodes: [a, b], warnings: warnings, probe: { Dictionary(uniqueKeysWithValues: $0.map { ($0, .up) }) })
        try endpoint.start()
        endpoint.stop()
        XCTAssertEqual(endpoint.published.current?.payload, ConfigPayload(version: ClusterVersion.maximum, nodes: [a]))
        XCTAssertEqual(endpoint.counters.versionExhaustedChanges, 1)
        XCTAssertTrue(warnings.all.contains { $0.contains("maximum") }, "\(warnings.all)")
    }

    /// Probes that cannot run (descriptors exhausted) keep the last published list, are counted
    /// and warned about once; probes that fail on evidence do drop the nodes.
    func testProbesThatCannotRunKeepTheLastList() throws {
        let directory = try directory()
        try "7\na|127.0.0.1|1 b|127.0.0.1|2\n".write(toFile: directory + "/state", atomically: true, encoding: .utf8)
        let warnings = Messages()
        let starved = try coordinator(in: directory, nodes: [a, b], warnings: warnings,
                                      probe: { Dictionary(uniqueKeysWithValues: $0.map { ($0, .inconclusive) }) })
        try starved.start()
        starved.stop()
        XCTAssertEqual(starved.published.current?.payload, ConfigPayload(version: 7, nodes: [a, b]))
        XCTAssertEqual(starved.counters.inconclusiveProbes, 2)
        XCTAssertEqual(starved.counters.incompleteRounds, 1)
        XCTAssertEqual(warnings.all.count, 1, "\(warnings.all)")

        let refused = try coordinator(in: directory, nodes: [a, b], warnings: warnings,
                                      probe: { Dictionary(uniqueKeysWithValues: $0.map { ($0, .down) }) })
        try refused.start()
        refused.stop()
        XCTAssertEqual(refused.published.current?.payload, ConfigPayload(version: 8, nodes: []), "evidence drops them")
    }
}
