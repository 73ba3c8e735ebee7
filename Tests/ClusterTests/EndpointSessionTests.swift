import OutputBuffers
import XCTest
import Cluster
@testable import ClusterService
import MemcacheProtocol
#if canImport(Glibc)
import Glibc
#endif

/// The endpoint's sessions fed bytes directly (no sockets): text and binary forms, errors, the
/// `-Y` check on `config set` and the cluster secret's proofs on every membership command. The
/// coordinator has no cluster file and nodes nobody listens on.
final class EndpointSessionTests: XCTestCase {
    private let secret = try! ClusterSecret(key: Array("endpoint-session-test-secret".utf8))
    private let now: Int64 = 1_800_000_000

    private func makeEndpoint(credentials: EndpointCredentials? = nil, withSecret: Bool = true) throws -> ConfigEndpoint {
        let path = NSTemporaryDirectory() + "endpoint-session-\(getpid())-\(UUID().uuidString)"
        let coordinator = try ClusterCoordinator(settings: ProbeSettings(), clusterFilePath: nil, stateFilePath: path, log: { _ in })
        coordinator.published.offer(ConfigPayload(version: 4, nodes: [ClusterNode(host: "a", ip: "10.0.0.1", port: 11211)]))
        let now = self.now
        return ConfigEndpoint(coordinator: coordinator, credentials: credentials, version: "1.6.18-test", threads: 1,
                              secret: withSecret ? secret : nil, clock: { now })
    }

    /// `config set cluster 0 <n>` with its proof, and the payload.
    private func signedSet(_ payload: String, secret: ClusterSecret? = nil) -> [UInt8] {
        let line = MembershipProof.sign("config set cluster 0 \(payload.utf8.count)", payload: Array(payload.utf8),
                                        secret: secret ?? self.secret, now: now)!
        return Array("\(line)\r\n\(payload)\r\n".utf8)
    }

    private func signed(_ command: String, secret: ClusterSecret? = nil) -> [UInt8] {
        Array((MembershipProof.sign(command, secret: secret ?? self.secret, now: now)! + "\r\n").utf8)
    }

    private func run(_ session: ConfigEndpointSession, _ input: [UInt8]) -> (String, [UInt8], SessionClose) {
        var output = OutputBuffer()
        defer { output.deallocate() }
        let progress = input.withUnsafeBytes { session.process($0, into: &output, requestLimit: 100) }
        let bytes = Array(output.readableBytes)
        return (String(decoding: bytes, as: UTF8.self), bytes, SessionClose(consumed: progress.consumed, close: progress.shouldClose))
    }

    struct SessionClose: Equatable { var consumed: Int; var close: Bool }

    func testTextCommands() throws {
        let session = ConfigEndpointSession(endpoint: try makeEndpoint())
        let input = Array("config get cluster\r\nget AmazonElastiCache:cluster other\r\nversion\r\nbogus\r\nconfig get other\r\n".utf8)
        let (text, _, progress) = run(session, input)
        XCTAssertEqual(text, "CONFIG cluster 0 19\r\n4\na|10.0.0.1|11211\n\r\nEND\r\n"
                       + "VALUE AmazonElastiCache:cluster 0 19\r\n4\na|10.0.0.1|11211\n\r\nEND\r\n"
                       + "VERSION 1.6.18-test\r\nERROR\r\nERROR\r\n")
        XCTAssertEqual(progress, SessionClose(consumed: input.count, close: false))
        XCTAssertTrue(run(session, Array("stats\r\n".utf8)).0.contains("STAT cluster_version 4\r\n"))
        XCTAssertEqual(run(session, Array("quit\r\n".utf8)).2, SessionClose(consumed: 6, close: true))
    }

    func testConfigSetValidatesThePayload() throws {
        let session = ConfigEndpointSession(endpoint: try makeEndpoint())
        XCTAssertEqual(run(session, signedSet("1\na||1 b")).0, "CLIENT_ERROR bad node 'b': expected host|ip|port\r\n")
        XCTAssertEqual(run(session, Array("config set cluster 0 x\r\n".utf8)).0, "CLIENT_ERROR bad command line format\r\n")
        XCTAssertEqual(run(session, Array("config set cluster 0 7\r\n1\na||1\nXY".utf8)).0, "CLIENT_ERROR bad data chunk\r\n")
        XCTAssertEqual(run(session, signedSet("1\na||1\n")).0, "STORED\r\n")
    }

    /// The measured defect: version 2^64-1 was stored and the next change trapped. Versions past
    /// the maximum and jumps past the step are refused with CLIENT_ERROR, like any bad payload.
    func testConfigSetRefusesVersionsOutOfRange() throws {
        let session = ConfigEndpointSession(endpoint: try makeEndpoint())
        func set(_ version: String) -> String { run(session, signedSet("\(version)\na||1\n")).0 }
        XCTAssertEqual(set("18446744073709551615"),
                       "CLIENT_ERROR bad version '18446744073709551615': expected a decimal integer from 1 to 9007199254740992\r\n")
        XCTAssertEqual(set("1000001"), "CLIENT_ERROR version 1000001 is more than 1000000 above the current version 0\r\n")
        XCTAssertEqual(set("1000000"), "STORED\r\n")
    }

    func testConfigSetNeedsAuthenticationWithCredentials() throws {
        let path = NSTemporaryDirectory() + "auth-\(getpid())"
        try "admin:secret\n".write(toFile: path, atomically: true, encoding: .utf8)
        let endpoint = try makeEndpoint(credentials: try EndpointCredentials(path: path), withSecret: false)
        let session = ConfigEndpointSession(endpoint: endpoint)
        XCTAssertEqual(run(session, Array("config set cluster 0 7\r\n1\na||1\n\r\n".utf8)).0, "CLIENT_ERROR unauthenticated\r\n")
        XCTAssertEqual(run(session, Array("config register a||1 5\r\n".utf8)).0, "CLIENT_ERROR \(ConfigEndpointSession.noSecret)\r\n")
        XCTAssertTrue(run(session, Array("config get cluster\r\n".utf8)).0.hasPrefix("CONFIG cluster 0 19\r\n"), "reading stays open")
        XCTAssertEqual(run(session, Array("set auth 0 0 11\r\nadmin wrong\r\n".utf8)).0, "CLIENT_ERROR authentication failure\r\n")
        XCTAssertEqual(run(session, Array("set auth 0 0 12\r\nadmin secret\r\n".utf8)).0, "STORED\r\n")
        XCTAssertEqual(run(session, Array("config set cluster 0 7\r\n1\na||1\n\r\n".utf8)).0, "STORED\r\n")
        XCTAssertEqual(run(session, Array("config register a||1 5\r\n".utf8)).0, "CLIENT_ERROR \(ConfigEndpointSession.noSecret)\r\n",
                       "a login does not open registration: only the secret does")
    }

    /// Without a secret and without -Y nothing changes membership over the network, proof or not.
    func testWithoutSecretOrCredentialsMembershipIsClosed() throws {
        let endpoint = try makeEndpoint(withSecret: false)
        let session = ConfigEndpointSession(endpoint: endpoint)
        XCTAssertEqual(run(session, Array("config set cluster 0 7\r\n1\na||1\n\r\n".utf8)).0,
                       "CLIENT_ERROR config set needs a cluster secret or -Y credentials on the endpoint\r\n")
        XCTAssertEqual(run(session, Array("config register b||2 5\r\n".utf8)).0, "CLIENT_ERROR \(ConfigEndpointSession.noSecret)\r\n")
        XCTAssertEqual(run(session, signed("config register b||2 5")).0, "CLIENT_ERROR \(ConfigEndpointSession.noSecret)\r\n")
        XCTAssertEqual(run(session, Array("config deregister a|10.0.0.1|11211\r\n".utf8)).0, "CLIENT_ERROR \(ConfigEndpointSession.noSecret)\r\n")
        XCTAssertEqual(endpoint.coordinator.counters.candidates, 0)
        XCTAssertTrue(run(session, Array("stats\r\n".utf8)).0.contains("STAT cluster_membership_refused 4\r\n"))
    }

    /// The refusals the issue names — no proof, a wrong secret, a replay — leave the candidates
    /// alone; the right proof registers, and deregisters.
    func testRegistrationNeedsAFreshProofUnderTheSecret() throws {
        let endpoint = try makeEndpoint()
        let session = ConfigEndpointSession(endpoint: endpoint)
        let wrong = try ClusterSecret(key: Array("not-the-endpoint-session-secret".utf8))
        XCTAssertEqual(run(session, Array("config register b||2 5\r\n".utf8)).0, "CLIENT_ERROR proof required\r\n")
        XCTAssertEqual(run(session, signed("config register b||2 5", secret: wrong)).0,
                       "CLIENT_ERROR proof does not match the cluster secret\r\n")
        XCTAssertEqual(run(session, signedSet("9\nb||2\n", secret: wrong)).0, "CLIENT_ERROR proof does not match the cluster secret\r\n")
        XCTAssertEqual(endpoint.coordinator.counters.candidates, 0)
        let good = signed("config register b||2 5")
        XCTAssertEqual(run(session, good).0, "REGISTERED\r\n")
        XCTAssertEqual(endpoint.coordinator.counters.candidates, 1)
        XCTAssertEqual(run(ConfigEndpointSession(endpoint: endpoint), good).0, "CLIENT_ERROR proof already used\r\n",
                       "replayed on another connection")
        XCTAssertEqual(run(session, signed("config deregister b||2")).0, "DELETED\r\n")
        XCTAssertEqual(run(session, good).0, "CLIENT_ERROR proof already used\r\n", "a replay cannot bring it back")
        XCTAssertEqual(endpoint.coordinator.counters.candidates, 0)
        XCTAssertTrue(run(session, Array("stats\r\n".utf8)).0.contains("STAT cluster_membership_refused 5\r\n"))
    }

    func testBinaryConfigGetVersionAndUnknownOpcode() throws {
        let session = ConfigEndpointSession(endpoint: try makeEndpoint())
        func request(_ opcode: UInt8, key: String = "", opaque: UInt8 = 0) -> [UInt8] {
            var header = [UInt8](repeating: 0, count: 24)
            header[0] = 0x80; header[1] = opcode; header[3] = UInt8(key.utf8.count)
            header[11] = UInt8(key.utf8.count); header[15] = opaque
            return header + Array(key.utf8)
        }
        let (_, bytes, progress) = run(session, request(0x60, key: "cluster", opaque: 7) + request(0x0B) + request(0x99))
        XCTAssertEqual(progress.close, false)
        // config get: status 0, 4 bytes of flags, then the payload
        XCTAssertEqual(Array(bytes[0..<8]), [0x81, 0x60, 0, 0, 4, 0, 0, 0])
        XCTAssertEqual(bytes[15], 7)
        XCTAssertEqual(Int(bytes[11]), 4 + 19)
        XCTAssertEqual(String(decoding: bytes[28..<47], as: UTF8.self), "4\na|10.0.0.1|11211\n")
        XCTAssertEqual(Array(bytes[47..<49]), [0x81, 0x0B])
        let unknown = bytes.count - 24 - "Unknown command".utf8.count
        XCTAssertEqual(Array(bytes[unknown..<(unknown + 8)]), [0x81, 0x99, 0, 0, 0, 0, 0, 0x81])
    }
}
