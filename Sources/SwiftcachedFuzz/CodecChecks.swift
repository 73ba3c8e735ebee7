import MemcacheProtocol
import OutputBuffers
import RequestHandling

/// Meta's base64 keys: whatever the lenient decoder accepts re-encodes to the canonical form,
/// which decodes back to the same bytes.
enum Base64RoundTrip {
    static func check(_ input: UnsafeRawBufferPointer) {
        guard input.count <= 4 * Base64.maxDecodedKeyLength else { return }
        var decoded = [UInt8](repeating: 0, count: input.count * 3 / 4 + 3)
        let length = decoded.withUnsafeMutableBytes { Base64.decode(input, into: $0.baseAddress!) }
        guard length > 0 else { return }
        var encoded = OutputBuffer(capacity: 2 * input.count + 8)
        defer { encoded.deallocate() }
        decoded.withUnsafeBytes { Base64.encode(UnsafeRawBufferPointer(rebasing: $0[..<length]), into: &encoded) }
        precondition(encoded.readableCount == (length + 2) / 3 * 4, "base64 encoding of the wrong length")
        var again = [UInt8](repeating: 0, count: encoded.readableCount)
        let againLength = again.withUnsafeMutableBytes { Base64.decode(encoded.readableBytes, into: $0.baseAddress!) }
        precondition(againLength == length && again[..<length] == decoded[..<length], "base64 round trip changed the key")
    }
}

/// The SASL PLAIN message: the three parts and their two NULs are exactly the input, the user is
/// non-empty, and neither the identity nor the user holds a NUL.
enum SASLPlainCheck {
    static func check(_ input: UnsafeRawBufferPointer) {
        guard let message = SASLPlainMessage.parse(input) else { return }
        precondition(!message.user.isEmpty && !message.user.contains(0) && !message.authorizationID.contains(0))
        let rebuilt = Array(message.authorizationID) + [0] + Array(message.user) + [0] + Array(message.password)
        precondition(rebuilt.elementsEqual(input), "SASL PLAIN parts do not rebuild the message")
    }
}

/// The password-file parser (`-Y`, SASL database): a file loads when every non-empty line has a
/// colon, holds one entry per such line, and each entry's user and password verify.
enum PasswordFileCheck {
    static func check(_ input: UnsafeRawBufferPointer) {
        let lines = input.split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { $0.last == 0x0D ? $0.dropLast() : $0 }
            .filter { !$0.isEmpty }
        let store = try? CredentialStore(contents: Array(input))
        let wellFormed = lines.allSatisfy { $0.contains(UInt8(ascii: ":")) }
        precondition((store != nil) == wellFormed, "password file accepted or refused wrongly")
        guard let store else { return }
        precondition(store.count == lines.count, "password file entries do not match its lines")
        for line in lines {
            let colon = line.firstIndex(of: UInt8(ascii: ":"))!
            let user = Array(line[..<colon]), password = Array(line[(colon + 1)...])
            let verified = user.withUnsafeBytes { u in password.withUnsafeBytes { store.verify(user: u, password: $0) } }
            precondition(verified, "a password file entry does not verify")
        }
    }
}
