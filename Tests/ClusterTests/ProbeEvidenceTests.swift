import XCTest
@testable import Cluster

/// Only evidence drops a node: probes that could not run (the endpoint's own resource failures)
/// leave the list as it is, and an endpoint restarting with no conclusive probe keeps its list.
final class ProbeEvidenceTests: XCTestCase {
    let a = ClusterNode(host: "a", ip: "127.0.0.1", port: 1)
    let b = ClusterNode(host: "b", ip: "127.0.0.1", port: 2)

    private func round(_ membership: inout Membership, _ results: [ClusterNode: ProbeOutcome], at now: Double) -> ConfigPayload? {
        membership.recordProbes(results, now: now)
        return membership.publish(now: now)
    }

    func testInconclusiveProbesAfterARestartNeverEmptyTheList() {
        var membership = Membership(version: 9, published: [a, b], settings: ProbeSettings())
        membership.setStaticNodes([a, b])
        for t in 0..<20 { XCTAssertNil(round(&membership, [a: .inconclusive, b: .inconclusive], at: Double(t))) }
        XCTAssertEqual(membership.payload, ConfigPayload(version: 9, nodes: [a, b]))
        XCTAssertEqual(membership.inconclusiveProbes, 40)
        // One node proven up, the other still unproven: both stay.
        XCTAssertNil(round(&membership, [a: .up, b: .inconclusive], at: 20))
        // Evidence drops it.
        XCTAssertEqual(round(&membership, [a: .up, b: .down], at: 21), ConfigPayload(version: 10, nodes: [a]))
    }

    func testAListedNodeIsNotDroppedWhileItsProbesCannotRun() {
        var membership = Membership(version: 0, published: [], settings: ProbeSettings())
        membership.setStaticNodes([a])
        XCTAssertEqual(round(&membership, [a: .up], at: 0)?.nodes, [a])
        for t in 1...50 { XCTAssertNil(round(&membership, [a: .inconclusive], at: Double(t))) }
        XCTAssertNil(round(&membership, [a: .down], at: 51))
        XCTAssertNil(round(&membership, [a: .inconclusive], at: 52), "an inconclusive probe neither counts nor resets")
        XCTAssertNil(round(&membership, [a: .down], at: 53))
        XCTAssertEqual(round(&membership, [a: .down], at: 54), ConfigPayload(version: 2, nodes: []))
    }

    func testANewNodeIsNotListedWithoutAGoodProbe() {
        var membership = Membership(version: 0, published: [], settings: ProbeSettings())
        membership.setStaticNodes([a])
        XCTAssertNil(round(&membership, [a: .inconclusive], at: 0), "no first version as an empty list")
        XCTAssertEqual(membership.unprobedCandidates, [a], "still waiting for its first conclusive probe")
        XCTAssertEqual(round(&membership, [a: .up], at: 1), ConfigPayload(version: 1, nodes: [a]))
    }
}
