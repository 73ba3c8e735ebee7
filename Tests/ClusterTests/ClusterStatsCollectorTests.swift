import XCTest
import Atomics
import Cluster
@testable import ClusterService
import Observability
#if canImport(Glibc)
import Glibc
#endif

/// The cluster view's gathering with an injected reader (no sockets): the cap on nodes asked, the
/// one-second reuse, and which answers count as stats.
final class ClusterStatsCollectorTests: XCTestCase {
    private func makeEndpoint(nodes count: Int) throws -> ConfigEndpoint {
        let path = NSTemporaryDirectory() + "collector-\(getpid())-\(UUID().uuidString)"
        let coordinator = try ClusterCoordinator(settings: ProbeSettings(), clusterFilePath: nil, stateFilePath: path, log: { _ in })
        let nodes = (0..<count).map { ClusterNode(host: "node\($0)", ip: "10.0.0.\($0 % 250 + 1)", port: 11211) }
        try coordinator.setByOperator(ConfigPayload(version: 1, nodes: nodes))
        return ConfigEndpoint(coordinator: coordinator, credentials: nil, version: "test", threads: 1)
    }

    private static let answer = ParallelExchanges.Result(outcome: .up, answer: Array("STAT curr_items 3\r\nSTAT cmd_get 9\r\nEND\r\n".utf8))

    func testAsksAtMostMaxNodesAndShowsTheRestWithoutStats() throws {
        let asked = ManagedAtomic<Int>(0)
        let collector = ClusterStatsCollector(endpoint: try makeEndpoint(nodes: ClusterStatsCollector.maxNodes + 6)) { nodes in
            asked.wrappingIncrement(by: nodes.count, ordering: .relaxed)
            return Dictionary(uniqueKeysWithValues: nodes.map { ($0, Self.answer) })
        }
        let report = collector.report()
        XCTAssertEqual(asked.load(ordering: .relaxed), ClusterStatsCollector.maxNodes)
        XCTAssertEqual(report.nodes.count, ClusterStatsCollector.maxNodes + 6)
        XCTAssertEqual(report.unqueried, 6)
        XCTAssertEqual(report.nodes.count { $0.stats != nil }, ClusterStatsCollector.maxNodes)
        XCTAssertEqual(report.nodes.first?.stats?.first { $0.name == "curr_items" }?.value, "3")
        XCTAssertEqual(report.endpoint.first { $0.name == "cluster_candidates" }?.value, "\(ClusterStatsCollector.maxNodes + 6)")
    }

    func testAGatheringIsServedAgainForOneSecond() throws {
        let rounds = ManagedAtomic<Int>(0)
        let collector = ClusterStatsCollector(endpoint: try makeEndpoint(nodes: 2)) { nodes in
            rounds.wrappingIncrement(ordering: .relaxed)
            return Dictionary(uniqueKeysWithValues: nodes.map { ($0, Self.answer) })
        }
        let first = collector.report()
        for _ in 0..<50 { XCTAssertEqual(collector.report().collectedAtMilliseconds, first.collectedAtMilliseconds) }
        XCTAssertEqual(rounds.load(ordering: .relaxed), 1)
        usleep(UInt32(ClusterStatsCollector.maxAge * 1_000_000) + 50_000)
        XCTAssertGreaterThan(collector.report().collectedAtMilliseconds, first.collectedAtMilliseconds)
        XCTAssertEqual(rounds.load(ordering: .relaxed), 2)
    }

    func testOnlyWholeStatsAnswersCount() throws {
        let answers: [ParallelExchanges.Result] = [
            .init(outcome: .down, answer: Array("STAT curr_items 3\r\n".utf8)),   // cut off by the deadline
            .init(outcome: .up, answer: Array("END\r\n".utf8)),                   // no STAT line
            .init(outcome: .inconclusive, answer: []),
        ]
        for answer in answers { XCTAssertNil(ClusterStatsCollector.statLines(answer), "\(answer)") }
        XCTAssertTrue(ClusterStatsCollector.isStatsAnswer(Array("STAT a 1\r\nEND\r\n".utf8)))
        XCTAssertTrue(ClusterStatsCollector.isStatsAnswer(Array("END\r\n".utf8)))
        XCTAssertFalse(ClusterStatsCollector.isStatsAnswer(Array("STAT a 1\r\nEN".utf8)))
        XCTAssertFalse(ClusterStatsCollector.isStatsAnswer(Array("STAT a xEND\r\n".utf8)))
        XCTAssertFalse(ClusterStatsCollector.isStatsAnswer(Array("ERROR\r\n".utf8)))
    }
}
