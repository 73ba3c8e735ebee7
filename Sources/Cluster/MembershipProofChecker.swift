/// The endpoint's side of `MembershipProof`: is this proof good, and has it been used before? Not
/// thread-safe; the endpoint keeps one behind a lock.
public struct MembershipProofChecker {
    /// How far a proof's timestamp may be from the endpoint's clock, either way, in seconds: room for
    /// clock differences between hosts, and the whole time a captured proof is worth anything.
    public static let defaultWindow: Int64 = 30
    /// Nonces remembered at most. A node's heartbeat every 2 s, each nonce kept 2 × 30 s: room for
    /// 3,000 nodes.
    public static let defaultCapacity = 100_000

    public enum Verdict: Equatable, Sendable {
        case accepted, malformed, badTag, stale, replayed, full

        /// What `CLIENT_ERROR` says.
        public var reason: String {
            switch self {
            case .accepted: return "accepted"
            case .malformed: return "malformed proof: expected <unix-seconds> <32 hex digits nonce> <64 hex digits tag>"
            case .badTag: return "proof does not match the cluster secret"
            case .stale: return "proof timestamp outside the allowed window"
            case .replayed: return "proof already used"
            case .full: return "too many recent proofs; try again later"
            }
        }
    }

    private let secret: ClusterSecret
    public let window: Int64
    private var nonces: NonceMemory

    public init(secret: ClusterSecret, window: Int64 = defaultWindow, capacity: Int = defaultCapacity) {
        self.secret = secret
        self.window = window
        nonces = NonceMemory(capacity: capacity)
    }

    /// Nonces remembered right now.
    public var rememberedNonces: Int { nonces.count }

    /// Checks the proof at the end of `words` (the command line split on spaces) over the words
    /// before it and `payload`, at wall-clock time `now`. The tag is checked first, in constant time,
    /// so nothing is remembered for a request that lacks the secret.
    public mutating func check(_ words: [Substring], payload: [UInt8]?, now: Int64) -> Verdict {
        guard words.count > MembershipProof.wordCount,
              let timestamp = Self.seconds(words[words.count - 3]),
              let nonce = HexBytes.decode(words[words.count - 2], count: MembershipProof.nonceBytes),
              let tag = HexBytes.decode(words[words.count - 1], count: HMACSHA256.length) else { return .malformed }
        let signedLine = Array(words.dropLast().joined(separator: " ").utf8)
        let expected = HMACSHA256.tag(key: secret.key, message: MembershipProof.message(signedLine: signedLine, payload: payload))
        guard HMACSHA256.constantTimeEqual(expected, tag) else { return .badTag }
        guard abs(now - timestamp) <= window else { return .stale }
        nonces.forget(before: now)
        // A proof with this timestamp passes until timestamp + window <= now + 2 × window.
        switch nonces.insert(nonce, until: now + 2 * window + 1) {
        case .fresh: return .accepted
        case .seen: return .replayed
        case .full: return .full
        }
    }

    /// Plain decimal seconds, at most 12 digits (no sign: a proof from before 1970 is not one).
    private static func seconds(_ word: Substring) -> Int64? {
        guard (1...12).contains(word.utf8.count), word.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return Int64(word)
    }
}
