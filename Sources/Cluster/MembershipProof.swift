/// The proof that a membership command (`config register`, `config deregister`, `config set`) comes
/// from a holder of the cluster secret. Three words follow the command's own:
///
///     config register node1|10.0.0.5|11211 6 <unix-seconds> <nonce> <tag>
///
/// `nonce` is 16 random bytes and `tag` the HMAC-SHA256 under the secret, both in lower-case hex.
/// The tag covers a fixed domain string, the command line up to and including the nonce (its words
/// joined by single spaces) and, for `config set`, a newline and the payload: nothing of the
/// request can be changed without the secret, and the timestamp and nonce make each proof good once,
/// within `MembershipProofChecker.window` seconds of the endpoint's clock (docs/cluster.md).
public enum MembershipProof {
    /// Words a proof adds to a command line.
    public static let wordCount = 3
    public static let nonceBytes = 16
    /// Keeps a tag made for this purpose from meaning anything elsewhere, should the secret be reused.
    static let domain = Array("swiftcached-membership-v1\n".utf8)

    /// The bytes the tag covers.
    static func message(signedLine: [UInt8], payload: [UInt8]?) -> [UInt8] {
        var message = domain + signedLine
        if let payload { message += [UInt8(ascii: "\n")] + payload }
        return message
    }

    /// `command` (words separated by single spaces) with its proof appended.
    public static func sign(_ command: String, payload: [UInt8]? = nil, secret: ClusterSecret, now: Int64, nonce: [UInt8]) -> String {
        let signed = "\(command) \(now) \(HexBytes.encode(nonce))"
        let tag = HMACSHA256.tag(key: secret.key, message: message(signedLine: Array(signed.utf8), payload: payload))
        return signed + " " + HexBytes.encode(tag)
    }

    /// As `sign`, with a fresh random nonce; nil only if the system's random source fails.
    public static func sign(_ command: String, payload: [UInt8]? = nil, secret: ClusterSecret, now: Int64) -> String? {
        HMACSHA256.randomBytes(nonceBytes).map { sign(command, payload: payload, secret: secret, now: now, nonce: $0) }
    }
}
