import XCTest
@testable import Cluster

/// Flap damping by identity, kept across deregistration, with bounded memory.
final class FlapDampingTests: XCTestCase {
    let a = ClusterNode(host: "a", ip: "127.0.0.1", port: 1)
    let settings = ProbeSettings()

    /// What the coordinator does after a registration or deregistration: probe the never-probed
    /// candidates (here every probe of a registered node succeeds), then publish.
    private func wakeRound(_ membership: inout Membership, at now: Double) -> ConfigPayload? {
        membership.expireLeases(now: now)
        membership.recordProbes(Dictionary(uniqueKeysWithValues: membership.unprobedCandidates.map { ($0, .up) }), now: now)
        return membership.publish(now: now)
    }

    /// The measured defect: 1,000 register/deregister alternations of one live node in 13 s raised
    /// the version 360 times, because deregistering forgot the node's damping.
    func testAThousandRegisterDeregisterAlternationsStayWithinTheBound() throws {
        var membership = Membership(version: 0, published: [], settings: settings)
        var bumps = 0
        for step in 0..<1000 {
            let now = Double(step) * 0.013
            try membership.register(a, leaseSeconds: 6, now: now)
            if wakeRound(&membership, at: now) != nil { bumps += 1 }
            membership.deregister(a)
            if wakeRound(&membership, at: now + 0.006) != nil { bumps += 1 }
        }
        // 3 entries a minute, each followed by one leave: 6 changes (the bound is 2 × 3 + 1).
        XCTAssertEqual(bumps, 2 * settings.maxRisesPerWindow)
        XCTAssertEqual(membership.version, UInt64(bumps))
        // Once the window has passed the node is listed again at its next registration.
        try membership.register(a, leaseSeconds: 6, now: 75)
        XCTAssertEqual(wakeRound(&membership, at: 75)?.nodes, [a])
    }

    func testANewIPIsAnEntryAndIsDampedToo() throws {
        var membership = Membership(version: 0, published: [], settings: settings)
        var bumps = 0
        for step in 0..<100 {
            let moved = ClusterNode(host: "a", ip: "10.0.0.\(step % 200 + 1)", port: 1)
            try membership.register(moved, leaseSeconds: 6, now: Double(step) * 0.1)
            if wakeRound(&membership, at: Double(step) * 0.1) != nil { bumps += 1 }
        }
        XCTAssertLessThanOrEqual(bumps, 2 * settings.maxRisesPerWindow + 1)
    }

    func testTheDamperForgetsOldHistoriesAndIsBounded() {
        var damper = FlapDamper(maxEntries: 1, window: 60, capacity: 3)
        for name in ["a", "b", "c"] {
            XCTAssertTrue(damper.mayEnter(name, at: 0))
            damper.recordEntry(name, at: 0)
        }
        XCTAssertFalse(damper.mayEnter("a", at: 30), "one entry a minute")
        XCTAssertFalse(damper.mayEnter("d", at: 30), "a full table holds newcomers out rather than forget a history")
        damper.prune(at: 30)
        XCTAssertEqual(damper.count, 3)
        damper.prune(at: 60)
        XCTAssertEqual(damper.count, 0)
        XCTAssertTrue(damper.mayEnter("d", at: 60))
        XCTAssertTrue(damper.mayEnter("a", at: 60))
    }
}
