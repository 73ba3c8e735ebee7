import Atomics
import Cluster
import MemcacheProtocol
import Networking
import OutputBuffers
import RequestHandling

/// The binary protocol on the endpoint: config get (0x60) for clients that discover over binary,
/// plus version, noop and quit. Everything else — config set (0x64) included, since binary SASL is
/// not offered here — answers "unknown command" (0x81), as memcached does for opcodes it lacks.
extension ConfigEndpointSession {
    enum BinaryOpcode: UInt8 {
        case quit = 0x07, noop = 0x0A, version = 0x0B, quietQuit = 0x17, configGet = 0x60
    }

    enum BinaryStatus: UInt16 {
        case success = 0x0000, keyNotFound = 0x0001, tooLarge = 0x0003, unknownCommand = 0x0081
    }

    static let binaryHeaderLength = 24

    func processBinary(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer, requestLimit: Int) -> SessionProgress {
        var position = 0
        var handled = 0
        while !closeRequested && input.count - position >= Self.binaryHeaderLength {
            guard handled < requestLimit else { return SessionProgress(consumed: position, commands: handled, shouldClose: false, yielded: true) }
            let header = UnsafeRawBufferPointer(rebasing: input[position..<(position + Self.binaryHeaderLength)])
            let bodyLength = Int(bigEndian32(header, at: 8))
            guard header[0] == 0x80, bodyLength <= ConfigPayload.maxBytes else {
                closeRequested = true  // not a request, or absurd: memcached drops such a connection too
                break
            }
            guard input.count - position >= Self.binaryHeaderLength + bodyLength else { break }
            let keyLength = Int(header[2]) << 8 | Int(header[3])
            let extrasLength = Int(header[4])
            let keyStart = position + Self.binaryHeaderLength + extrasLength
            let key = String(decoding: UnsafeRawBufferPointer(rebasing: input[keyStart..<min(keyStart + keyLength, input.count)]), as: UTF8.self)
            executeBinary(opcode: header[1], key: key, opaque: bigEndian32(header, at: 12), into: &output)
            position += Self.binaryHeaderLength + bodyLength
            handled += 1
        }
        return SessionProgress(consumed: position, commands: handled, shouldClose: closeRequested, yielded: false)
    }

    private func executeBinary(opcode: UInt8, key: String, opaque: UInt32, into output: inout OutputBuffer) {
        switch BinaryOpcode(rawValue: opcode) {
        case .configGet:
            endpoint.configGets.wrappingIncrement(ordering: .relaxed)
            if key == "cluster", let snapshot = endpoint.coordinator.published.current {
                // Extras: the 4-byte flags of a get answer; the value is the payload.
                appendBinary(opcode: opcode, status: .success, opaque: opaque, extras: [0, 0, 0, 0],
                             value: snapshot.payload.bytes, into: &output)
            } else {
                appendBinary(opcode: opcode, status: .keyNotFound, opaque: opaque, value: Array("Not found".utf8), into: &output)
            }
        case .version:
            appendBinary(opcode: opcode, status: .success, opaque: opaque, value: Array(endpoint.version.utf8), into: &output)
        case .noop:
            appendBinary(opcode: opcode, status: .success, opaque: opaque, into: &output)
        case .quit:
            appendBinary(opcode: opcode, status: .success, opaque: opaque, into: &output)
            closeRequested = true
        case .quietQuit:
            closeRequested = true
        case nil:
            appendBinary(opcode: opcode, status: .unknownCommand, opaque: opaque, value: Array("Unknown command".utf8), into: &output)
        }
    }

    private func appendBinary(opcode: UInt8, status: BinaryStatus, opaque: UInt32, extras: [UInt8] = [],
                              value: [UInt8] = [], into output: inout OutputBuffer) {
        var header = [UInt8](repeating: 0, count: Self.binaryHeaderLength)
        header[0] = 0x81
        header[1] = opcode
        header[4] = UInt8(extras.count)
        header[6] = UInt8(status.rawValue >> 8)
        header[7] = UInt8(status.rawValue & 0xFF)
        storeBigEndian32(UInt32(extras.count + value.count), into: &header, at: 8)
        storeBigEndian32(opaque, into: &header, at: 12)
        (header + extras + value).withUnsafeBytes { output.append($0) }
    }
}

private func bigEndian32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
    (offset..<(offset + 4)).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[$1]) }
}

private func storeBigEndian32(_ value: UInt32, into bytes: inout [UInt8], at offset: Int) {
    for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (24 - 8 * index)) }
}
