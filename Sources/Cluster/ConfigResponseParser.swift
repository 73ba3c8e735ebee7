/// Reads a complete `CONFIG cluster 0 <N>\r\n<payload>\r\nEND\r\n` the way the strictest clients do
/// (the AWS Java client, libmemcached): exactly N bytes of payload, then `\r\n`, then `END\r\n`.
/// Used by data nodes on the endpoint's answers, and by the tests as the strict parser check.
public enum ConfigResponseParser {
    public enum Outcome: Equatable {
        /// More bytes are needed.
        case incomplete
        case complete(ConfigPayload, consumed: Int)
    }

    public static func parse(_ bytes: [UInt8]) throws -> Outcome {
        guard let headerEnd = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return .incomplete }
        guard headerEnd > 0, bytes[headerEnd - 1] == UInt8(ascii: "\r"),
              let header = String(validating: bytes[..<(headerEnd - 1)], as: UTF8.self) else {
            throw ClusterInputError.badPayload("header line not terminated by \\r\\n")
        }
        let words = header.split(separator: " ", omittingEmptySubsequences: false)
        guard words.count == 4, words[0] == "CONFIG", words[1] == "cluster", UInt32(words[2]) != nil,
              let length = Int(words[3]), length >= 0 else {
            throw ClusterInputError.badPayload("bad header '\(header)'")
        }
        let bodyStart = headerEnd + 1
        let trailer = Array("\r\nEND\r\n".utf8)
        guard bytes.count >= bodyStart + length + trailer.count else { return .incomplete }
        guard Array(bytes[(bodyStart + length)..<(bodyStart + length + trailer.count)]) == trailer else {
            throw ClusterInputError.badPayload("payload of \(length) bytes not followed by \\r\\nEND\\r\\n")
        }
        let body = Array(bytes[bodyStart..<(bodyStart + length)])
        guard body.last == UInt8(ascii: "\n") else { throw ClusterInputError.badPayload("payload does not end with \\n") }
        return .complete(try ConfigPayload.parse(body, allowEmpty: true), consumed: bodyStart + length + trailer.count)
    }
}
