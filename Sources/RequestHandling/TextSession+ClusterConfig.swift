import MemcacheProtocol
import OutputBuffers

extension TextSession {
    /// `config get cluster` on a data node that belongs to a cluster: answered with the endpoint's
    /// view, because real clients (the AWS Java client) poll data nodes and use the endpoint only as
    /// a fallback. Returns false for any other line, or on a node outside a cluster (memcached's
    /// `ERROR` then stands, as in memcached).
    func answerClusterConfig(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) -> Bool {
        guard let source = context.server.clusterConfig, tokens.count == 3,
              bytes.span(tokens[0], equals: "config"), bytes.span(tokens[1], equals: "get"),
              bytes.span(tokens[2], equals: "cluster") else { return false }
        if let response = source.configGetClusterResponse() {
            response.withUnsafeBytes { output.append($0) }
        } else {
            output.append(ResponseLine.clusterConfigUnknown)
        }
        return true
    }
}

extension ResponseLine {
    static let clusterConfigUnknown: StaticString = "SERVER_ERROR cluster configuration not known yet\r\n"
}
