import XCTest
@testable import Cluster

/// Versions, hysteresis, damping and leases, on a fake clock (seconds passed as `now`).
final class MembershipTests: XCTestCase {
    let a = ClusterNode(host: "a", ip: "127.0.0.1", port: 1)
    let b = ClusterNode(host: "b", ip: "127.0.0.1", port: 2)
    let settings = ProbeSettings()

    private func round(_ membership: inout Membership, _ results: [ClusterNode: Bool], at now: Double) -> ConfigPayload? {
        membership.recordProbes(results.mapValues { $0 ? .up : .down }, now: now)
        return membership.publish(now: now)
    }

    func testFirstPublishIsVersionOneEvenWhenEmpty() {
        var membership = Membership(version: 0, published: [], settings: settings)
        XCTAssertEqual(membership.publish(now: 0), ConfigPayload(version: 1, nodes: []))
        XCTAssertNil(membership.publish(now: 0))
    }

    func testEachChangeRaisesTheVersionExactlyOnceAndNothingElseDoes() {
        var membership = Membership(version: 0, published: [], settings: settings)
        membership.setStaticNodes([a, b])
        XCTAssertEqual(round(&membership, [a: true, b: true], at: 0)?.version, 1)
        for t in 1...5 { XCTAssertNil(round(&membership, [a: true, b: true], at: Double(t))) }
        membership.setStaticNodes([a])
        XCTAssertEqual(membership.publish(now: 6), ConfigPayload(version: 2, nodes: [a]))
        XCTAssertNil(membership.publish(now: 6))
    }

    func testHysteresisDropsAfterThreeFailuresAndReaddsAfterTwoSuccesses() {
        var membership = Membership(version: 0, published: [], settings: settings)
        membership.setStaticNodes([a])
        XCTAssertEqual(round(&membership, [a: true], at: 0)?.nodes, [a])
        XCTAssertNil(round(&membership, [a: false], at: 1))
        XCTAssertNil(round(&membership, [a: false], at: 2))
        XCTAssertEqual(round(&membership, [a: false], at: 3), ConfigPayload(version: 2, nodes: []))
        XCTAssertNil(round(&membership, [a: true], at: 4))
        XCTAssertEqual(round(&membership, [a: true], at: 5), ConfigPayload(version: 3, nodes: [a]))
    }

    func testAlternatingProbesNeverChangeTheList() {
        var membership = Membership(version: 0, published: [], settings: settings)
        membership.setStaticNodes([a])
        _ = round(&membership, [a: true], at: 0)
        for t in 1...100 { XCTAssertNil(round(&membership, [a: t % 2 == 0], at: Double(t))) }
        XCTAssertEqual(membership.version, 1)
    }

    func testAFlappingNodeIsHeldOutSoTheVersionIsBounded() {
        var membership = Membership(version: 0, published: [], settings: settings)
        membership.setStaticNodes([a])
        _ = round(&membership, [a: false], at: 0)  // first probe: down
        var t = 1.0
        // Down for 3 probes, up for 2, forever: without damping that is 2 versions per 5 seconds.
        while t < 60 {
            for success in [true, true, false, false, false] {
                _ = round(&membership, [a: success], at: t)
                t += 1
            }
        }
        // 3 comebacks allowed per 60 s window, each followed by one drop: at most 1 + 6 versions.
        XCTAssertLessThanOrEqual(membership.version, 7)
        XCTAssertGreaterThanOrEqual(membership.version, 4)
    }

    func testANewIPForAKnownHostIsOneChange() {
        var membership = Membership(version: 0, published: [], settings: settings)
        XCTAssertNoThrow(try membership.register(a, leaseSeconds: 10, now: 0))
        XCTAssertEqual(round(&membership, [a: true], at: 0)?.version, 1)
        let moved = ClusterNode(host: "a", ip: "127.0.0.2", port: 1)
        XCTAssertNoThrow(try membership.register(moved, leaseSeconds: 10, now: 1))
        XCTAssertEqual(membership.unprobedCandidates, [moved])
        XCTAssertEqual(round(&membership, [moved: true], at: 1), ConfigPayload(version: 2, nodes: [moved]))
    }

    func testLeasesExpireWithoutHeartbeatsAndRenewWithThem() {
        var membership = Membership(version: 0, published: [], settings: settings)
        XCTAssertNoThrow(try membership.register(a, leaseSeconds: 6, now: 0))
        _ = round(&membership, [a: true], at: 0)
        XCTAssertNoThrow(try membership.register(a, leaseSeconds: 6, now: 5))
        membership.expireLeases(now: 10)
        XCTAssertNil(round(&membership, [a: true], at: 10))
        membership.expireLeases(now: 11)
        XCTAssertEqual(round(&membership, [:], at: 11), ConfigPayload(version: 2, nodes: []))
    }

    func testRegistrationStormOfOneNodeChangesNothingAndTheTableIsBounded() throws {
        var membership = Membership(version: 0, published: [], settings: settings)
        for t in 0..<1000 { try membership.register(a, leaseSeconds: 6, now: Double(t) / 100) }
        XCTAssertEqual(round(&membership, [a: true], at: 10)?.version, 1)
        for t in 0..<1000 { try membership.register(a, leaseSeconds: 6, now: 10 + Double(t) / 100) }
        XCTAssertNil(round(&membership, [a: true], at: 11))
        var table = LeaseTable()
        for port in 1...LeaseTable.capacity { try table.register(ClusterNode(host: "n", ip: "", port: port), leaseSeconds: 5, now: 0) }
        XCTAssertThrowsError(try table.register(ClusterNode(host: "m", ip: "", port: 1), leaseSeconds: 5, now: 0))
    }

    func testOperatorVersionIsAFloorAndNeverLowersTheVersion() throws {
        var membership = Membership(version: 10, published: [a], settings: settings)
        try membership.setByOperator(ConfigPayload(version: 3, nodes: [b]))
        XCTAssertEqual(round(&membership, [b: true], at: 0), ConfigPayload(version: 11, nodes: [b]))
        try membership.setByOperator(ConfigPayload(version: 50, nodes: [a, b]))
        XCTAssertEqual(round(&membership, [a: true], at: 1), ConfigPayload(version: 50, nodes: [a, b]))
    }

    func testRestartKeepsTheVersionWhenTheListIsUnchanged() {
        var membership = Membership(version: 9, published: [a], settings: settings)
        membership.setStaticNodes([a])
        XCTAssertNil(round(&membership, [a: true], at: 0))
        XCTAssertEqual(membership.version, 9)
    }
}
