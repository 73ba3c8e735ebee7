import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// SASL list mechanisms / auth / step (memcached's `bin_list_sasl_mechs`, `process_bin_sasl_auth`,
/// `process_bin_complete_sasl_auth`), with PLAIN as the only mechanism. As in memcached every SASL
/// command first drops the connection's authentication, so a failed re-login locks it again.
extension BinarySession {
    /// memcached's MAX_SASL_MECH_LEN.
    static let maxMechanismLength = 32

    func listMechanisms(_ request: BinaryRequest, into output: inout OutputBuffer) {
        guard credentials != nil else { return refuseWithoutSASL(request, into: &output) }
        authenticated = false
        let name = SASLPlainMessage.mechanismName
        output.appendBinaryHeader(opcode: request.opcode, status: .success, bodyLength: name.utf8CodeUnitCount, opaque: request.opaque)
        output.append(name)
    }

    /// The key is the mechanism, the value the client's data. Returns the value bytes consumed
    /// (the whole value was waited for, see `bytesNeededToDispatch`).
    func authenticate(_ command: BinaryOpcode, _ request: BinaryRequest, body: UnsafeRawBufferPointer,
                      into output: inout OutputBuffer) -> Int {
        guard let credentials else {
            refuseWithoutSASL(request, into: &output)
            return 0
        }
        let valueLength = request.header.valueLength
        guard request.header.keyLength <= BinarySession.maxMechanismLength else {
            refuse(request, .invalidArguments, swallowing: valueLength, into: &output)
            return 0
        }
        guard valueLength <= BinarySession.maxSASLData else {
            refuse(request, .outOfMemory, swallowing: valueLength, into: &output)
            return 0
        }
        authenticated = false
        let mechanism = body[span: request.key]
        let data = UnsafeRawBufferPointer(rebasing: body[request.key.end..<(request.key.end + valueLength)])
        counters.add(.authCmds)
        if command == .saslAuth, accepts(mechanism: mechanism, data: data, credentials: credentials) {
            authenticated = true
            let text = BinaryErrorText.authenticated
            output.appendBinaryHeader(opcode: request.opcode, status: .success, bodyLength: text.utf8CodeUnitCount, opaque: request.opaque)
            output.append(text)
        } else {
            counters.add(.authErrors)
            output.appendBinaryError(opcode: request.opcode, status: .authError, opaque: request.opaque)
        }
        return valueLength
    }

    private func accepts(mechanism: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer, credentials: CredentialStore) -> Bool {
        guard mechanism.span(ByteSpan(start: 0, count: mechanism.count), equals: SASLPlainMessage.mechanismName),
              let message = SASLPlainMessage.parse(data), message.authorizesOnlyItself
        else { return false }
        return credentials.verify(user: message.user, password: message.password)
    }

    /// Without `-S` the SASL opcodes are unknown commands; their data is skipped.
    private func refuseWithoutSASL(_ request: BinaryRequest, into output: inout OutputBuffer) {
        refuseUnknown(request, swallowing: request.header.bodyLength - request.header.keyLength, into: &output)
    }
}
