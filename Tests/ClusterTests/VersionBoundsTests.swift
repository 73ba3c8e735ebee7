import XCTest
@testable import Cluster

/// The version's range and how it may move: validated where it enters (config set, state file,
/// endpoint answers), raised with checked arithmetic, and never published past its maximum.
final class VersionBoundsTests: XCTestCase {
    let a = ClusterNode(host: "a", ip: "127.0.0.1", port: 1)
    let b = ClusterNode(host: "b", ip: "127.0.0.1", port: 2)

    func testPayloadVersionsAboveTheMaximumAreRefused() throws {
        XCTAssertEqual(try ConfigPayload.parse(Array("9007199254740992\na||1\n".utf8)).version, ClusterVersion.maximum)
        for bad in ["9007199254740993", "18446744073709551615", "18446744073709551616", "0", "-1"] {
            XCTAssertThrowsError(try ConfigPayload.parse(Array("\(bad)\na||1\n".utf8))) { error in
                XCTAssertEqual(error as? ClusterInputError, .badVersion(bad))
            }
        }
    }

    /// The measured defect: `config set cluster 0 N` with version 2^64-1 was accepted, and the next
    /// change trapped on `version + 1`.
    func testTheLargestUInt64VersionCannotGetIn() throws {
        XCTAssertThrowsError(try ConfigPayload.parse(Array("18446744073709551615\na||1\n".utf8)))
        var membership = Membership(version: 3, published: [a], settings: ProbeSettings())
        XCTAssertThrowsError(try membership.setByOperator(ConfigPayload(version: UInt64.max, nodes: [b]))) { error in
            XCTAssertEqual(error as? ClusterInputError, .versionTooFarAhead(requested: UInt64.max, current: 3))
        }
        XCTAssertEqual(membership.staticNodes, [], "a refused config set changes nothing")
    }

    func testConfigSetMayMoveTheVersionForwardByAtMostTheStep() throws {
        var membership = Membership(version: 7, published: [a], settings: ProbeSettings())
        XCTAssertThrowsError(try membership.setByOperator(ConfigPayload(version: 7 + ClusterVersion.maxOperatorStep + 1, nodes: [b])))
        try membership.setByOperator(ConfigPayload(version: 7 + ClusterVersion.maxOperatorStep, nodes: [b]))
        membership.recordProbes([b: .up], now: 0)
        XCTAssertEqual(membership.publish(now: 0)?.version, 7 + ClusterVersion.maxOperatorStep)
        // The step counts from the published version, so repeated sets cannot ratchet the floor.
        try membership.setByOperator(ConfigPayload(version: membership.version + ClusterVersion.maxOperatorStep, nodes: [a]))
        XCTAssertThrowsError(try membership.setByOperator(ConfigPayload(version: membership.version + ClusterVersion.maxOperatorStep + 1, nodes: [a])))
    }

    func testNextIsCheckedAndSaturatesAtTheMaximum() {
        XCTAssertEqual(ClusterVersion.next(after: 0), 1)
        XCTAssertEqual(ClusterVersion.next(after: 5, floor: 9), 9)
        XCTAssertEqual(ClusterVersion.next(after: ClusterVersion.maximum - 1), ClusterVersion.maximum)
        XCTAssertNil(ClusterVersion.next(after: ClusterVersion.maximum))
        XCTAssertNil(ClusterVersion.next(after: UInt64.max))
        XCTAssertNil(ClusterVersion.next(after: 1, floor: UInt64.max))
        XCTAssertNoThrow(try ClusterVersion.checkOperatorVersion(UInt64.max, current: UInt64.max - 1))
    }

    /// Even a version that could only come from a bug stops changes instead of trapping, and the
    /// list clients have stays with the version they have.
    func testAMembershipAtTheTopKeepsItsListInsteadOfOverflowing() {
        for top in [ClusterVersion.maximum, UInt64.max] {
            var membership = Membership(version: top, published: [a], settings: ProbeSettings())
            membership.setStaticNodes([a, b])
            membership.recordProbes([a: .up, b: .up], now: 0)
            XCTAssertNil(membership.publish(now: 0))
            XCTAssertEqual(membership.payload, ConfigPayload(version: top, nodes: [a]))
            XCTAssertEqual(membership.versionExhaustedChanges, 1)
        }
    }
}
