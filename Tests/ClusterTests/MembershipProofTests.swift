import XCTest
@testable import Cluster
#if canImport(Glibc)
import Glibc
#endif

/// The cluster secret's proofs: HMAC-SHA256 from libcrypto checked against an independent value,
/// and the checker's refusals — wrong secret, altered request, stale or future timestamp, replay,
/// malformed words, a full nonce memory — with nothing remembered for a request without the secret.
final class MembershipProofTests: XCTestCase {
    private let secret = try! ClusterSecret(key: Array("0123456789abcdef0123456789abcdef".utf8))
    private let now: Int64 = 1_700_000_000
    private let nonce = [UInt8](repeating: 7, count: 16)

    private func words(_ line: String) -> [Substring] { line.split(separator: " ") }

    /// RFC 4231 test case 2 ("Jefe"): libcrypto is wired up as HMAC-SHA256, not something else.
    func testHMACSHA256MatchesRFC4231() {
        let tag = HMACSHA256.tag(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        XCTAssertEqual(HexBytes.encode(tag), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        XCTAssertTrue(HMACSHA256.constantTimeEqual(tag, tag))
        XCTAssertFalse(HMACSHA256.constantTimeEqual(tag, Array(tag.dropLast())))
        XCTAssertFalse(HMACSHA256.constantTimeEqual(tag, tag.map { $0 ^ ($0 == tag[31] ? 1 : 0) }))
        XCTAssertEqual(HMACSHA256.randomBytes(16)?.count, 16)
        XCTAssertNotEqual(HMACSHA256.randomBytes(16), HMACSHA256.randomBytes(16))
    }

    /// The wire form, fixed: a Python client (Tests/clients) computes the same tag with hmac.
    func testSignedLineShape() {
        let line = MembershipProof.sign("config register a||1 6", secret: secret, now: now, nonce: nonce)
        let parts = line.split(separator: " ")
        XCTAssertEqual(parts.count, 7)
        XCTAssertEqual(Array(parts.prefix(5)), ["config", "register", "a||1", "6", "1700000000"])
        XCTAssertEqual(parts[5], "07070707070707070707070707070707")
        let expected = HMACSHA256.tag(key: secret.key, message: Array("swiftcached-membership-v1\nconfig register a||1 6 1700000000 07070707070707070707070707070707".utf8))
        XCTAssertEqual(String(parts[6]), HexBytes.encode(expected))
    }

    func testAGoodProofPassesOnceOnly() {
        var checker = MembershipProofChecker(secret: secret)
        let line = MembershipProof.sign("config register a||1 6", secret: secret, now: now, nonce: nonce)
        XCTAssertEqual(checker.check(words(line), payload: nil, now: now), .accepted)
        XCTAssertEqual(checker.check(words(line), payload: nil, now: now + 5), .replayed)
        XCTAssertEqual(checker.check(words(line), payload: nil, now: now + 30), .replayed, "last second of the window")
        XCTAssertEqual(checker.check(words(line), payload: nil, now: now + 31), .stale)
        let other = MembershipProof.sign("config register a||1 6", secret: secret, now: now, nonce: [UInt8](repeating: 8, count: 16))
        XCTAssertEqual(checker.check(words(other), payload: nil, now: now), .accepted, "another nonce is another proof")
    }

    func testTimestampWindowBothWays() {
        var checker = MembershipProofChecker(secret: secret, window: 30)
        for (offset, verdict) in [(-31, MembershipProofChecker.Verdict.stale), (-30, .accepted), (30, .accepted), (31, .stale)] {
            let line = MembershipProof.sign("config deregister a||1", secret: secret, now: now + Int64(offset),
                                            nonce: [UInt8](repeating: UInt8(offset + 40), count: 16))
            XCTAssertEqual(checker.check(words(line), payload: nil, now: now), verdict, "offset \(offset)")
        }
    }

    func testWrongSecretAndAlteredRequestsAreRefusedAndNotRemembered() throws {
        var checker = MembershipProofChecker(secret: secret)
        let wrong = try ClusterSecret(key: Array("0123456789abcdef0123456789abcdeX".utf8))
        let forged = MembershipProof.sign("config register a||1 6", secret: wrong, now: now, nonce: nonce)
        XCTAssertEqual(checker.check(words(forged), payload: nil, now: now), .badTag)
        XCTAssertEqual(checker.rememberedNonces, 0)
        let good = MembershipProof.sign("config register a||1 6", secret: secret, now: now, nonce: nonce)
        var altered = words(good)
        altered[2] = "evil||1"
        XCTAssertEqual(checker.check(altered, payload: nil, now: now), .badTag)
        altered = words(good)
        altered[4] = "1700000001"
        XCTAssertEqual(checker.check(altered, payload: nil, now: now), .badTag, "the timestamp is signed")
        // config set: the payload is covered too.
        let set = MembershipProof.sign("config set cluster 0 7", payload: Array("1\na||1\n".utf8), secret: secret, now: now, nonce: nonce)
        XCTAssertEqual(checker.check(words(set), payload: Array("2\na||1\n".utf8), now: now), .badTag)
        XCTAssertEqual(checker.check(words(set), payload: nil, now: now), .badTag)
        XCTAssertEqual(checker.check(words(set), payload: Array("1\na||1\n".utf8), now: now), .accepted)
        XCTAssertEqual(checker.check(words(good), payload: nil, now: now), .replayed, "a nonce is good once, whatever the request")
    }

    func testMalformedProofs() {
        var checker = MembershipProofChecker(secret: secret)
        let good = words(MembershipProof.sign("config register a||1 6", secret: secret, now: now, nonce: nonce))
        func with(_ index: Int, _ word: Substring) -> [Substring] { var copy = good; copy[index] = word; return copy }
        let bad: [[Substring]] = [
            Array(good.prefix(3)),
            with(4, "-1700000000"), with(4, "17e8"), with(4, ""), with(4, "1234567890123"),
            with(5, "0707"), with(5, Substring(String(repeating: "G", count: 32))), with(5, Substring(String(repeating: "0A", count: 16))),
            with(6, Substring(String(good[6].dropLast()))), with(6, Substring(good[6] + "00")),
            with(6, Substring(good[6].uppercased())),
        ]
        for proof in bad {
            XCTAssertEqual(checker.check(proof, payload: nil, now: now), .malformed, proof.joined(separator: " "))
        }
    }

    func testTheNonceMemoryIsBoundedAndForgetsExpiredNonces() {
        var checker = MembershipProofChecker(secret: secret, window: 30, capacity: 3)
        func proof(_ n: UInt8, at time: Int64) -> [Substring] {
            words(MembershipProof.sign("config deregister a||1", secret: secret, now: time, nonce: [UInt8](repeating: n, count: 16)))
        }
        for n in UInt8(1)...3 { XCTAssertEqual(checker.check(proof(n, at: now), payload: nil, now: now), .accepted) }
        XCTAssertEqual(checker.check(proof(4, at: now), payload: nil, now: now), .full)
        XCTAssertEqual(checker.rememberedNonces, 3)
        // Once the first three could no longer pass the timestamp check, they are forgotten.
        let later = now + 61
        XCTAssertEqual(checker.check(proof(4, at: later), payload: nil, now: later), .accepted)
        XCTAssertEqual(checker.rememberedNonces, 1)
    }

    func testSecretFileRules() throws {
        let directory = NSTemporaryDirectory() + "secret-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/secret"
        try "0123456789abcdef0123456789abcdef\r\n\n".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o600)
        let secret = try ClusterSecret(path: path)
        XCTAssertEqual(secret.key, Array("0123456789abcdef0123456789abcdef".utf8), "trailing newlines are not part of the key")
        XCTAssertNil(secret.warning)
        chmod(path, 0o644)
        XCTAssertNotNil(try ClusterSecret(path: path).warning)
        try "short\n".write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try ClusterSecret(path: path))
        try String(repeating: "x", count: ClusterSecret.maximumBytes + 1).write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try ClusterSecret(path: path))
        XCTAssertThrowsError(try ClusterSecret(path: directory + "/missing"))
    }
}
