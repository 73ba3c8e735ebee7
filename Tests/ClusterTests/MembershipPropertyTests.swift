import XCTest
@testable import Cluster

/// Random sequences of joins, leaves, failures, recoveries, probes that cannot run, new ips and
/// `config set`s over simulated time, driven the way `ClusterCoordinator` drives `Membership`.
/// After every step: the version only rises, never past its maximum; no node changes in the list
/// more than 2 × maxRises + 1 times in any damping window (so neither do the versions); and every
/// node that has been live long enough is listed, so the list is never empty while one is.
/// Seeded: a failure names its seed and step, and re-running that seed repeats it.
final class MembershipPropertyTests: XCTestCase {
    /// SplitMix64: tiny, and the same sequence on every platform.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// One simulated data node: where it answers, whether it answers, whether it heartbeats.
    struct SimNode {
        let host: String
        let port: Int
        var ip = "127.0.0.1"
        var answers = true
        var registered = false
        /// Since when it has been a candidate at its current ip, answering every probe conclusively.
        var liveSince: Double?

        var entry: ClusterNode { ClusterNode(host: host, ip: ip, port: port) }
    }

    struct Simulation {
        var random: SeededGenerator
        var membership: Membership
        var nodes: [SimNode]
        var now = 0.0
        var nextHeartbeat = 0.0
        /// Chance that a probe cannot run while a resource shortage lasts.
        var shortageUntil = -1.0
        /// Until then only time passes: nodes that are live get to settle, so the liveness check bites.
        var calmUntil = -1.0
        var transitions: [String: [Double]] = [:]
        var publishes: [Double] = []
        let settings: ProbeSettings

        init(seed: UInt64, nodeCount: Int, settings: ProbeSettings) {
            random = SeededGenerator(state: seed)
            self.settings = settings
            membership = Membership(version: 0, published: [], settings: settings)
            nodes = (0..<nodeCount).map { SimNode(host: "node\($0)", port: 11211 + $0) }
        }
    }

    func testRandomSequencesKeepTheBounds() throws {
        var settings = ProbeSettings()
        settings.interval = 1
        var versions: UInt64 = 0
        for seed in UInt64(1)...30 {
            var simulation = Simulation(seed: seed, nodeCount: Int(seed % 4) + 1, settings: settings)
            for step in 0..<2000 {
                try act(&simulation)
                try check(&simulation, context: "seed \(seed) step \(step)")
            }
            versions += simulation.membership.version
        }
        XCTAssertGreaterThan(versions, 30 * 10, "the sequences do change the list")
    }

    // MARK: Actions

    private func act(_ sim: inout Simulation) throws {
        if sim.now < sim.calmUntil {
            advance(&sim)
        } else {
            try disturb(&sim)
        }
        updateLiveness(&sim)
    }

    private func disturb(_ sim: inout Simulation) throws {
        let pick = Int.random(in: 0..<sim.nodes.count, using: &sim.random)
        switch Int.random(in: 0..<100, using: &sim.random) {
        case 0..<2:
            sim.calmUntil = sim.now + Double.random(in: 30...120, using: &sim.random)
        case 2..<45:
            advance(&sim)
        case 45..<57:
            sim.nodes[pick].registered = true
            try sim.membership.register(sim.nodes[pick].entry, leaseSeconds: 6, now: sim.now)
            round(&sim, onlyUnprobed: true)
        case 57..<69:
            sim.nodes[pick].registered = false
            sim.membership.deregister(sim.nodes[pick].entry)
            round(&sim, onlyUnprobed: true)
        case 69..<81:
            sim.nodes[pick].answers.toggle()
        case 81..<85:
            sim.nodes[pick].ip = "127.0.0.\(Int.random(in: 1...3, using: &sim.random))"
            if sim.nodes[pick].registered {
                try sim.membership.register(sim.nodes[pick].entry, leaseSeconds: 6, now: sim.now)
                round(&sim, onlyUnprobed: true)
            }
        case 85..<93:
            operatorSet(&sim)
        default:
            sim.shortageUntil = sim.now + Double.random(in: 0...5, using: &sim.random)
        }
    }

    /// `config set cluster` with a random subset and a version that is sometimes too far ahead
    /// (which must be refused, changing nothing).
    private func operatorSet(_ sim: inout Simulation) {
        let subset = sim.nodes.filter { _ in Bool.random(using: &sim.random) }.map(\.entry)
        let jump = [UInt64(0), 1, 50, ClusterVersion.maxOperatorStep, ClusterVersion.maxOperatorStep + 1, UInt64.max - sim.membership.version]
            .randomElement(using: &sim.random)!
        let requested = max(1, sim.membership.version &+ jump)
        let before = sim.membership.staticNodes
        do {
            try sim.membership.setByOperator(ConfigPayload(version: requested, nodes: subset))
            XCTAssertLessThanOrEqual(requested, sim.membership.version + ClusterVersion.maxOperatorStep)
        } catch {
            XCTAssertGreaterThan(requested, sim.membership.version + ClusterVersion.maxOperatorStep)
            XCTAssertEqual(sim.membership.staticNodes, before)
        }
        round(&sim, onlyUnprobed: true)
    }

    /// One probe interval: registered nodes heartbeat, then a full round.
    private func advance(_ sim: inout Simulation) {
        sim.now += sim.settings.interval
        for node in sim.nodes where node.registered {
            try? sim.membership.register(node.entry, leaseSeconds: 6, now: sim.now)
        }
        round(&sim, onlyUnprobed: false)
    }

    private func round(_ sim: inout Simulation, onlyUnprobed: Bool) {
        sim.membership.expireLeases(now: sim.now)
        let targets = onlyUnprobed ? sim.membership.unprobedCandidates : sim.membership.candidates
        var results: [ClusterNode: ProbeOutcome] = [:]
        for target in targets {
            let node = sim.nodes.first { $0.host == target.host && $0.port == target.port }!
            if sim.now < sim.shortageUntil && Bool.random(using: &sim.random) {
                results[target] = .inconclusive
                if let index = sim.nodes.firstIndex(where: { $0.host == target.host }) { sim.nodes[index].liveSince = nil }
            } else {
                results[target] = node.answers && node.ip == target.ip ? .up : .down
            }
        }
        let before = sim.membership.payload
        sim.membership.recordProbes(results, now: sim.now)
        guard let after = sim.membership.publish(now: sim.now) else {
            XCTAssertEqual(sim.membership.payload, before, "no publish, no change")
            return
        }
        XCTAssertGreaterThan(after.version, before.version, "strictly monotonic")
        XCTAssertTrue(after.nodes != before.nodes || before.version == 0, "a version bump carries a change")
        sim.publishes.append(sim.now)
        recordTransitions(&sim, from: before.nodes, to: after.nodes)
    }

    private func recordTransitions(_ sim: inout Simulation, from old: [ClusterNode], to new: [ClusterNode]) {
        let oldByIdentity = Dictionary(uniqueKeysWithValues: old.map { ($0.identity, $0) })
        let newByIdentity = Dictionary(uniqueKeysWithValues: new.map { ($0.identity, $0) })
        for identity in Set(oldByIdentity.keys).union(newByIdentity.keys) where oldByIdentity[identity] != newByIdentity[identity] {
            sim.transitions[identity, default: []].append(sim.now)
        }
    }

    /// A node is live while it answers, is a candidate at its current ip, and its probes run.
    private func updateLiveness(_ sim: inout Simulation) {
        let candidates = Set(sim.membership.candidates)
        for index in sim.nodes.indices {
            let node = sim.nodes[index]
            if node.answers && candidates.contains(node.entry) {
                if node.liveSince == nil { sim.nodes[index].liveSince = sim.now }
            } else {
                sim.nodes[index].liveSince = nil
            }
        }
    }

    // MARK: Checks

    private func check(_ sim: inout Simulation, context: String) throws {
        let settings = sim.settings
        let version = sim.membership.version
        XCTAssertLessThanOrEqual(version, ClusterVersion.maximum, context)
        let perNodeBound = 2 * settings.maxRisesPerWindow + 1
        let now = sim.now
        sim.transitions = sim.transitions.mapValues { $0.filter { now - $0 < settings.dampingWindow } }
        sim.publishes.removeAll { now - $0 >= settings.dampingWindow }
        for (identity, times) in sim.transitions {
            let recent = times.count
            if recent > perNodeBound { XCTFail("\(context): \(identity) changed \(recent) times in a window"); throw Stop() }
        }
        let recentPublishes = sim.publishes.count
        if recentPublishes > perNodeBound * sim.nodes.count + 1 {
            XCTFail("\(context): \(recentPublishes) versions in a window"); throw Stop()
        }
        // Hysteresis and the longest damping hold-out, then one more round to be published.
        let settled = settings.dampingWindow + Double(settings.successesToAdd + 2) * settings.interval
        let published = Set(sim.membership.published)
        for node in sim.nodes {
            if let since = node.liveSince, sim.now - since >= settled, !published.contains(node.entry) {
                XCTFail("\(context): \(node.entry) live since \(since) but not listed at \(sim.now): \(sim.membership.published)")
                throw Stop()
            }
        }
    }

    struct Stop: Error {}
}
