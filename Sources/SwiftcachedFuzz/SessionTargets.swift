import MemcacheProtocol
import RequestHandling

/// The targets that run protocol sessions: each input is a fresh connection to the shared engine.
enum SessionTargets {
    static func binary(_ input: UnsafeRawBufferPointer) {
        let session = BinarySession(context: FuzzContexts.plain)
        SessionFeeder.feed(input, into: &FuzzContexts.output, session.process, check: ResponseFraming.checkBinary)
        finish { session.close() }
    }

    static func text(_ input: UnsafeRawBufferPointer) {
        let session = TextSession(context: FuzzContexts.plain)
        SessionFeeder.feed(input, into: &FuzzContexts.output, session.process, check: ResponseFraming.checkText)
        finish { session.close() }
    }

    /// The text session again (its own seeds and dictionary steer it to meta commands), plus the
    /// base64 codec of meta's `b` keys on the input itself.
    static func meta(_ input: UnsafeRawBufferPointer) {
        text(input)
        Base64RoundTrip.check(input)
    }

    static func datagram(_ input: UnsafeRawBufferPointer) {
        guard case .request = UDPFrameHeader.judge(input) else { return }
        let payload = UnsafeRawBufferPointer(rebasing: input[UDPFrameHeader.size...])
        let check = payload.first == BinaryRequestHeader.requestMagic ? ResponseFraming.checkBinary : ResponseFraming.checkText
        let session = DatagramSession(context: FuzzContexts.plain)
        session.respond(to: payload, using: &FuzzContexts.output) { answer in
            precondition(!answer.isEmpty && UDPFrameHeader.datagramCount(forResponseLength: answer.count) >= 1)
            check(answer)
        }
        finish {}
    }

    static func auth(_ input: UnsafeRawBufferPointer) {
        let session = AsciiAuthSession(context: FuzzContexts.plain, credentials: FuzzContexts.asciiCredentials)
        SessionFeeder.feed(input, into: &FuzzContexts.output, session.process, check: ResponseFraming.checkText)
        finish { session.close() }
        PasswordFileCheck.check(input)
    }

    /// A `-S` server: until a SASL auth has succeeded, no command other than SASL and version may
    /// get anything but an authentication error (or the unknown-command answer to contradictory
    /// lengths, which memcached checks first).
    static func sasl(_ input: UnsafeRawBufferPointer) {
        let session = BinarySession(context: FuzzContexts.sasl)
        var authenticated = false
        SessionFeeder.feed(input, into: &FuzzContexts.output, session.process) { answer in
            for frame in ResponseFraming.binaryFrames(answer) {
                if authenticated || (0x20...0x22).contains(frame.opcode) || frame.opcode == 0x0B {
                    authenticated = authenticated || (frame.opcode == 0x21 && frame.status == 0)
                    continue
                }
                precondition(frame.status == BinaryStatus.authError.rawValue || frame.status == BinaryStatus.unknownCommand.rawValue,
                             "opcode \(frame.opcode) answered \(frame.status) before authentication")
            }
        }
        finish { session.close() }
        SASLPlainCheck.check(input)
    }

    /// Closes the connection and drops its output; closing must not answer anything.
    private static func finish(_ close: () -> Void) {
        let before = FuzzContexts.output.readableCount
        close()
        precondition(FuzzContexts.output.readableCount == before, "output after close")
        FuzzContexts.output.consume(FuzzContexts.output.readableCount)
    }
}
