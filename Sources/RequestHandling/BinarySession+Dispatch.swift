import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// memcached's `dispatch_bin_command`: length sanity, SASL gate, per-command shape checks, then
/// the command. Returns how many bytes beyond header, extras and key it consumed.
extension BinarySession {
    func dispatch(_ request: BinaryRequest, body: UnsafeRawBufferPointer, into output: inout OutputBuffer) -> Int {
        let header = request.header
        if header.keyLength > header.bodyLength || header.keyLength + header.extrasLength > header.bodyLength {
            // Lengths that contradict each other: memcached answers "Unknown command" and hangs up.
            output.appendBinaryError(opcode: request.opcode, status: .unknownCommand, opaque: request.opaque)
            closeRequested = true
            return 0
        }
        if credentials != nil, !mayRunUnauthenticated(request.opcode), !authenticated {
            output.appendBinaryError(opcode: request.opcode, status: .authError, opaque: request.opaque)
            closeRequested = true
            return 0
        }
        // Keys are 16-bit on the wire but at most 250 bytes in the cache.
        guard header.keyLength <= KeyRules.maxKeyLength else {
            protocolError(request, into: &output)
            return 0
        }
        guard let command = request.command else {
            // memcached skips `bodylen` more bytes after the extras and key it has already read.
            refuseUnknown(request, swallowing: header.bodyLength, into: &output)
            return 0
        }
        guard BinarySession.hasValidShape(command, header) else {
            protocolError(request, into: &output)
            return 0
        }
        return execute(command, request, body: body, into: &output)
    }

    private func execute(_ command: BinaryOpcode, _ request: BinaryRequest, body: UnsafeRawBufferPointer,
                         into output: inout OutputBuffer) -> Int {
        let key = body[span: request.key]
        let extras = body[span: request.extras]
        switch command {
        case .get, .getk, .touch, .gat, .gatk:
            retrieve(command, request, key: key, extras: extras, into: &output)
        case .set, .add, .replace:
            beginStore(command, request, key: key, extras: extras, into: &output)
        case .append, .prepend:
            beginConcatenation(command, request, key: key, into: &output)
        case .delete:
            delete(request, key: key, into: &output)
        case .increment, .decrement:
            arithmetic(increment: command == .increment, request, key: key, extras: extras, into: &output)
        case .flush:
            flush(request, extras: extras, into: &output)
        case .stat:
            stats(request, key: key, into: &output)
        case .noop:
            answerSuccess(request, into: &output)
        case .version:
            version(request, into: &output)
        case .quit:
            if !request.quiet { answerSuccess(request, into: &output) }
            closeRequested = true
        case .saslListMechanisms:
            listMechanisms(request, into: &output)
        case .saslAuth, .saslStep:
            return authenticate(command, request, body: body, into: &output)
        default:
            // Quiet opcodes never reach here: `BinaryRequest` folds them onto the loud ones.
            output.appendBinaryError(opcode: request.opcode, status: .unknownCommand, opaque: request.opaque)
        }
        return 0
    }

    /// memcached's per-opcode checks of extras, key and body lengths; a request failing them is a
    /// protocol error.
    static func hasValidShape(_ command: BinaryOpcode, _ header: BinaryRequestHeader) -> Bool {
        let extras = header.extrasLength, key = header.keyLength, body = header.bodyLength
        switch command {
        case .version, .noop, .quit, .saslListMechanisms:
            return extras == 0 && key == 0 && body == 0
        case .flush:
            return key == 0 && body == extras && (extras == 0 || extras == 4)
        case .set, .add, .replace:
            return extras == 8 && key != 0 && body >= key + 8
        case .get, .getk:
            return extras == 0 && body == key && key > 0
        case .delete:
            return key > 0 && extras == 0 && body == key
        case .increment, .decrement:
            return key > 0 && extras == 20 && body == key + extras
        case .append, .prepend:
            return key > 0 && extras == 0
        case .stat:
            return extras == 0
        case .saslAuth, .saslStep:
            return extras == 0 && key != 0
        case .touch, .gat, .gatk:
            return extras == 4 && key != 0
        default:
            return true
        }
    }

    /// memcached lets these through before SASL authentication (judged on the raw opcode).
    private func mayRunUnauthenticated(_ opcode: UInt8) -> Bool {
        switch BinaryOpcode(rawValue: opcode) {
        case .saslListMechanisms, .saslAuth, .saslStep, .version: return true
        default: return false
        }
    }

    /// "Invalid arguments", then the connection is closed (memcached's `handle_binary_protocol_error`).
    func protocolError(_ request: BinaryRequest, into output: inout OutputBuffer) {
        output.appendBinaryError(opcode: request.opcode, status: .invalidArguments, opaque: request.opaque)
        closeRequested = true
    }

    /// Answers an error, after first dropping the next `count` bytes of input (the rest of the
    /// refused request) when there are any. memcached keeps that count in a C `int`: a body declaring
    /// 2^31 bytes or more to drop wraps negative, so it drops nothing and answers at once, and what
    /// follows is read as the next request. Doing the same means no header can make the connection
    /// wait for gigabytes.
    func refuse(_ request: BinaryRequest, _ status: BinaryStatus, message: StaticString? = nil, swallowing count: Int,
                into output: inout OutputBuffer) {
        let answer = BinaryErrorAnswer(opcode: request.opcode, status: status, opaque: request.opaque, message: message)
        if count > 0, count <= Int(Int32.max) {
            state = .swallowing(remaining: count, answer: answer)
        } else {
            answer.append(to: &output)
        }
    }

    /// "Unknown command", then `count` more bytes skipped. memcached passes that count as a C int:
    /// 2 GB or more turns negative and nothing is skipped, so the answer goes at once and the next
    /// bytes are read as a request (found by Scripts/difffuzz.py).
    func refuseUnknown(_ request: BinaryRequest, swallowing count: Int, into output: inout OutputBuffer) {
        refuse(request, .unknownCommand, swallowing: Int32(truncatingIfNeeded: count) > 0 ? count : 0, into: &output)
    }

    /// An empty success answer, unless the request was quiet.
    func answerSuccess(_ request: BinaryRequest, cas: UInt64 = 0, into output: inout OutputBuffer) {
        guard !request.quiet else { return }
        output.appendBinaryHeader(opcode: request.opcode, status: .success, bodyLength: 0, opaque: request.opaque, cas: cas)
    }

    private func version(_ request: BinaryRequest, into output: inout OutputBuffer) {
        var text = reportedVersion
        text.withUTF8 { bytes in
            output.appendBinaryHeader(opcode: request.opcode, status: .success, bodyLength: bytes.count, opaque: request.opaque)
            output.append(UnsafeRawBufferPointer(bytes))
        }
    }
}
