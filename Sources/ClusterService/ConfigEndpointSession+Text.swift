import Atomics
import Cluster
import MemcacheProtocol
import Networking
import OutputBuffers
import RequestHandling

extension ConfigEndpointSession {
    func processText(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer, requestLimit: Int) -> SessionProgress {
        var position = 0
        var handled = 0
        while position < input.count && !closeRequested {
            if let block = pending {
                // The block and its "\r\n" must be here whole; payloads are small.
                guard input.count - position >= block.length + 2 else { break }
                let data = Array(UnsafeRawBufferPointer(rebasing: input[position..<(position + block.length)]))
                let terminated = input[position + block.length] == 0x0D && input[position + block.length + 1] == 0x0A
                position += block.length + 2
                pending = nil
                finish(block, data: data, terminated: terminated, into: &output)
                continue
            }
            guard handled < requestLimit else { return SessionProgress(consumed: position, commands: handled, shouldClose: false, yielded: true) }
            guard let newline = CommandLineScanner.newline(in: input, from: position) else {
                if input.count - position > Self.maxLineLength {
                    output.append("CLIENT_ERROR line too long\r\n")
                    closeRequested = true
                }
                break
            }
            let line = CommandLineScanner.lineContent(in: input, start: position, newlineIndex: newline)
            position = newline + 1
            handled += 1
            let text = String(decoding: input[span: line], as: UTF8.self)
            execute(text.split(separator: " "), into: &output)
        }
        return SessionProgress(consumed: position, commands: handled, shouldClose: closeRequested, yielded: false)
    }

    private func execute(_ words: [Substring], into output: inout OutputBuffer) {
        switch (words.first ?? "", words.count) {
        case ("config", 3...) where words[1] == "get" && words[2] == "cluster" && words.count == 3:
            configGet(into: &output)
        case ("config", let count) where words[1] == "set" && Self.hasShape(words, plain: 5, count: count) && words[2] == "cluster":
            beginBlock(flags: words[3], length: words[4], as: { .configSet(length: $0, words: words) }, into: &output)
        case ("config", let count) where words[1] == "register" && Self.hasShape(words, plain: 4, count: count):
            register(words, into: &output)
        case ("config", let count) where words[1] == "deregister" && Self.hasShape(words, plain: 3, count: count):
            deregister(words, into: &output)
        case ("get", 2...):
            legacyGet(keys: words.dropFirst(), into: &output)
        case ("version", 1):
            output.appendText("VERSION \(endpoint.version)\r\n")
        case ("stats", 1):
            for (name, value) in endpoint.statsLines() { output.appendText("STAT \(name) \(value)\r\n") }
            output.append(ResponseLine.end)
        case ("refresh_certs", _):
            refreshCertificates(into: &output)
        case ("quit", 1):
            closeRequested = true
        case ("set", 5) where endpoint.credentials != nil:
            beginBlock(flags: words[2], length: words[4], as: { .authentication(length: $0) }, into: &output)
        default:
            output.append(ResponseLine.error)
        }
    }

    private func configGet(into output: inout OutputBuffer) {
        endpoint.configGets.wrappingIncrement(ordering: .relaxed)
        guard let snapshot = endpoint.coordinator.published.current else {
            return output.append("SERVER_ERROR no cluster configuration yet\r\n")
        }
        snapshot.configResponse.withUnsafeBytes { output.append($0) }
    }

    /// The data node's `refresh_certs` (memcached's): the listeners' certificate and key are loaded
    /// again for new connections, open ones keep theirs; further words are ignored, as there. With
    /// `-Y` only a logged-in connection may ask, as for the commands that change membership.
    private func refreshCertificates(into output: inout OutputBuffer) {
        guard let tls = endpoint.tls else { return output.append("Error TLS not enabled\r\n") }
        guard authenticated else { return output.append("CLIENT_ERROR unauthenticated\r\n") }
        guard let failure = tls.control.reloadCertificates() else { return output.append(ResponseLine.ok) }
        output.appendText(failure + "\r\n")
    }

    private func legacyGet(keys: ArraySlice<Substring>, into output: inout OutputBuffer) {
        if let snapshot = endpoint.coordinator.published.current {
            for key in keys where key == ConfigPayload.legacyKey {
                snapshot.legacyValueLines.withUnsafeBytes { output.append($0) }
            }
        }
        output.append(ResponseLine.end)
    }

    private func beginBlock(flags: Substring, length: Substring, as make: (Int) -> PendingBlock,
                            into output: inout OutputBuffer) {
        guard UInt32(flags) != nil, let length = Int(length), (0...ConfigPayload.maxBytes).contains(length) else {
            output.append(ResponseLine.badCommandLineFormat)
            return
        }
        pending = make(length)
    }

    func finish(_ block: PendingBlock, data: [UInt8], terminated: Bool, into output: inout OutputBuffer) {
        guard terminated else { return output.append(ResponseLine.badDataChunk) }
        switch block {
        case .authentication:
            authenticated = endpoint.credentials?.accepts(data) ?? true
            output.append(authenticated ? ResponseLine.stored : "CLIENT_ERROR authentication failure\r\n")
        case let .configSet(_, words):
            if let refusal = membershipRefusal(words, plain: 5, payload: data) { return refuse(refusal, into: &output) }
            do {
                try endpoint.coordinator.setByOperator(try ConfigPayload.parse(data))
                output.append(ResponseLine.stored)
            } catch {
                output.appendText("CLIENT_ERROR \(error)\r\n")
            }
        }
    }

}
