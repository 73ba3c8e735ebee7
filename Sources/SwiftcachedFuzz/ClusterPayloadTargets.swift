import Cluster

/// The cluster payload (`config set cluster`'s block, an endpoint's `config get cluster` body) and
/// the strict parser of a whole `CONFIG cluster 0 <N>` answer, as data nodes read it.
enum ClusterPayloadTargets {
    /// Whatever parses re-serialises to bytes that parse to the same value, in every form a client
    /// may see it; an accepted list is sorted, without duplicates, with valid ports.
    static func payload(_ input: UnsafeRawBufferPointer) {
        let bytes = Array(input)
        let strict = try? ConfigPayload.parse(bytes)
        let lenient = try? ConfigPayload.parse(bytes, allowEmpty: true)
        precondition(strict == nil || strict == lenient, "allowEmpty changed a non-empty payload")
        precondition(strict != nil || lenient == nil || lenient!.nodes.isEmpty, "a non-empty payload refused without allowEmpty")
        if let lenient { checkPayload(lenient) }
        for word in input.split(whereSeparator: { $0 == 0x20 || $0 == 0x0A }) {
            guard let text = String(validating: word, as: UTF8.self), let node = try? ClusterNode(entry: Substring(text)) else { continue }
            precondition((try? ClusterNode(entry: Substring(node.entry))) == node, "a node entry does not re-parse to itself")
        }
    }

    static func checkPayload(_ payload: ConfigPayload) {
        precondition(payload.version >= 1, "version 0 accepted")
        precondition(payload.nodes == payload.nodes.sorted(), "nodes not sorted")
        precondition(Set(payload.nodes.map(\.identity)).count == payload.nodes.count, "a node listed twice")
        precondition(payload.nodes.allSatisfy { (1...65535).contains($0.port) }, "a port out of range")
        let reparsed = try? ConfigPayload.parse(payload.bytes, allowEmpty: true)
        precondition(reparsed == payload && reparsed!.bytes == payload.bytes, "payload does not re-parse to itself")
        let response = payload.configResponse
        precondition((try? ConfigResponseParser.parse(response)) == .complete(payload, consumed: response.count),
                     "CONFIG answer does not parse back")
    }

    /// A complete answer re-parses from exactly the bytes consumed, every shorter prefix of it is
    /// merely incomplete (a data node reading it in pieces must never see an error or a different
    /// answer), and a refused answer stays refused whatever follows it.
    static func response(_ input: UnsafeRawBufferPointer) {
        let bytes = Array(input)
        let outcome: ConfigResponseParser.Outcome
        do {
            outcome = try ConfigResponseParser.parse(bytes)
        } catch {
            precondition((try? ConfigResponseParser.parse(bytes + Array("\r\nEND\r\n".utf8))) == nil, "more bytes fixed a refused answer")
            return
        }
        guard case let .complete(payload, consumed) = outcome else { return }
        precondition(consumed > 0 && consumed <= bytes.count, "consumed beyond the input")
        checkPayload(payload)
        precondition((try? ConfigResponseParser.parse(Array(bytes[..<consumed]))) == outcome, "the answer alone parses differently")
        let step = max(1, consumed / 64)
        for length in stride(from: consumed - 1, through: 0, by: -step) {
            precondition((try? ConfigResponseParser.parse(Array(bytes[..<length]))) == .incomplete, "a prefix of \(length) bytes is not incomplete")
        }
    }
}
