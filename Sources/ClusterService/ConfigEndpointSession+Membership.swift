import Atomics
import Cluster
import MemcacheProtocol
import OutputBuffers
import RequestHandling

/// The commands that change membership — `config register`, `config deregister`, `config set` —
/// and who may send them (docs/cluster.md, docs/security.md):
///
/// - with a cluster secret (`--cluster-secret-file`), each must carry a valid, unused proof;
/// - without one, registration and deregistration are refused outright (membership then comes from
///   the cluster file), and `config set` needs a connection that logged in with `-Y` credentials;
///   with neither a secret nor `-Y`, nothing can change membership over the network.
///
/// A refusal changes nothing: neither the node list nor the version.
extension ConfigEndpointSession {
    /// The command's own words (`plain`), or those plus a proof's.
    static func hasShape(_ words: [Substring], plain: Int, count: Int) -> Bool {
        count == plain || count == plain + MembershipProof.wordCount
    }

    func register(_ words: [Substring], into output: inout OutputBuffer) {
        if let refusal = membershipRefusal(words, plain: 4, payload: nil) { return refuse(refusal, into: &output) }
        do {
            let node = try ClusterNode(entry: words[2])
            guard let seconds = Double(words[3]) else { return output.append(ResponseLine.badCommandLineFormat) }
            try endpoint.coordinator.register(node, leaseSeconds: seconds)
            output.append("REGISTERED\r\n")
        } catch {
            output.appendText("CLIENT_ERROR \(error)\r\n")
        }
    }

    func deregister(_ words: [Substring], into output: inout OutputBuffer) {
        if let refusal = membershipRefusal(words, plain: 3, payload: nil) { return refuse(refusal, into: &output) }
        guard let node = try? ClusterNode(entry: words[2]) else { return output.append(ResponseLine.badCommandLineFormat) }
        output.append(endpoint.coordinator.deregister(node) ? ResponseLine.deleted : ResponseLine.notFound)
    }

    /// Why this command may not change membership, or nil when it may. `plain` is the number of
    /// words the command has without a proof.
    func membershipRefusal(_ words: [Substring], plain: Int, payload: [UInt8]?) -> String? {
        let isConfigSet = words[1] == "set"
        guard endpoint.proofs != nil else {
            guard isConfigSet else { return Self.noSecret }
            guard endpoint.credentials != nil else { return "config set needs a cluster secret or -Y credentials on the endpoint" }
            guard words.count == plain else { return Self.noSecret }
            return authenticated ? nil : "unauthenticated"
        }
        guard words.count == plain + MembershipProof.wordCount else { return "proof required" }
        let verdict = endpoint.checkProof(words, payload: payload)
        return verdict == .accepted ? nil : verdict.reason
    }

    func refuse(_ reason: String, into output: inout OutputBuffer) {
        endpoint.membershipRefusals.wrappingIncrement(ordering: .relaxed)
        output.appendText("CLIENT_ERROR \(reason)\r\n")
    }

    static let noSecret = "no cluster secret configured: membership comes from the cluster file"
}
